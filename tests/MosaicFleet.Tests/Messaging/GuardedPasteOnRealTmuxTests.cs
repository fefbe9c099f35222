using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Tests.Messaging;

/// <summary>The guarded paste list against a real tmux server: tmux 3.3a's server crashes on a paste into a dead pane,
/// so this checks tmux's behaviour, not the fake's.</summary>
public sealed class GuardedPasteOnRealTmuxTests : IDisposable
{
    private readonly string _socket = "mft-paste-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => ProcessRunner.Instance.RunAsync(new CommandSpec(["tmux", "-L", _socket, "kill-server"], TimeSpan.FromSeconds(5)), CancellationToken.None).GetAwaiter().GetResult();

    private async Task<CommandResult> Tmux(params string[] args)
        => await ProcessRunner.Instance.RunAsync(new CommandSpec(["tmux", "-u", "-L", _socket, .. args], TimeSpan.FromSeconds(10)), CancellationToken.None);

    /// <summary>The send's guarded paste list of <paramref name="text"/> into the panes, run on the real server.</summary>
    private Task<(CommandResult Result, int Visited, bool[] Pasted)> PasteAsync(string text, params string[] panes) => PasteAsync(text, panes, null, null);

    private async Task<(CommandResult Result, int Visited, bool[] Pasted)> PasteAsync(string text, string[] panes, IReadOnlyList<int?>? pids, IReadOnlyList<string?>? commands)
    {
        var marker = SendCommands.NewMarker();
        var argv = SendCommands.LoadAndPasteMany(new TmuxCommand(_socket, forceUtf8: true), "mosaic-test-buffer", panes, marker, pids, commands);
        var r = await ProcessRunner.Instance.RunAsync(new CommandSpec(argv, TimeSpan.FromSeconds(10), text), CancellationToken.None);
        var (visited, pasted) = SendCommands.ParsePasteMany(r.Stdout, marker, panes.Length);
        return (r, visited, pasted);
    }

    /// <summary>Sessions a (%0) and b (%1) running cat, once tmux shows cat as both panes' command; their pane pids.</summary>
    private async Task<List<int>> StartTwoCatsAsync()
    {
        Assert.True((await Tmux("new-session", "-d", "-s", "a", "-x", "80", "-y", "10", "cat")).Success);
        Assert.True((await Tmux("new-session", "-d", "-s", "b", "-x", "80", "-y", "10", "cat")).Success);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await Tmux("list-panes", "-a", "-F", "#{pane_current_command}")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).All(c => c == "cat") && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        return (await Tmux("list-panes", "-a", "-F", "#{pane_pid}")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
    }

    [Fact]
    public async Task A_dead_pane_in_the_list_is_skipped_the_live_ones_get_the_text_and_the_server_lives()
    {
        Assert.True((await Tmux("new-session", "-d", "-s", "live1", "-x", "80", "-y", "10", "cat")).Success);
        Assert.True((await Tmux("set-option", "-g", "remain-on-exit", "on")).Success);
        Assert.True((await Tmux("new-session", "-d", "-s", "dead", "-x", "80", "-y", "10", "true")).Success);
        Assert.True((await Tmux("new-session", "-d", "-s", "live2", "-x", "80", "-y", "10", "cat")).Success);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string panes;
        while (!(panes = (await Tmux("list-panes", "-a", "-F", "#{session_name} #{pane_id} #{pane_dead}")).Stdout).Contains("dead %1 1") && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Contains("dead %1 1", panes);

        var (_, visited, pasted) = await PasteAsync("hello there", "%0", "%1", "%2");
        Assert.Equal(3, visited);
        Assert.Equal([true, false, true], pasted);
        // The server is still there, the live panes show the text, and the buffer is gone.
        var after = await Tmux("list-panes", "-a", "-F", "#{session_name} #{pane_dead}");
        Assert.True(after.Success, after.Describe());
        Assert.Equal(3, after.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        deadline = DateTime.UtcNow.AddSeconds(5);
        async Task<bool> BothShow() => (await Tmux("capture-pane", "-p", "-t", "%0")).Stdout.Contains("hello there")
            && (await Tmux("capture-pane", "-p", "-t", "%2")).Stdout.Contains("hello there");
        while (!await BothShow() && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Contains("hello there", (await Tmux("capture-pane", "-p", "-t", "%0")).Stdout);
        Assert.Contains("hello there", (await Tmux("capture-pane", "-p", "-t", "%2")).Stdout);
        Assert.DoesNotContain("mosaic-test-buffer", (await Tmux("list-buffers", "-F", "#{buffer_name}")).Stdout);
    }

    [Fact]
    public async Task A_pane_whose_pid_differs_from_the_resolved_one_is_skipped_on_a_real_server()
    {
        var pids = await StartTwoCatsAsync();
        var (r, visited, pasted) = await PasteAsync("hi", ["%0", "%1"], [pids[0], pids[1] + 100000], null);
        Assert.True(r.Success, r.Describe());
        Assert.Equal(2, visited);
        Assert.Equal([true, false], pasted);
    }

    [Fact]
    public async Task A_pane_whose_command_differs_from_the_resolved_one_is_skipped_on_a_real_server()
    {
        // Same pid, other command: the runtime ran inside a shell and exited back to it while the send waited.
        var pids = await StartTwoCatsAsync();
        var (r, visited, pasted) = await PasteAsync("hi", ["%0", "%1"], [pids[0], pids[1]], ["cat", "pi"]);
        Assert.True(r.Success, r.Describe());
        Assert.Equal(2, visited);
        Assert.Equal([true, false], pasted);
    }

    [Fact]
    public async Task A_pane_id_that_no_longer_exists_costs_only_itself()
    {
        Assert.True((await Tmux("new-session", "-d", "-s", "a", "-x", "80", "-y", "10", "cat")).Success);
        Assert.True((await Tmux("new-session", "-d", "-s", "b", "-x", "80", "-y", "10", "cat")).Success);
        var (r, visited, pasted) = await PasteAsync("hi", "%0", "%77", "%1");
        Assert.Equal(3, visited);
        Assert.Equal([true, false, true], pasted);
        Assert.False(r.Success); // tmux reports the failed paste into %77 by its exit code
        Assert.Contains("%77", r.Stderr);
    }
}
