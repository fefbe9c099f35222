using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Messaging;

public sealed class SenderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mf-send-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (MessageSender Sender, FakeTmux Tmux, FleetRoster Roster, MessageLog Log) Setup(string[] agents, string submitKeys = "Enter", double timeout = 1)
    {
        var yaml = "version: 1\ntmux: { socketName: fleet }\nruntimes:\n  fake: { command: fake, paneCommands: [fake], submitKeys: '" + submitKeys + "' }\nagents:\n"
            + string.Concat(agents.Select(a => $"  - {{ name: {a}, runtime: fake }}\n"));
        var roster = RosterLoader.Parse(yaml, Path.Combine(_dir, "roster.yaml"));
        var tmux = new FakeTmux();
        var log = new MessageLog(Path.Combine(_dir, "state", "messages.jsonl"));
        var ctx = new FleetContext(roster, tmux, _ => null);
        var sender = new MessageSender(ctx, new SendOptions
        {
            Timeout = TimeSpan.FromSeconds(timeout),
            PollInterval = TimeSpan.FromMilliseconds(10),
            RetryAfter = TimeSpan.FromMilliseconds(100),
            DraftWait = TimeSpan.FromMilliseconds(200),
            LockDirectory = Path.Combine(_dir, "locks"),
        }, log);
        return (sender, tmux, roster, log);
    }

    private static SendRequest Req(FleetRoster r, string agent, string msg) => new(r.Agents.Single(a => a.Name == agent), msg, "op");

    [Fact]
    public async Task A_message_is_pasted_from_stdin_never_in_an_argv_and_accepted()
    {
        var (sender, tmux, roster, _) = Setup(["a"]);
        var pane = tmux.Add("a");
        const string msg = "-x ; \\; Enter $(rm -rf /) \"q\" 'q'";
        var results = await sender.SendAsync([Req(roster, "a", msg)], CancellationToken.None);
        Assert.Equal(FleetSendStatus.Accepted, results[0].Status);
        Assert.Equal(["[op] " + msg], pane.Received);
        Assert.DoesNotContain(tmux.Calls, c => c.Argv.Any(w => w.Contains("rm -rf", StringComparison.Ordinal)));
        Assert.Single(tmux.Calls, c => c.Stdin == "[op] " + msg);
        Assert.NotNull(results[0].SentAt);
        Assert.Empty(tmux.Buffers);
    }

    [Fact]
    public async Task Every_command_after_resolving_targets_the_pane_id()
    {
        var (sender, tmux, roster, _) = Setup(["a"]);
        var pane = tmux.Add("a");
        await sender.SendAsync([Req(roster, "a", "hi")], CancellationToken.None);
        // Every -t of every command in a list, except the resolve call's (the session window and its active pane).
        var targets = tmux.Calls.Where(c => c.Argv[4] != "list-panes")
            .SelectMany(c => c.Argv.Select((w, i) => (w, i)).Where(x => x.w == "-t").Select(x => c.Argv[x.i + 1])).ToList();
        Assert.NotEmpty(targets);
        Assert.All(targets, t => Assert.Equal(pane.Id, t));
    }

    [Fact]
    public async Task A_swallowed_submit_key_is_resent_once_and_the_body_is_never_sent_twice()
    {
        // agent-deck #479: a retry must never type the message a second time.
        var (sender, tmux, roster, _) = Setup(["a"]);
        var pane = tmux.Add("a");
        pane.Swallow = 1;
        var r = (await sender.SendAsync([Req(roster, "a", "only once")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.Accepted, r.Status);
        Assert.True(r.SubmitRetried);
        Assert.Equal(1, pane.Pastes);
        Assert.Equal(["[op] only once"], pane.Received);
        Assert.Equal(1, tmux.Calls.Count(c => c.Argv[4] == "load-buffer"));
    }

    [Fact]
    public async Task A_draft_left_in_the_box_is_NotSubmitted_not_success()
    {
        // agent-deck #1413: typed but not submitted must not be reported as delivered.
        var (sender, tmux, roster, _) = Setup(["a"]);
        var pane = tmux.Add("a");
        pane.Swallow = int.MaxValue;
        var r = (await sender.SendAsync([Req(roster, "a", "stuck")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.NotSubmitted, r.Status);
        Assert.Equal(1, pane.Pastes);
        Assert.Equal("[op] stuck", pane.Draft);
    }

    [Fact]
    public async Task A_busy_pane_that_shows_nothing_is_NotAccepted()
    {
        var (sender, tmux, roster, _) = Setup(["a"]);
        tmux.Add("a").Busy = true;
        var r = (await sender.SendAsync([Req(roster, "a", "anyone?")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.NotAccepted, r.Status);
        Assert.False(r.SubmitRetried);
    }

    [Fact]
    public async Task Missing_session_and_dead_pane_type_nothing()
    {
        var (sender, tmux, roster, _) = Setup(["gone", "dead"]);
        tmux.Add("dead").Dead = true;
        var results = await sender.SendAsync([Req(roster, "gone", "x"), Req(roster, "dead", "x")], CancellationToken.None);
        Assert.Equal(FleetSendStatus.NoSession, results[0].Status);
        Assert.Equal(FleetSendStatus.PaneDead, results[1].Status);
        Assert.DoesNotContain(tmux.Calls, c => c.Argv.Any(w => w is "load-buffer" or "paste-buffer" or "send-keys"));
    }

    [Fact]
    public async Task Submit_keys_come_from_the_runtime_in_order()
    {
        var (sender, tmux, roster, _) = Setup(["a"], submitKeys: "Escape Enter");
        tmux.Add("a");
        await sender.SendAsync([Req(roster, "a", "x")], CancellationToken.None);
        var keys = tmux.Calls.SelectMany(c => c.Argv.Select((w, i) => (w, i)).Where(x => x.w == "send-keys").Select(x => c.Argv[x.i + 3])).ToList();
        Assert.Equal(["Escape", "Enter"], keys);
    }

    [Fact]
    public async Task Without_verification_the_status_is_Submitted_and_the_pane_is_captured_only_before_typing()
    {
        var (_, tmux, roster, log) = Setup(["a"]);
        tmux.Add("a");
        var ctx = new FleetContext(roster, tmux, _ => null);
        var sender = new MessageSender(ctx, new SendOptions { Verify = false, LockDirectory = Path.Combine(_dir, "locks") }, log);
        var r = (await sender.SendAsync([Req(roster, "a", "x")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.Submitted, r.Status);
        // One look before typing (a dialog or a draft there stops the send, -NoVerify or not), none after.
        var calls = tmux.Calls.ToList();
        var paste = calls.FindIndex(c => c.Argv.Contains("paste-buffer") || c.Argv.Contains("load-buffer"));
        Assert.Single(calls, c => c.Argv.Contains("capture-pane"));
        Assert.True(calls.FindIndex(c => c.Argv.Contains("capture-pane")) < paste);
    }

    [Fact]
    public async Task Many_agents_are_verified_in_one_shared_poll_loop_and_each_send_is_logged()
    {
        var names = Enumerable.Range(0, 12).Select(i => $"w{i}").ToArray();
        var (sender, tmux, roster, log) = Setup(names);
        foreach (var n in names) tmux.Add(n);
        var results = await sender.SendAsync(names.Select(n => Req(roster, n, "go " + n)).ToList(), CancellationToken.None);
        Assert.All(results, r => Assert.Equal(FleetSendStatus.Accepted, r.Status));
        Assert.Equal(names, results.Select(r => r.Agent));
        var (entries, bad) = await log.ReadAsync(CancellationToken.None);
        Assert.Equal(0, bad);
        Assert.Equal(names.OrderBy(n => n), entries.Select(e => e.Agent).OrderBy(n => n));
        Assert.All(entries, e => Assert.Equal("go " + e.Agent, e.Message));
    }

    /// <summary>Every tmux call takes 40 ms; records the most calls running at once.</summary>
    private sealed class SlowPaste(FakeTmux inner) : MosaicFleet.Engine.Processes.IProcessRunner
    {
        private int _now;
        public int Max;

        public async Task<MosaicFleet.Engine.Processes.CommandResult> RunAsync(MosaicFleet.Engine.Processes.CommandSpec spec, CancellationToken ct)
        {
            var n = Interlocked.Increment(ref _now);
            lock (this) Max = Math.Max(Max, n);
            await Task.Delay(40, ct);
            Interlocked.Decrement(ref _now);
            return await inner.RunAsync(spec, ct);
        }
    }

    [Fact]
    public async Task At_most_ThrottleLimit_tmux_commands_run_at_once()
    {
        var names = Enumerable.Range(0, 10).Select(i => $"t{i}").ToArray();
        var (_, tmux, roster, log) = Setup(names);
        foreach (var n in names) tmux.Add(n);
        var slow = new SlowPaste(tmux);
        var sender = new MessageSender(new FleetContext(roster, slow, _ => null), new SendOptions
        {
            ThrottleLimit = 3, PollInterval = TimeSpan.FromMilliseconds(10), LockDirectory = Path.Combine(_dir, "locks"),
        }, log);
        var results = await sender.SendAsync(names.Select(n => Req(roster, n, "x " + n)).ToList(), CancellationToken.None);
        Assert.All(results, r => Assert.Equal(FleetSendStatus.Accepted, r.Status));
        Assert.InRange(slow.Max, 2, 3);
    }

    [Fact]
    public async Task Cancelling_releases_the_lock_and_leaves_no_buffer()
    {
        var (sender, tmux, roster, _) = Setup(["a"], timeout: 30);
        tmux.Add("a").Busy = true;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sender.SendAsync([Req(roster, "a", "x")], cts.Token));
        Assert.Empty(tmux.Buffers);
        using var again = await FileLock.AcquireAsync(AgentLocks.PathFor(Path.Combine(_dir, "locks"), "local", "local", "a"), TimeSpan.Zero, CancellationToken.None);
    }

    [Fact]
    public async Task Ctrl_C_while_the_buffer_is_loaded_deletes_it_and_logs_the_typed_message()
    {
        var (_, tmux, roster, log) = Setup(["a"]);
        tmux.Add("a");
        var hang = new HangingPasteRunner(tmux);
        var sender = new MessageSender(new FleetContext(roster, hang, _ => null), new SendOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(10), LockDirectory = Path.Combine(_dir, "locks"),
        }, log);
        using var cts = new CancellationTokenSource();
        var send = sender.SendAsync([Req(roster, "a", "half way")], cts.Token);
        await hang.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(tmux.Buffers);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        Assert.Empty(tmux.Buffers);
        Assert.Contains(tmux.Calls, c => c.Argv[4] == "delete-buffer");
        var (entries, _) = await log.ReadAsync(CancellationToken.None);
        var e = Assert.Single(entries);
        Assert.Equal(("a", FleetSendStatus.NotAccepted, "half way"), (e.Agent, e.Status, e.Message));
    }

    [Fact]
    public async Task Each_delivery_is_logged_when_it_ends_and_a_cancelled_typed_one_still_is()
    {
        var (sender, tmux, roster, log) = Setup(["done", "busy", "gone"], timeout: 60);
        tmux.Add("done");
        tmux.Add("busy").Busy = true;
        using var cts = new CancellationTokenSource();
        var send = sender.SendAsync([Req(roster, "done", "one"), Req(roster, "busy", "two"), Req(roster, "gone", "three")], cts.Token);
        // The finished deliveries are in the log while the busy one is still being verified.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<FleetMessageLogEntry> entries;
        while ((entries = (await log.ReadAsync(CancellationToken.None)).Entries).Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal([("done", FleetSendStatus.Accepted), ("gone", FleetSendStatus.NoSession)], entries.Select(e => (e.Agent, e.Status)).OrderBy(x => x.Agent));
        var progress = sender.Progress;
        Assert.Equal((2, 3), (progress.Done, progress.Total));
        Assert.Equal(["busy"], progress.Pending);
        Assert.False(send.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        entries = (await log.ReadAsync(CancellationToken.None)).Entries;
        Assert.Equal(3, entries.Count);
        Assert.Equal(("busy", FleetSendStatus.NotAccepted, "two"), (entries[2].Agent, entries[2].Status, entries[2].Message));
    }
}
