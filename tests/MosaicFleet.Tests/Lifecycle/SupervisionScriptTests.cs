using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Tests.Lifecycle;

/// <summary>The unit scripts (SupervisionScripts) run by /bin/sh against a real tmux server on a private socket, as the
/// units run them (the systemd side is in tests/Pester/Supervision.Tests.ps1 on a real user manager): the waiter's exit
/// status, the hooks that wake it, the launch's restart count and the crash file.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SupervisionScriptTests : IDisposable
{
    private readonly string _socket = "mft-sup-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _dir = Directory.CreateTempSubdirectory("mft-sup-").FullName;
    private readonly string _tmux = ExecutableLocator.Find("tmux", Environment.GetEnvironmentVariable("PATH"))!;

    public void Dispose()
    {
        ProcessRunner.Instance.RunAsync(new CommandSpec([_tmux, "-L", _socket, "kill-server"], TimeSpan.FromSeconds(5)), CancellationToken.None).GetAwaiter().GetResult();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<CommandResult> Sh(string script, TimeSpan timeout, IReadOnlyDictionary<string, string>? env = null, params string[] args)
        => ProcessRunner.Instance.RunAsync(new CommandSpec(["/usr/bin/env", .. (env ?? new Dictionary<string, string>()).Select(p => $"{p.Key}={p.Value}"), "/bin/sh", "-c", script, _tmux, .. args], timeout), CancellationToken.None);

    private async Task HolderAsync()
    {
        var r = await Sh(SupervisionScripts.HolderReady, TimeSpan.FromSeconds(10), null, _socket, "_holder", "direct");
        Assert.True(r.Success, r.Describe());
    }

    /// <summary>The agent's launch (ExecStartPre's script) as the unit runs it, with <paramref name="command"/> as the pane.</summary>
    private Task<CommandResult> LaunchAsync(string agent, string command, string launch = "direct")
        => Sh(SupervisionScripts.AgentPre, TimeSpan.FromSeconds(10), null,
            _socket, agent, "=" + agent, "=" + agent + ":", _dir, "/bin/sh", command, launch, Path.Combine(_dir, "crashes", agent), "0", "");

    private Task<CommandResult> WaitAsync(string agent) => Sh(SupervisionScripts.AgentWait, TimeSpan.FromSeconds(20), null, _socket, "=" + agent + ":", agent);

    private async Task<string> PaneAsync(string agent, string format)
        => (await ProcessRunner.Instance.RunAsync(new CommandSpec([_tmux, "-L", _socket, "list-panes", "-t", "=" + agent + ":", "-F", format], TimeSpan.FromSeconds(5)), CancellationToken.None)).Stdout.Trim();

    [Theory]
    [InlineData("sleep 0.5; exit 3", 3)]
    [InlineData("sleep 0.5; exit 0", 0)]
    [InlineData("sleep 0.5; kill -9 $$", 137)]
    public async Task The_waiter_exits_with_the_runtime_status_when_the_pane_dies(string command, int expected)
    {
        await HolderAsync();
        Assert.True((await LaunchAsync("a", command)).Success);
        var r = await WaitAsync("a");
        Assert.False(r.TimedOut, "the pane-died hook should wake the waiter long before its timed re-check");
        Assert.Equal(expected, r.ExitCode);
    }

    [Fact]
    public async Task The_waiter_exits_70_when_the_session_goes_and_when_the_server_dies()
    {
        await HolderAsync();
        Assert.True((await LaunchAsync("a", "exec sleep 60")).Success);
        var wait = WaitAsync("a");
        await Task.Delay(300);
        Assert.False(wait.IsCompleted);
        await ProcessRunner.Instance.RunAsync(new CommandSpec([_tmux, "-L", _socket, "kill-session", "-t", "=a"], TimeSpan.FromSeconds(5)), CancellationToken.None);
        Assert.Equal(70, (await wait).ExitCode);

        Assert.True((await LaunchAsync("b", "exec sleep 60")).Success);
        wait = WaitAsync("b");
        await Task.Delay(300);
        await ProcessRunner.Instance.RunAsync(new CommandSpec([_tmux, "-L", _socket, "kill-server"], TimeSpan.FromSeconds(5)), CancellationToken.None);
        var r = await wait;
        Assert.False(r.TimedOut);
        Assert.Equal(70, r.ExitCode);
    }

    [Fact]
    public async Task A_relaunch_under_systemd_counts_and_keeps_the_previous_exit_while_a_direct_one_starts_over()
    {
        await HolderAsync();
        Assert.True((await LaunchAsync("a", "exit 5", launch: "systemd-nosocket")).Success);
        Assert.Equal(5, (await WaitAsync("a")).ExitCode);
        // The launch mode 'systemd' would also ask for a scope; here XDG_RUNTIME_DIR has no manager, so it does not.
        var env = new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = _dir };
        var r = await Sh(SupervisionScripts.AgentPre, TimeSpan.FromSeconds(10), env,
            _socket, "a", "=a", "=a:", _dir, "/bin/sh", "exec sleep 60", "systemd", Path.Combine(_dir, "crashes", "a"), "0", "");
        Assert.True(r.Success, r.Describe());
        Assert.Equal("0:1:5", await PaneAsync("a", "#{pane_dead}:#{@mosaic_restarts}:#{@mosaic_last_exit}"));
        // The previous pane ended with no ExecStopPost to record it: the launch kept its screen.
        var crash = Assert.Single(CrashFiles.List(Engine.IO.LocalHostFiles.Instance, Path.Combine(_dir, "crashes", "a")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(crash));
        Assert.Equal(5, CrashFiles.Read(Engine.IO.LocalHostFiles.Instance, crash)!.ExitStatus);
        Assert.True((await LaunchAsync("a", "exec sleep 60")).Success);
        Assert.Equal("0:0:", await PaneAsync("a", "#{pane_dead}:#{@mosaic_restarts}:#{@mosaic_last_exit}"));
    }

    [Fact]
    public async Task A_live_session_marked_for_adoption_is_kept_and_unmarked()
    {
        await HolderAsync();
        Assert.True((await LaunchAsync("a", "exec sleep 60")).Success);
        var pid = await PaneAsync("a", "#{pane_pid}");
        await ProcessRunner.Instance.RunAsync(new CommandSpec([_tmux, "-L", _socket, "set-option", "-t", "=a:", SupervisionScripts.AdoptOption, "1"], TimeSpan.FromSeconds(5)), CancellationToken.None);
        Assert.True((await LaunchAsync("a", "exec sleep 60")).Success);
        Assert.Equal(pid + ":", await PaneAsync("a", "#{pane_pid}:#{" + SupervisionScripts.AdoptOption + "}"));
    }

    [Fact]
    public async Task The_stop_hook_keeps_a_dead_pane_with_its_status_and_ends_a_stopped_session()
    {
        await HolderAsync();
        var crashes = Path.Combine(_dir, "crashes", "a");
        // The pause before the exit: tmux 3.3a closes a pane's pty as soon as its process exits, discarding output it
        // had not read yet, so a runtime's very last bytes may never reach the screen (or a crash file). That race is
        // tmux's; what is under test here is that the screen tmux has is what the crash file keeps.
        Assert.True((await LaunchAsync("a", "printf 'line %s\\n' 1 2 3; sleep 0.5; exit 4")).Success);
        Assert.Equal(4, (await WaitAsync("a")).ExitCode);
        // tmux may mark the pane dead before it has drawn the last bytes the runtime wrote: systemd runs ExecStopPost
        // well after that; here, wait until the screen holds them (the capture itself is what is under test).
        // A deadline, not a count of tries: on a loaded machine each capture is a process start of its own.
        var drawn = "";
        for (var until = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < until; await Task.Delay(50))
        {
            drawn = (await ProcessRunner.Instance.RunAsync(new CommandSpec([_tmux, "-L", _socket, "capture-pane", "-p", "-t", "=a:"], TimeSpan.FromSeconds(5)), CancellationToken.None)).Stdout;
            if (drawn.Contains("line 3", StringComparison.Ordinal)) break;
        }
        Assert.Contains("line 3", drawn);
        var post = new Dictionary<string, string> { ["EXIT_CODE"] = "exited", ["EXIT_STATUS"] = "4", ["SERVICE_RESULT"] = "exit-code" };
        Assert.True((await Sh(SupervisionScripts.AgentPost, TimeSpan.FromSeconds(10), post, _socket, "a", "=a", "=a:", crashes)).Success);
        var file = Assert.Single(CrashFiles.List(Engine.IO.LocalHostFiles.Instance, crashes));
        var crash = CrashFiles.Read(Engine.IO.LocalHostFiles.Instance, file)!;
        Assert.Equal(4, crash.ExitStatus);
        Assert.Equal("exit-code", crash.ServiceResult);
        Assert.True(crash.Lines.Take(3).SequenceEqual(["line 1", "line 2", "line 3"]),
            "the crash file should start with the pane's last screen; it holds:\n" + File.ReadAllText(file) + "\nthe screen was:\n" + drawn);
        Assert.Equal("1:4", await PaneAsync("a", "#{pane_dead}:#{" + SupervisionScripts.ExitOption + "}"));

        Assert.True((await LaunchAsync("b", "exec sleep 60")).Success);
        var stop = new Dictionary<string, string> { ["EXIT_CODE"] = "killed", ["EXIT_STATUS"] = "TERM", ["SERVICE_RESULT"] = "success" };
        Assert.True((await Sh(SupervisionScripts.AgentPost, TimeSpan.FromSeconds(10), stop, _socket, "b", "=b", "=b:", Path.Combine(_dir, "crashes", "b"))).Success);
        Assert.Equal("", await PaneAsync("b", "#{pane_id}"));
        Assert.Empty(CrashFiles.List(Engine.IO.LocalHostFiles.Instance, Path.Combine(_dir, "crashes", "b")));
    }

    [Fact]
    public async Task Only_the_newest_twenty_crashes_are_kept()
    {
        await HolderAsync();
        var crashes = Path.Combine(_dir, "crashes", "a");
        Directory.CreateDirectory(crashes);
        for (var i = 0; i < 25; i++) File.WriteAllText(Path.Combine(crashes, $"2020010{i / 10}T0000{i % 10:00}Z.txt"), "old");
        File.WriteAllText(Path.Combine(crashes, "notes.md"), "not ours");
        Assert.True((await LaunchAsync("a", "exit 2")).Success);
        Assert.Equal(2, (await WaitAsync("a")).ExitCode);
        var post = new Dictionary<string, string> { ["EXIT_CODE"] = "exited", ["EXIT_STATUS"] = "2" };
        Assert.True((await Sh(SupervisionScripts.AgentPost, TimeSpan.FromSeconds(10), post, _socket, "a", "=a", "=a:", crashes)).Success);
        var kept = CrashFiles.List(Engine.IO.LocalHostFiles.Instance, crashes);
        Assert.Equal(CrashFiles.Kept, kept.Count);
        Assert.Equal(2, CrashFiles.Read(Engine.IO.LocalHostFiles.Instance, kept[0])!.ExitStatus);
        Assert.True(File.Exists(Path.Combine(crashes, "notes.md")));
    }
}
