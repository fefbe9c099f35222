using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Tests.Processes;

public class ProcessRunnerTests
{
    private static Task<CommandResult> Run(CommandSpec spec, CancellationToken ct = default) => ProcessRunner.Instance.RunAsync(spec, ct);

    [Fact]
    public async Task Arguments_reach_the_program_exactly_without_a_shell()
    {
        string[] awkward = ["a b", "$(echo no)", "'q'", "\"dq\"", "-n", ";", "\\", "日本 🚀", ""];
        var r = await Run(new CommandSpec(["printf", "%s\\0", .. awkward], TimeSpan.FromSeconds(10)));
        Assert.True(r.Success, r.Describe());
        Assert.Equal(awkward, r.Stdout.Split('\0')[..^1]);
    }

    [Fact]
    public void A_long_command_line_is_shortened_in_the_error_but_the_error_text_is_kept()
    {
        var argv = new[] { "tmux", "-L", "fleet" }.Concat(Enumerable.Range(0, 500).SelectMany(i => new[] { "capture-pane", "-p", "-t", "%" + i, ";" })).ToArray();
        var r = new CommandResult(new CommandSpec(argv, TimeSpan.FromSeconds(1)), 1, "", "command too long", false, false, TimeSpan.Zero);
        var text = r.Describe();
        Assert.StartsWith("'tmux -L fleet capture-pane", text);
        Assert.Matches(@"\.\.\. \(\d+ more characters\)' exited with 1: command too long$", text);
        Assert.True(text.Length < 400, text);
        var small = new CommandResult(new CommandSpec(["tmux", "ls"], TimeSpan.FromSeconds(1)), 1, "", "no server", false, false, TimeSpan.Zero);
        Assert.Equal("'tmux ls' exited with 1: no server", small.Describe());
    }

    [Fact]
    public async Task Exit_code_and_stderr_are_kept()
    {
        var r = await Run(new CommandSpec(["sh", "-c", "echo out; echo 'it broke' >&2; exit 3"], TimeSpan.FromSeconds(10)));
        Assert.False(r.Success);
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("out\n", r.Stdout);
        Assert.Equal("it broke\n", r.Stderr);
        Assert.Contains("exited with 3: it broke", r.Describe());
    }

    [Fact]
    public async Task Stdin_is_fed_exactly()
    {
        var text = "line1\nline2 $(x) ; \\; 日本\ttab\n" + new string('x', 100_000);
        var r = await Run(new CommandSpec(["cat"], TimeSpan.FromSeconds(10), text));
        Assert.Equal(text, r.Stdout);
    }

    [Fact]
    public async Task A_missing_program_is_reported_not_thrown()
    {
        var r = await Run(CommandSpec.Of("/nonexistent/mosaic-no-such-program"));
        Assert.True(r.NotFound);
        Assert.False(r.Success);
        Assert.Contains("was not found", r.Describe());
    }

    [Fact]
    public async Task Timeout_kills_the_process_tree()
    {
        var marker = Path.Combine(Path.GetTempPath(), "mf-timeout-" + Guid.NewGuid().ToString("N"));
        // The child shell starts a grandchild that would write the marker after 3 s.
        var r = await Run(new CommandSpec(["sh", "-c", $"(sleep 3; touch {marker}) & wait"], TimeSpan.FromMilliseconds(300)));
        Assert.True(r.TimedOut);
        Assert.False(r.Success);
        Assert.Contains("timed out", r.Describe());
        await Task.Delay(3500);
        Assert.False(File.Exists(marker), "the grandchild survived the timeout");
    }

    [Fact]
    public async Task Output_is_read_to_its_end_after_the_exit_when_a_left_behind_child_holds_the_pipes()
    {
        // The shell exits at once; its background child keeps stdout open for 2 s and writes more before closing it.
        var r = await Run(new CommandSpec(["sh", "-c", "echo first; (sleep 2; echo second) &"], TimeSpan.FromSeconds(10)));
        Assert.True(r.Success, r.Describe());
        Assert.Equal("first\nsecond\n", r.Stdout);
    }

    [Fact]
    public async Task Pipes_held_open_past_the_timeout_are_not_a_silent_success()
    {
        var r = await Run(new CommandSpec(["sh", "-c", "echo partial; sleep 30 &"], TimeSpan.FromMilliseconds(1500)));
        Assert.False(r.Success);
        Assert.True(r.OutputIncomplete);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("partial\n", r.Stdout);           // what did arrive is kept
        Assert.Equal(CommandFailure.TimedOut, r.FailureOn(LocalHost.Instance));
        Assert.Contains("output did not end", r.Describe());
    }

    [Fact]
    public void Failures_are_classified_per_host()
    {
        var spec = CommandSpec.Of("tmux", "ls");
        var remote = new SshHost(new FleetHostSpec { Name = "r", Ssh = "r" }, null);
        CommandResult R(int exit, bool timedOut = false, bool notFound = false) => new(spec, exit, "", "", timedOut, notFound, TimeSpan.Zero);
        Assert.Equal(CommandFailure.None, R(0).FailureOn(LocalHost.Instance));
        Assert.Equal(CommandFailure.ProgramNotFound, R(127, notFound: true).FailureOn(LocalHost.Instance));
        Assert.Equal(CommandFailure.CommandFailed, R(255).FailureOn(LocalHost.Instance));   // a local 255 is the program's own
        Assert.Equal(CommandFailure.CommandFailed, R(1).FailureOn(LocalHost.Instance));
        Assert.Equal(CommandFailure.TimedOut, R(-1, timedOut: true).FailureOn(LocalHost.Instance));
        Assert.Equal(CommandFailure.TransportLost, R(255).FailureOn(remote));
        Assert.Equal(CommandFailure.TransportLost, R(127, notFound: true).FailureOn(remote)); // no ssh here
        Assert.Equal(CommandFailure.ProgramNotFound, R(127).FailureOn(remote));               // the remote shell's "not found"
        Assert.Equal(CommandFailure.CommandFailed, R(1).FailureOn(remote));
        Assert.Equal(CommandFailure.TimedOut, R(-1, timedOut: true).FailureOn(remote));
    }

    [Fact]
    public async Task Cancellation_kills_the_process_and_throws()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run(new CommandSpec(["sleep", "30"], TimeSpan.FromSeconds(60)), cts.Token));
    }

    [Fact]
    public async Task Spawn_count_grows_by_one_per_process()
    {
        var before = ProcessRunner.SpawnCount;
        await Run(CommandSpec.Of("true"));
        Assert.True(ProcessRunner.SpawnCount >= before + 1);
    }
}
