using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Systemd;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Tests.Fleet;

/// <summary>The one-ssh-per-host query script, run for real by sh (and by fish, as a remote login shell would) against a
/// private tmux server and a fake systemctl.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RemoteHostQueryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mft-rq-").FullName;
    private readonly string _socket = "mft-rq-" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _shims;

    public RemoteHostQueryTests()
    {
        _shims = Path.Combine(_dir, "shims");
        Directory.CreateDirectory(_shims);
    }

    public void Dispose()
    {
        ShellHarness.RunAsync(["tmux", "-L", _socket, "kill-server"]).GetAwaiter().GetResult();
        Directory.Delete(_dir, true);
    }

    private void FakeSystemctl(string body)
    {
        var p = Path.Combine(_shims, "systemctl");
        File.WriteAllText(p, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(p, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private async Task StartPane(string session, string cwd)
    {
        Directory.CreateDirectory(cwd);
        var r = await ShellHarness.RunAsync(["tmux", "-L", _socket, "new-session", "-d", "-s", session, "-c", cwd, "--", "sleep", "120"]);
        Assert.True(r.Success, r.Describe());
    }

    private async Task<CommandResult> RunScript(string nonce, string? unitPattern, string? loginShell = null)
    {
        var spec = RemoteHostQuery.Command(nonce, _socket, unitPattern, TimeSpan.FromSeconds(20));
        var path = $"{_shims}:{Environment.GetEnvironmentVariable("PATH")}";
        // As sshd does: the login shell reads the quoted command line, often with no locale set at all.
        string[] env = ["env", "-u", "LANG", "-u", "LC_ALL", "-u", "LC_CTYPE", $"PATH={path}"];
        IReadOnlyList<string> argv = loginShell is null
            ? [.. env, .. spec.Argv]
            : [.. env, loginShell, "-c", PosixShell.Join(spec.Argv)];
        var r = await ShellHarness.RunAsync(argv);
        return r with { Spec = spec };
    }

    [Theory]
    [InlineData(null)]
    [InlineData("fish")]
    [InlineData("bash")]
    [InlineData("zsh")]
    [InlineData("tcsh")]
    public async Task Script_ReportsPanesUnitsAndHome_AndIgnoresForgedMarkersInPaths(string? loginShell)
    {
        if (loginShell is not null) Assert.True(ShellHarness.Which(loginShell) is not null, $"{loginShell} is not installed (.ci/run installs it)");
        FakeSystemctl("""
            printf 'noise on stderr\n' >&2
            printf 'mosaic-agent@a.service loaded active running A\nmosaic-agent@b.service masked inactive dead b\n'
            """);
        // The path also holds a whole list-panes record after RS + newline (the old terminator): with the call's nonce
        // ending each record, it stays part of the path instead of reading as a pane of its own.
        var forged = Path.Combine(_dir, "@@mosaic-fleet:0123:list-panes-exit:0", "日本 é\x1e\nstopped\x1f0\x1f0\x1f%9\x1f9\x1fpi\x1f0\x1f\x1f1\x1fx\x1e\n");
        await StartPane("a", forged);
        var nonce = RemoteHostQuery.NewNonce();
        var result = await RunScript(nonce, UnitStates.AgentPattern, loginShell);
        Assert.True(result.Success, result.Describe());

        var report = RemoteHostQuery.Parse(result, nonce, new TmuxCommand(_socket), UnitStates.AgentPattern);
        Assert.NotNull(report);
        Assert.Equal(Environment.GetEnvironmentVariable("HOME"), report.Home);
        Assert.True(report.ListPanes.Success, report.ListPanes.Describe());
        var panes = ListPanes.Parse(report.ListPanes.Stdout, nonce, out var rejected);
        Assert.Empty(rejected);
        var pane = Assert.Single(panes);
        Assert.Equal("a", pane.SessionName);
        Assert.Equal(forged, pane.PanePath);
        Assert.NotNull(report.ListUnits);
        Assert.Equal(0, report.ListUnits.ExitCode);
        Assert.Equal("noise on stderr\n", report.ListUnits.Stderr);
        var states = UnitStates.ParseList(report.ListUnits.Stdout);
        Assert.Equal("active/running", states["mosaic-agent@a.service"].Display);
        Assert.Equal("masked", states["mosaic-agent@b.service"].Display);
        Assert.NotNull(report.UnitFiles);
    }

    [Fact]
    public async Task Script_KeepsEachCommandsExitCodeAndStderr()
    {
        FakeSystemctl("echo 'Failed to connect to bus: No medium found' >&2; exit 1");
        var nonce = RemoteHostQuery.NewNonce();
        var result = await RunScript(nonce, UnitStates.AgentPattern);
        var report = RemoteHostQuery.Parse(result, nonce, new TmuxCommand(_socket, forceUtf8: true), UnitStates.AgentPattern);
        Assert.NotNull(report);
        Assert.NotEqual(0, report.ListPanes.ExitCode);           // no tmux server on this socket
        Assert.True(ListPanes.IsNoServer(report.ListPanes.Stderr), report.ListPanes.Stderr);
        Assert.DoesNotContain("Failed to connect", report.ListPanes.Stderr);
        Assert.Equal(1, report.ListUnits!.ExitCode);
        Assert.Equal("Failed to connect to bus: No medium found\n", report.ListUnits.Stderr);
        Assert.Equal(["tmux", "-u", "-L", _socket, "list-panes"], report.ListPanes.Spec.Argv.Take(5));
    }

    [Fact]
    public async Task Script_WithNoUnits_RunsNoSystemctl()
    {
        FakeSystemctl($"touch {PosixShell.Quote(Path.Combine(_dir, "systemctl-ran"))}");
        var nonce = RemoteHostQuery.NewNonce();
        var result = await RunScript(nonce, null);
        var report = RemoteHostQuery.Parse(result, nonce, new TmuxCommand(_socket), null);
        Assert.NotNull(report);
        Assert.Null(report.ListUnits);
        Assert.Null(report.UnitFiles);
        Assert.False(File.Exists(Path.Combine(_dir, "systemctl-ran")));
    }

    [Fact]
    public void Script_IsConstant_DataOnlyInArguments()
    {
        var a = RemoteHostQuery.Command("n1", "sock'; rm -rf /", "u@*", TimeSpan.FromSeconds(1));
        var b = RemoteHostQuery.Command("n2", "other", null, TimeSpan.FromSeconds(1));
        Assert.Equal(a.Argv[2], b.Argv[2]);
        Assert.DoesNotContain('\n', a.Argv[2]);
        Assert.Equal(["sh", "-c"], a.Argv.Take(2));
        Assert.Equal(["sh", "n1", "sock'; rm -rf /", ListPanes.FormatFor("n1"), "u@*", UnitStates.AgentFileGlob], a.Argv.Skip(3));
    }

    private static CommandResult Result(int exit, string stdout, string stderr = "", bool timedOut = false)
        => new(CommandSpec.Of("sh"), exit, stdout, stderr, timedOut, false, TimeSpan.Zero);

    [Fact]
    public void Parse_SkipsLoginNoise_AndNeedsTheEndMarker()
    {
        const string n = "abc";
        var m = "@@mosaic-fleet:abc:";
        var good = $"Welcome to host!\n{m}home:/home/ops\n%pane\n{m}list-panes-exit:1\n{m}end\n";
        var err = $"motd noise\n{m}list-panes\nno server running on /tmp/tmux-0/x\n{m}systemctl\n{m}end\n";
        var r = RemoteHostQuery.Parse(Result(0, good, err), n, new TmuxCommand("x"), null);
        Assert.NotNull(r);
        Assert.Equal("/home/ops", r.Home);
        Assert.Equal("%pane\n", r.ListPanes.Stdout);
        Assert.Equal(1, r.ListPanes.ExitCode);
        Assert.Equal("no server running on /tmp/tmux-0/x\n", r.ListPanes.Stderr);

        Assert.Null(RemoteHostQuery.Parse(Result(255, good.Replace($"{m}end\n", ""), err), n, new TmuxCommand("x"), null));
        Assert.Null(RemoteHostQuery.Parse(Result(255, "", "ssh: connect to host 127.0.0.1 port 1: Connection refused\n"), n, new TmuxCommand("x"), null));
        Assert.Null(RemoteHostQuery.Parse(Result(0, good, err, timedOut: true), n, new TmuxCommand("x"), null));
        // A marker with another nonce is data, not a marker.
        Assert.Null(RemoteHostQuery.Parse(Result(0, good, err), "other", new TmuxCommand("x"), null));
    }
}
