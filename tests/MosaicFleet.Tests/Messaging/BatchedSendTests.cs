using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Tests.Messaging;

/// <summary>The sender's batched calls against the fake tmux server.</summary>
public sealed class BatchedSenderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mf-batch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Closes a pane (its id no longer exists) at the first probe list of all four panes that comes after every
    /// pane got its (swallowed) first key: the verification's first poll.</summary>
    private sealed class ClosesPaneOnFirstBatch(FakeTmux inner, FakeTmux.Pane victim, IReadOnlyList<FakeTmux.Pane> all) : IProcessRunner
    {
        private int _done;
        public List<CommandSpec> Batches { get; } = [];

        public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken ct)
        {
            var captures = spec.Argv.Count(w => w == "capture-pane");
            var verifying = all.All(p => p.Swallow == 0) && !spec.Argv.Contains("send-keys");
            if (captures > 0 && verifying)
            {
                lock (Batches) Batches.Add(spec);
                if (captures == all.Count && Interlocked.Exchange(ref _done, 1) == 0) victim.Closed = true;
            }
            return inner.RunAsync(spec, ct);
        }
    }

    [Fact]
    public async Task A_pane_closed_in_the_middle_of_a_batch_is_PaneDead_and_the_panes_after_it_are_still_verified()
    {
        var names = new[] { "a", "b", "c", "d" };
        var yaml = "version: 1\ntmux: { socketName: fleet }\nruntimes:\n  fake: { command: fake, paneCommands: [fake] }\nagents:\n"
            + string.Concat(names.Select(a => $"  - {{ name: {a}, runtime: fake }}\n"));
        var roster = RosterLoader.Parse(yaml, Path.Combine(_dir, "roster.yaml"));
        var tmux = new FakeTmux { Latency = TimeSpan.FromMilliseconds(2) };
        var panes = names.Select(tmux.Add).ToList();
        // Every pane ignores the first key, so the verification has to poll at least twice.
        foreach (var p in panes) p.Swallow = 1;
        var runner = new ClosesPaneOnFirstBatch(tmux, panes[1], panes);
        var log = new MessageLog(Path.Combine(_dir, "messages.jsonl"));
        var sender = new MessageSender(new FleetContext(roster, runner, _ => null), new SendOptions
        {
            // RetryAfter is long enough that no key is re-sent (and no agent leaves the poll) before the first poll of all
            // four panes, however late the last submission comes on a loaded machine.
            Timeout = TimeSpan.FromSeconds(10), PollInterval = TimeSpan.FromMilliseconds(10), RetryAfter = TimeSpan.FromSeconds(2),
            DraftWait = TimeSpan.FromMilliseconds(200), LockDirectory = Path.Combine(_dir, "locks"),
        }, log);
        var results = await sender.SendAsync(names.Select(n => new SendRequest(roster.Agents.Single(a => a.Name == n), "hi " + n, "op")).ToList(), CancellationToken.None);

        Assert.Equal([FleetSendStatus.Accepted, FleetSendStatus.PaneDead, FleetSendStatus.Accepted, FleetSendStatus.Accepted], results.Select(r => r.Status));
        Assert.Contains("can't find pane", results[1].Detail);
        Assert.Equal(["[op] hi c"], panes[2].Received);
        Assert.Equal(["[op] hi d"], panes[3].Received);
        // A verification poll held all four panes and stopped at b; the panes after b in that list were probed again in
        // the very next call, without b (the poll's order is the order the agents were submitted in).
        var stopped = runner.Batches.FindIndex(s => s.Argv.Count(w => w == "capture-pane") == 4);
        Assert.True(stopped >= 0);
        var order = runner.Batches[stopped].Argv.Select((w, i) => (w, i)).Where(x => x.w == "capture-pane").Select(x => runner.Batches[stopped].Argv[x.i + 3]).ToList();
        var after = order.SkipWhile(id => id != panes[1].Id).Skip(1).ToList();
        if (after.Count > 0)
        {
            var again = runner.Batches[stopped + 1].Argv;
            Assert.All(after, id => Assert.Contains(id, again));
            Assert.DoesNotContain(panes[1].Id, again);
        }
        // Every delivery, the dead one included, has its log line.
        var (entries, _) = await log.ReadAsync(CancellationToken.None);
        Assert.Equal(["a", "b", "c", "d"], entries.Select(e => e.Agent).Order());
    }

    /// <summary>Records when each call ran, relative to a moment the test marks.</summary>
    private sealed class Timed(FakeTmux inner) : IProcessRunner
    {
        public volatile bool Released;
        public List<(string[] Argv, bool AfterRelease)> Calls { get; } = [];

        public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken ct)
        {
            lock (Calls) Calls.Add((spec.Argv.ToArray(), Released));
            return inner.RunAsync(spec, ct);
        }
    }

    [Fact]
    public async Task The_baseline_is_captured_under_the_lock_after_another_sender_let_go()
    {
        var yaml = "version: 1\ntmux: { socketName: fleet }\nruntimes:\n  fake: { command: fake, paneCommands: [fake] }\nagents:\n  - { name: a, runtime: fake }\n";
        var roster = RosterLoader.Parse(yaml, Path.Combine(_dir, "roster.yaml"));
        var tmux = new FakeTmux();
        var pane = tmux.Add("a");
        var runner = new Timed(tmux);
        var locks = Path.Combine(_dir, "locks");
        Directory.CreateDirectory(locks);
        var sender = new MessageSender(new FleetContext(roster, runner, _ => null), new SendOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(10), DraftWait = TimeSpan.FromMilliseconds(200), LockDirectory = locks,
        });
        var holder = await FileLock.AcquireAsync(AgentLocks.PathFor(locks, "local", "local", "a"), TimeSpan.Zero, CancellationToken.None);
        var send = sender.SendAsync([new SendRequest(roster.Agents[0], "hi", "op")], CancellationToken.None);
        await Task.Delay(300);
        runner.Released = true;
        holder.Dispose();
        var r = (await send)[0];
        Assert.Equal(FleetSendStatus.Accepted, r.Status);
        // While the other sender held the lock only the resolve ran; the first capture (the baseline) came after.
        Assert.All(runner.Calls.Where(c => !c.AfterRelease), c => Assert.DoesNotContain("capture-pane", c.Argv));
        Assert.Contains(runner.Calls, c => !c.AfterRelease && c.Argv.Contains("list-panes"));
        Assert.Equal(["[op] hi"], pane.Received);
    }

    [Fact]
    public async Task Three_hundred_agents_get_one_message_each_in_lists_tmux_accepts_and_few_calls()
    {
        // The fake refuses a list over tmux's message size, as tmux 3.3a does ("command too long").
        var names = Enumerable.Range(0, 300).Select(i => $"w{i}").ToArray();
        var yaml = "version: 1\ntmux: { socketName: fleet }\nruntimes:\n  fake: { command: fake, paneCommands: [fake] }\nagents:\n"
            + string.Concat(names.Select(a => $"  - {{ name: {a}, runtime: fake }}\n"));
        var roster = RosterLoader.Parse(yaml, Path.Combine(_dir, "roster.yaml"));
        var tmux = new FakeTmux { Latency = TimeSpan.FromMilliseconds(2) };
        var panes = names.Select(tmux.Add).ToList();
        var sender = new MessageSender(new FleetContext(roster, tmux, _ => null), new SendOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(10), DraftWait = TimeSpan.FromMilliseconds(500), LockDirectory = Path.Combine(_dir, "locks"),
        });
        var results = await sender.SendAsync(names.Select(n => new SendRequest(roster.Agents.Single(a => a.Name == n), "pull and rebase", "op")).ToList(), CancellationToken.None);
        Assert.All(results, r => Assert.Equal(FleetSendStatus.Accepted, r.Status));
        Assert.All(panes, p => Assert.Equal(["[op] pull and rebase"], p.Received));
        Assert.DoesNotContain(tmux.Calls, c => c.Argv.Skip(3).Sum(w => System.Text.Encoding.UTF8.GetByteCount(w) + 1) > SendCommands.MaxListBytes);
        // The same text to 300 panes: each load pastes into many panes. How many loads depends on how the deliveries
        // happen to arrive (a handful on an idle machine, a few dozen under load), never one per pane.
        var loads = tmux.Calls.Where(c => c.Argv.Contains("load-buffer")).ToList();
        Assert.Equal(300, loads.Sum(c => c.Argv.Count(w => w == "if-shell")));
        Assert.InRange(loads.Count, 1, 150);
        // Uncoalesced, a delivery makes at least five calls (resolve, baseline, paste, draft, submit): 1,500 here.
        Assert.InRange(tmux.Calls.Count, 1, 600);
    }


    /// <summary>Runs the calls <paramref name="which"/> selects on the fake for real, then hands back a changed result.</summary>
    private static FakeRunner RunThenAlter(FakeTmux tmux, Func<CommandSpec, bool> which, Func<CommandResult, CommandResult> change)
        => new(spec => which(spec) ? change(tmux.RunAsync(spec, CancellationToken.None).GetAwaiter().GetResult()) : null, next: tmux);

    private (FleetRoster Roster, FakeTmux Tmux, List<FakeTmux.Pane> Panes, MessageLog Log) Fleet(params string[] names)
    {
        var yaml = "version: 1\ntmux: { socketName: fleet }\nruntimes:\n  fake: { command: fake, paneCommands: [fake] }\nagents:\n"
            + string.Concat(names.Select(a => $"  - {{ name: {a}, runtime: fake }}\n"));
        var roster = RosterLoader.Parse(yaml, Path.Combine(_dir, "roster.yaml"));
        var tmux = new FakeTmux { Latency = TimeSpan.FromMilliseconds(2) };
        return (roster, tmux, names.Select(tmux.Add).ToList(), new MessageLog(Path.Combine(_dir, "messages.jsonl")));
    }

    private MessageSender Sender(FleetRoster roster, IProcessRunner runner, MessageLog log, int throttle = 8) => new(new FleetContext(roster, runner, _ => null), new SendOptions
    {
        Timeout = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(10), RetryAfter = TimeSpan.FromMilliseconds(300),
        DraftWait = TimeSpan.FromMilliseconds(300), LockDirectory = Path.Combine(_dir, "locks"), ThrottleLimit = throttle,
    }, log);

    private static List<SendRequest> Requests(FleetRoster roster, Func<string, string> text)
        => roster.Agents.Select(a => new SendRequest(a, text(a.Name), "op")).ToList();

    [Fact]
    public async Task A_pane_that_runs_a_shell_instead_of_the_runtime_is_Drifted_and_gets_nothing_the_others_are_sent()
    {
        // The runtime exited to a shell (or someone ran one in the pane): typing there would run the message as a command.
        var (roster, tmux, panes, log) = Fleet("a", "b", "c");
        panes[0].Command = "fake";
        panes[1].Command = "bash";
        var results = await Sender(roster, tmux, log).SendAsync(Requests(roster, n => "$(touch /tmp/x) for " + n), CancellationToken.None);
        Assert.Equal([FleetSendStatus.Accepted, FleetSendStatus.Drifted, FleetSendStatus.Accepted], results.Select(r => r.Status));
        Assert.Equal("pane %1 runs the shell bash (expected fake); nothing was typed, since the shell would run it as a command", results[1].Detail);
        Assert.Equal(0, panes[1].Pastes);
        Assert.Empty(panes[1].Received);
        Assert.Empty(panes[1].Draft);
        Assert.Equal(["[op] $(touch /tmp/x) for a"], panes[0].Received);
        // Its log line says so too.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<FleetMessageLogEntry> entries;
        while ((entries = (await log.ReadAsync(CancellationToken.None)).Entries).Count < 3 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(FleetSendStatus.Drifted, Assert.Single(entries, e => e.Agent == "b").Status);
    }

    [Fact]
    public async Task Drift_that_is_not_a_shell_gets_nothing_and_Force_sends_it_as_usual()
    {
        // A runtime whose roster entry lacks the name tmux shows (a Python launcher seen as python3), or a shell under
        // another argv[0]: either way it is not the runtime, so nothing is typed unless the operator says -Force.
        var (roster, tmux, panes, log) = Fleet("a");
        panes[0].Command = "python3";
        var refused = await Sender(roster, tmux, log).SendAsync(Requests(roster, _ => "hello"), CancellationToken.None);
        Assert.Equal(FleetSendStatus.Drifted, refused[0].Status);
        Assert.Equal("pane %0 runs python3 (expected fake); nothing was typed, since it is not the runtime (add it to the runtime's paneCommands if it is, or use -Force)", refused[0].Detail);
        Assert.Equal(0, panes[0].Pastes);

        var notes = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var sender = new MessageSender(new FleetContext(roster, tmux, _ => null), new SendOptions
        {
            Timeout = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(10), RetryAfter = TimeSpan.FromMilliseconds(300),
            DraftWait = TimeSpan.FromMilliseconds(300), LockDirectory = Path.Combine(_dir, "locks"), Force = true,
        }, log) { Verbose = notes.Enqueue };
        var results = await sender.SendAsync(Requests(roster, _ => "hello"), CancellationToken.None);
        Assert.Equal(FleetSendStatus.Accepted, results[0].Status);
        Assert.Equal(["[op] hello"], panes[0].Received);
        Assert.Contains(notes, n => n.Contains("runs python3 (expected fake); typing anyway (-Force)"));

        // -Force never types into a known shell.
        panes[0].Command = "zsh";
        var shell = await sender.SendAsync(Requests(roster, _ => "rm -rf ~"), CancellationToken.None);
        Assert.Equal(FleetSendStatus.Drifted, shell[0].Status);
        Assert.Equal(1, panes[0].Pastes);
    }

    [Fact]
    public async Task A_pane_that_drifts_to_a_shell_while_the_send_waits_gets_nothing()
    {
        // The check at resolve time saw the runtime; by paste time the pane shows a shell (same pid: it ran the runtime).
        var (roster, tmux, panes, log) = Fleet("a", "b");
        foreach (var p in panes) p.Command = "fake";
        var runner = new FakeRunner(next: tmux, answer: spec =>
        {
            if (spec.Argv.Contains("load-buffer") && spec.Argv.Contains(panes[1].Id)) panes[1].Command = "bash";
            return null;
        });
        var results = await Sender(roster, runner, log).SendAsync(Requests(roster, _ => "$(touch /tmp/x)"), CancellationToken.None);
        Assert.Equal([FleetSendStatus.Accepted, FleetSendStatus.PaneDead], results.Select(r => r.Status));
        Assert.Contains("another command than when resolved", results[1].Detail);
        Assert.Equal(0, panes[1].Pastes);
        Assert.Empty(panes[1].Received);
    }

    [Fact]
    public async Task A_pane_that_dies_right_before_the_paste_gets_nothing_and_the_server_survives()
    {
        // tmux 3.3a's server crashes on a paste into a dead pane (tmux PR #3830); the fake does the same.
        var (roster, tmux, panes, log) = Fleet("a", "b", "c");
        var runner = new FakeRunner(next: tmux, answer: spec =>
        {
            // b passed every check so far; it dies as the paste list that names it reaches the server.
            if (spec.Argv.Contains("load-buffer") && spec.Argv.Contains(panes[1].Id)) panes[1].Dead = true;
            return null;
        });
        var results = await Sender(roster, runner, log).SendAsync(Requests(roster, _ => "same text"), CancellationToken.None);
        Assert.False(tmux.Crashed);
        Assert.Equal([FleetSendStatus.Accepted, FleetSendStatus.PaneDead, FleetSendStatus.Accepted], results.Select(r => r.Status));
        Assert.Equal(0, panes[1].Pastes);
        Assert.Equal(["[op] same text"], panes[0].Received);
        Assert.Equal(["[op] same text"], panes[2].Received);
        Assert.Empty(tmux.Buffers);
    }

    [Fact]
    public async Task A_pane_id_that_runs_another_process_by_paste_time_gets_nothing()
    {
        // After a tmux server restart pane ids start again at %0: the id we resolved may now be another agent's pane.
        var (roster, tmux, panes, log) = Fleet("a", "b");
        var runner = new FakeRunner(next: tmux, answer: spec =>
        {
            if (spec.Argv.Contains("load-buffer") && spec.Argv.Contains(panes[1].Id)) panes[1].Pid = 99999;
            return null;
        });
        var results = await Sender(roster, runner, log).SendAsync(Requests(roster, _ => "for b only"), CancellationToken.None);
        Assert.Equal(FleetSendStatus.PaneDead, results[1].Status);
        Assert.Contains("running another process", results[1].Detail);
        Assert.Equal(0, panes[1].Pastes);
        Assert.Equal(FleetSendStatus.Accepted, results[0].Status);
    }

    [Fact]
    public async Task An_agent_waiting_for_another_senders_lock_delays_nobody_elses_verification()
    {
        var (roster, tmux, panes, log) = Fleet("a", "b");
        var locks = Path.Combine(_dir, "locks");
        Directory.CreateDirectory(locks);
        var holder = await FileLock.AcquireAsync(AgentLocks.PathFor(locks, "local", "local", "b"), TimeSpan.Zero, CancellationToken.None);
        var sender = Sender(roster, tmux, log);
        var send = sender.SendAsync(Requests(roster, n => "hello " + n), CancellationToken.None);
        // a is verified and logged as Accepted while b still waits for its lock. (A delivery counts as done when it
        // has its status; its log line follows through the log's group commit, so wait for both.)
        var deadline = DateTime.UtcNow.AddSeconds(10);
        IReadOnlyList<FleetMessageLogEntry> entries = [];
        while ((sender.Progress.Done < 1 || (entries = (await log.ReadAsync(CancellationToken.None)).Entries).Count < 1) && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Equal(1, sender.Progress.Done);
        Assert.Equal(["b"], sender.Progress.Pending);
        Assert.False(send.IsCompleted);
        Assert.Equal(("a", FleetSendStatus.Accepted), (Assert.Single(entries).Agent, entries[0].Status));
        Assert.Empty(panes[1].Received);
        holder.Dispose();
        var results = await send;
        Assert.All(results, r => Assert.Equal(FleetSendStatus.Accepted, r.Status));
        Assert.Equal(["[op] hello b"], panes[1].Received);
    }

    [Fact]
    public async Task A_capture_that_fails_while_waiting_for_the_draft_does_not_strand_the_typed_text()
    {
        var (roster, tmux, panes, log) = Fleet("a", "b");
        var failed = 0;
        var runner = new FakeRunner(next: tmux, answer: spec =>
        {
            // The first capture of panes that all hold a pasted draft (the wait for the draft to show) fails.
            var named = panes.Where(p => spec.Argv.Contains(p.Id)).ToList();
            if (spec.Argv.Contains("capture-pane") && !spec.Argv.Contains("send-keys") && named.Count > 0 && named.All(p => p.Draft.Length > 0)
                && Interlocked.Exchange(ref failed, 1) == 0)
                return new CommandResult(spec, 1, "", "lost server connection", false, false, TimeSpan.Zero);
            return null;
        });
        var results = await Sender(roster, runner, log).SendAsync(Requests(roster, _ => "x"), CancellationToken.None);
        Assert.Equal(1, failed);
        Assert.All(results, r => Assert.Equal(FleetSendStatus.Accepted, r.Status));
        Assert.All(panes, p => Assert.Equal(["[op] x"], p.Received));
    }

    [Fact]
    public async Task A_submit_call_that_times_out_is_judged_by_the_verification_not_failed_outright()
    {
        var (roster, tmux, panes, log) = Fleet("a", "b");
        // The keys arrive, but the call reports a timeout.
        var runner = RunThenAlter(tmux, spec => spec.Argv.Contains("send-keys"), real => real with { ExitCode = -1, TimedOut = true, Stdout = "" });
        var results = await Sender(roster, runner, log).SendAsync(Requests(roster, n => "go " + n), CancellationToken.None);
        Assert.All(results, r => Assert.Equal(FleetSendStatus.Accepted, r.Status));
        Assert.All(panes, p => Assert.Single(p.Received));
        Assert.All(panes, p => Assert.Equal(1, p.Pastes));
    }

    [Fact]
    public async Task With_NoVerify_a_submit_call_that_times_out_is_not_reported_as_Submitted()
    {
        var (roster, tmux, _, log) = Fleet("a");
        var runner = new FakeRunner(next: tmux, answer: spec => spec.Argv.Contains("send-keys") ? new CommandResult(spec, -1, "", "", true, false, TimeSpan.Zero) : null);
        var sender = new MessageSender(new FleetContext(roster, runner, _ => null), new SendOptions { Verify = false, LockDirectory = Path.Combine(_dir, "locks") }, log);
        var r = (await sender.SendAsync(Requests(roster, _ => "x"), CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.NotAccepted, r.Status);
        Assert.Contains("timed out", r.Detail);
    }

    [Fact]
    public async Task Ctrl_C_logs_only_the_deliveries_whose_paste_had_started()
    {
        // Throttle 1 and a different text per agent: one paste call runs (and hangs), the others wait for a slot.
        var (roster, tmux, _, log) = Fleet("a", "b", "c", "d");
        var hang = new HangingPasteRunner(tmux);
        using var cts = new CancellationTokenSource();
        var send = Sender(roster, hang, log, throttle: 1).SendAsync(Requests(roster, n => "text for " + n), cts.Token);
        await hang.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        var (entries, _) = await log.ReadAsync(CancellationToken.None);
        Assert.Equal((FleetSendStatus.NotAccepted, 1), (Assert.Single(entries).Status, hang.Pastes));
        Assert.Empty(tmux.Buffers);
    }

    [Fact]
    public async Task A_message_log_that_cannot_be_written_is_one_warning_per_delivery_and_changes_no_status()
    {
        var (roster, tmux, _, _) = Fleet("a", "b", "c");
        // The log's folder is a file: every append (one group commit for lines written together) fails.
        var blocker = Path.Combine(_dir, "not-a-folder");
        File.WriteAllText(blocker, "");
        var log = new MessageLog(Path.Combine(blocker, "messages.jsonl"));
        var warnings = new System.Collections.Concurrent.ConcurrentBag<string>();
        var sender = new MessageSender(new FleetContext(roster, tmux, _ => null), new SendOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(10), DraftWait = TimeSpan.FromMilliseconds(300), LockDirectory = Path.Combine(_dir, "locks"),
        }, log) { Warning = warnings.Add };
        var results = await sender.SendAsync(Requests(roster, _ => "same"), CancellationToken.None);
        Assert.All(results, r => Assert.Equal(FleetSendStatus.Accepted, r.Status));
        Assert.Equal(["a", "b", "c"], warnings.Select(w => w.Split(':')[0]).Order());
        Assert.All(warnings, w => Assert.Contains("was not written", w));
    }

    [Fact]
    public async Task Without_a_tmux_server_every_agent_is_NoSession_from_one_call_and_nothing_is_typed()
    {
        var (roster, tmux, panes, log) = Fleet("a", "b");
        var runner = new FakeRunner(next: tmux, answer: spec => new CommandResult(spec, 1, "", "no server running on /tmp/tmux-0/fleet", false, false, TimeSpan.Zero));
        var calls = 0;
        var counting = new FakeRunner(next: tmux, answer: spec => { Interlocked.Increment(ref calls); return runner.RunAsync(spec, CancellationToken.None).Result; });
        var results = await Sender(roster, counting, log).SendAsync(Requests(roster, _ => "x"), CancellationToken.None);
        Assert.All(results, r => Assert.Equal(FleetSendStatus.NoSession, r.Status));
        Assert.All(results, r => Assert.Contains("no server running", r.Detail));
        Assert.InRange(calls, 1, 2);
        Assert.All(panes, p => Assert.Equal(0, p.Pastes));
    }

    [Fact]
    public async Task A_capture_list_that_times_out_is_not_retried_pane_by_pane()
    {
        var calls = 0;
        var outcomes = await PaneCaptures.CaptureAsync(LocalHost.Instance, new TmuxCommand("fleet"), ["%1", "%2", "%3", "%4"], (argv, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(new CommandResult(new CommandSpec(argv, TimeSpan.FromSeconds(1)), -1, "", "", true, false, TimeSpan.FromSeconds(1)));
        }, CancellationToken.None);
        Assert.Equal(1, calls);
        Assert.All(outcomes, o => Assert.True(o.Probe is null && o.Failure is { TimedOut: true }));
    }

    [Fact]
    public async Task A_capture_list_that_finds_no_server_fails_every_pane_in_one_call()
    {
        var calls = 0;
        var outcomes = await PaneCaptures.CaptureAsync(LocalHost.Instance, new TmuxCommand("fleet"), ["%1", "%2", "%3"], (argv, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(new CommandResult(new CommandSpec(argv, TimeSpan.FromSeconds(1)), 1, "", "no server running on /tmp/tmux-0/fleet", false, false, TimeSpan.Zero));
        }, CancellationToken.None);
        Assert.Equal(1, calls);
        Assert.All(outcomes, o => Assert.Contains("no server running", o.Failure!.Stderr));
    }

    [Fact]
    public async Task A_paste_call_whose_output_was_lost_is_reported_as_maybe_pasted_not_as_failed()
    {
        // ProcessRunner answers exit 0 and no stdout when a grandchild (an ssh ControlPersist master) held the pipes open.
        var (roster, tmux, panes, log) = Fleet("a", "b");
        var runner = RunThenAlter(tmux, spec => spec.Argv.Contains("load-buffer"), real => real with { Stdout = "", Stderr = "output pipes were held open by another process" });
        var results = await Sender(roster, runner, log).SendAsync(Requests(roster, _ => "same"), CancellationToken.None);
        Assert.All(results, r => Assert.Equal(FleetSendStatus.NotAccepted, r.Status));
        Assert.All(results, r => Assert.Contains("may or may not have run", r.Detail));
        Assert.All(panes, p => Assert.Equal(1, p.Pastes)); // and never a second paste
    }

    [Fact]
    public async Task A_closed_pane_in_a_capture_list_costs_only_itself()
    {
        var tmux = new FakeTmux();
        var panes = new[] { "a", "b", "c" }.Select(tmux.Add).ToList();
        panes[1].Closed = true;
        var outcomes = await PaneCaptures.CaptureAsync(LocalHost.Instance, new TmuxCommand("fleet"), panes.Select(p => p.Id).ToList(), (argv, c) => tmux.RunAsync(new CommandSpec(argv, TimeSpan.FromSeconds(1)), c), CancellationToken.None);
        Assert.NotNull(outcomes[0].Probe);
        Assert.Contains("can't find pane", outcomes[1].Failure!.Stderr);
        Assert.NotNull(outcomes[2].Probe);
        Assert.Equal(2, tmux.Calls.Count);
    }
}
