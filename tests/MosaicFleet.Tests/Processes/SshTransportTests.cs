using MosaicFleet.Engine.Tmux;
using System.Net;
using System.Net.Sockets;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Systemd;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Tests.Processes;

/// <summary>The ssh transport against a real sshd: stdin and argv byte-exact, non-POSIX login shells, and each way a
/// host can fail (unreachable, silent, remote shell refusing, remote tmux failing).</summary>
[Collection(SshdCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SshTransportTests(SshdFixture sshd) : IDisposable
{
    private readonly string _socket = "mft-ssh-" + Guid.NewGuid().ToString("N")[..10];

    public void Dispose() => ShellHarness.RunAsync(["tmux", "-L", _socket, "kill-server"]).GetAwaiter().GetResult();

    private static readonly string AwkwardStdin = string.Concat(
        "first line\n",
        "~.\n~?\n~~ escape lookalikes at line starts\n",
        "quotes ' \" `backticks` $HOME ${PATH} $(id) \\ \\\\ \\n literal\n",
        "tab\there\r\ncrlf line\n",
        "\u001b[31mred\u001b[0m and \u0001\u0002\u0003\u007f controls\n",
        "日本語 한국어 中文 🚀🧪👩‍💻\n",
        new string('x', 200_000),
        "\nno trailing newline");

    private static readonly HostRunner Runner = new(ProcessRunner.Instance);

    private static CommandSpec Spec(params string[] argv) => new(argv, TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Stdin_WithAwkwardBytes_ReachesARemoteCatIntact(bool multiplex)
    {
        var r = await Runner.RunAsync(sshd.Host(multiplex: multiplex), Spec("cat").WithStdin(AwkwardStdin), CancellationToken.None);
        Assert.True(r.Success, r.Describe() + "\n" + sshd.Log);
        Assert.Equal(AwkwardStdin.Length, r.Stdout.Length);
        Assert.True(AwkwardStdin == r.Stdout, "stdin did not arrive byte-exact");
    }

    [Fact]
    public async Task Argv_WithAwkwardWords_ArrivesByteExact()
    {
        var r = await Runner.RunAsync(sshd.Host(), Spec(["python3", "-c", ShellHarness.ArgvDumper, .. ShellHarness.AwkwardWords]), CancellationToken.None);
        Assert.True(r.Success, r.Describe());
        Assert.Equal(ShellHarness.AwkwardWords.Select(ShellHarness.Show), ShellHarness.SplitNul(r.Stdout).Select(ShellHarness.Show));
    }

    [Fact]
    public async Task FishLoginShell_ArgvStdinAndHomeArriveTheSame()
    {
        var host = sshd.Host(user: sshd.FishUser);
        var shell = await Runner.RunAsync(host, Spec("sh", "-c", "getent passwd \"$(id -un)\" | cut -d: -f7"), CancellationToken.None);
        Assert.True(shell.Success, shell.Describe() + "\n" + sshd.Log);
        Assert.Equal("/usr/bin/fish", shell.Stdout.Trim());

        var argv = await Runner.RunAsync(host, Spec(["python3", "-c", ShellHarness.ArgvDumper, .. ShellHarness.AwkwardWords]), CancellationToken.None);
        Assert.True(argv.Success, argv.Describe());
        Assert.Equal(ShellHarness.AwkwardWords.Select(ShellHarness.Show), ShellHarness.SplitNul(argv.Stdout).Select(ShellHarness.Show));

        var cat = await Runner.RunAsync(host, Spec("cat").WithStdin(AwkwardStdin), CancellationToken.None);
        Assert.True(AwkwardStdin == cat.Stdout, "stdin did not arrive byte-exact through fish");

        var ctx = Context(("fishy", sshd.HostSpec("fishy", user: sshd.FishUser, socket: _socket)));
        Assert.Equal(Path.Combine(sshd.Directory, sshd.FishUser), await ctx.HomeOnAsync("fishy", CancellationToken.None));
        Assert.Equal(Path.Combine(sshd.Directory, sshd.FishUser, "work"), await ctx.ExpandHomeOnAsync("fishy", "~/work", CancellationToken.None));
        var snap = await new FleetQuery(ctx).GetAgentsAsync([Agent("a1", "fishy")], CancellationToken.None);
        Assert.Empty(snap.HostFailures);
        Assert.Equal(FleetAgentStatus.Missing, Assert.Single(snap.Agents).Status);
    }

    private FleetContext Context(params (string Name, FleetHostSpec Spec)[] hosts)
    {
        var roster = new FleetRoster
        {
            Hosts = hosts.ToDictionary(h => h.Name, h => h.Spec),
            Runtimes = new Dictionary<string, FleetRuntime> { ["pi"] = new() { Name = "pi", PaneCommands = ["pi", "sleep"] } },
        };
        var env = new Dictionary<string, string> { ["HOME"] = "/nonexistent-local-home", ["XDG_RUNTIME_DIR"] = sshd.ControlDirectory };
        return new FleetContext(roster, getEnv: k => env.GetValueOrDefault(k)) { CommandTimeout = TimeSpan.FromSeconds(20) };
    }

    private static FleetAgentSpec Agent(string name, string host, string? workingDirectory = null)
        => new() { Name = name, Runtime = "pi", Host = host, WorkingDirectory = workingDirectory };

    [Fact]
    public async Task Query_ReadsARemotePane_AndExpandsTildeWithTheRemoteHome()
    {
        var started = await ShellHarness.RunAsync(["tmux", "-L", _socket, "new-session", "-d", "-s", "r1", "--", "sleep", "120"]);
        Assert.True(started.Success, started.Describe());
        var ctx = Context(("box", sshd.HostSpec("box", socket: _socket)));
        var snap = await new FleetQuery(ctx).GetAgentsAsync([Agent("r1", "box", "~/proj"), Agent("r2", "box")], CancellationToken.None);
        Assert.Empty(snap.HostFailures);
        var r1 = snap.Agents.Single(a => a.Name == "r1");
        Assert.Equal(FleetAgentStatus.Running, r1.Status);
        Assert.Equal("sleep", r1.PaneCommand);
        Assert.Equal("box", r1.Host);
        Assert.Equal(_socket, r1.Socket);
        Assert.Equal("/root/proj", r1.WorkingDirectory);  // the remote $HOME, not this context's HOME
        Assert.Equal(FleetAgentStatus.Missing, snap.Agents.Single(a => a.Name == "r2").Status);
    }

    [Fact]
    public async Task DeadPort_IsUnreachable_WithSshExit255()
    {
        var r = await Runner.RunAsync(sshd.Host(port: sshd.DeadPort), Spec("true"), CancellationToken.None);
        Assert.Equal(255, r.ExitCode);
        Assert.True(r.Unreached(remote: true));
        var snap = await new FleetQuery(Context(("gone", sshd.HostSpec("gone", port: sshd.DeadPort)))).GetAgentsAsync([Agent("x", "gone")], CancellationToken.None);
        var f = Assert.Single(snap.HostFailures);
        Assert.Equal(FleetErrorIds.FleetHostUnreachable, f.ErrorId);
        Assert.Equal("gone", f.Host);
        Assert.Contains("Connection refused", f.Message);
        Assert.Equal(FleetAgentStatus.Unreachable, Assert.Single(snap.Agents).Status);
    }

    [Fact]
    public async Task SilentServer_IsUnreachable_AfterConnectTimeout()
    {
        // Accepts TCP and never says a word: ConnectTimeout must cover the banner exchange.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var snap = await new FleetQuery(Context(("mute", sshd.HostSpec("mute", port: port)))).GetAgentsAsync([Agent("x", "mute")], CancellationToken.None);
        var f = Assert.Single(snap.HostFailures);
        Assert.Equal(FleetErrorIds.FleetHostUnreachable, f.ErrorId);
        Assert.Equal(FleetAgentStatus.Unreachable, Assert.Single(snap.Agents).Status);
    }

    [Fact]
    public async Task RunnerTimeout_BoundsARemoteCommandThatHangs()
    {
        var r = await Runner.RunAsync(sshd.Host(), new CommandSpec(["sleep", "20"], TimeSpan.FromSeconds(1)), CancellationToken.None);
        Assert.True(r.TimedOut);
        Assert.True(r.Unreached(remote: true));
    }

    [Fact]
    public async Task RemoteShellThatRefuses_IsACommandFailure_NotUnreachable()
    {
        var snap = await new FleetQuery(Context(("nolog", sshd.HostSpec("nolog", user: sshd.NologinUser)))).GetAgentsAsync([Agent("x", "nolog")], CancellationToken.None);
        var f = Assert.Single(snap.HostFailures);
        Assert.Equal(FleetErrorIds.FleetHostCommandFailed, f.ErrorId);
        Assert.Contains("not available", f.Message);
        Assert.Equal(FleetAgentStatus.Unreachable, Assert.Single(snap.Agents).Status);
    }

    [Fact]
    public async Task RemoteTmuxFailure_IsATmuxError_WithTmuxStderr()
    {
        var snap = await new FleetQuery(Context(("odd", sshd.HostSpec("odd", port: sshd.BrokenTmuxPort, socket: _socket)))).GetAgentsAsync([Agent("x", "odd")], CancellationToken.None);
        var f = Assert.Single(snap.HostFailures);
        Assert.Equal(FleetErrorIds.TmuxQueryFailed, f.ErrorId);
        Assert.Contains("protocol version mismatch", f.Message);
        Assert.DoesNotContain("@@mosaic-fleet", f.Message);
    }

    [Fact]
    public async Task TwoHosts_AreQueriedInOneQuery_EachWithItsOwnSocket()
    {
        var other = _socket + "b";
        try
        {
            Assert.True((await ShellHarness.RunAsync(["tmux", "-L", _socket, "new-session", "-d", "-s", "a", "--", "sleep", "120"])).Success);
            Assert.True((await ShellHarness.RunAsync(["tmux", "-L", other, "new-session", "-d", "-s", "b", "--", "sleep", "120"])).Success);
            var ctx = Context(("one", sshd.HostSpec("one", socket: _socket)), ("two", sshd.HostSpec("two", port: sshd.BrokenTmuxPort - 0, socket: other)));
            // "two" goes through the port whose PATH has a broken tmux: only "one" answers, "two" fails on its own.
            var snap = await new FleetQuery(ctx).GetAgentsAsync([Agent("a", "one"), Agent("b", "two"), Agent("b", "one")], CancellationToken.None);
            Assert.Equal(FleetAgentStatus.Running, snap.Agents[0].Status);
            Assert.Equal(FleetAgentStatus.Unreachable, snap.Agents[1].Status);
            Assert.Equal(FleetAgentStatus.Missing, snap.Agents[2].Status);
            Assert.Equal("two", Assert.Single(snap.HostFailures).Host);
        }
        finally
        {
            await ShellHarness.RunAsync(["tmux", "-L", other, "kill-server"]);
        }
    }
}
