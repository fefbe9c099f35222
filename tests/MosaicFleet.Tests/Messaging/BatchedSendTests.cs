using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Tests.Messaging;

/// <summary>The tmux command lists that batch a send's calls, and the splitting of their output.</summary>
public sealed class BatchedSendCommandTests
{
    private static readonly TmuxCommand Tmux = new("fleet");
    private const string M = "MOSAIC-PROBE-abc";

    [Fact]
    public void ProbeMany_chains_a_capture_and_an_indexed_marker_per_pane()
    {
        var argv = SendCommands.ProbeMany(Tmux, ["%1", "%7"], M);
        Assert.Equal(
            ["tmux", "-L", "fleet",
             "capture-pane", "-p", "-t", "%1", ";", "display-message", "-p", "-t", "%1", M + "\u001f0\u001f#{pane_dead}\u001f#{cursor_x}\u001f#{cursor_y}", ";",
             "capture-pane", "-p", "-t", "%7", ";", "display-message", "-p", "-t", "%7", M + "\u001f1\u001f#{pane_dead}\u001f#{cursor_x}\u001f#{cursor_y}"],
            argv);
    }

    [Fact]
    public void ProbeMany_of_no_pane_is_refused() => Assert.Throws<ArgumentException>(() => SendCommands.ProbeMany(Tmux, [], M));

    [Fact]
    public void ProbeMany_output_splits_into_one_screen_per_pane()
    {
        var stdout = "a1\n\n> one\n" + M + "\u001f0\u001f0\u001f2\u001f3\n" + "b1\n> two\n" + M + "\u001f1\u001f1\u001f0\u001f0\n";
        var probes = SendCommands.ParseProbeMany(stdout, M);
        Assert.Equal(2, probes.Count);
        Assert.Equal(("a1\n\n> one\n", false, 2, 3), (probes[0].Screen, probes[0].Dead, probes[0].CursorX, probes[0].CursorY));
        Assert.Equal(("b1\n> two\n", true), (probes[1].Screen, probes[1].Dead));
    }

    [Fact]
    public void A_line_with_another_marker_or_out_of_order_index_stays_screen_text()
    {
        // A pane that shows an old marker (another call's nonce) or a forged index does not split the output.
        var stdout = "MOSAIC-PROBE-zzz\u001f0\u001f0\u001f0\u001f0\n" + M + "\u001f1\u001f0\u001f0\u001f0\nend\n" + M + "\u001f0\u001f0\u001f0\u001f0\n";
        var p = Assert.Single(SendCommands.ParseProbeMany(stdout, M));
        Assert.Equal("MOSAIC-PROBE-zzz\u001f0\u001f0\u001f0\u001f0\n" + M + "\u001f1\u001f0\u001f0\u001f0\nend\n", p.Screen);
    }

    [Fact]
    public void A_list_stopped_by_a_dead_pane_yields_the_probes_before_it()
    {
        // tmux ran pane 0's capture and marker, then pane 1's capture failed: only pane 0 is in the output.
        var probes = SendCommands.ParseProbeMany("screen0\n" + M + "\u001f0\u001f0\u001f0\u001f0\n", M);
        Assert.Single(probes);
        Assert.Empty(SendCommands.ParseProbeMany("", M));
    }

    [Fact]
    public void One_buffer_is_loaded_once_each_paste_guarded_by_the_servers_dead_pane_check_and_confirmed_and_deleted_at_the_end()
    {
        var argv = SendCommands.LoadAndPasteMany(Tmux, "buf", ["%3", "%9"], M);
        Assert.Equal(
            ["tmux", "-L", "fleet", "load-buffer", "-b", "buf", "-",
             ";", "if-shell", "-F", "-t", "%3", "#{?pane_dead,,1}", "paste-buffer -p -r -b buf -t %3 ; display-message -p -t %3 " + M + "P0",
             ";", "display-message", "-p", "-t", "%3", M + "V0",
             ";", "if-shell", "-F", "-t", "%9", "#{?pane_dead,,1}", "paste-buffer -p -r -b buf -t %9 ; display-message -p -t %9 " + M + "P1",
             ";", "display-message", "-p", "-t", "%9", M + "V1",
             ";", "delete-buffer", "-b", "buf"],
            argv);
        Assert.Throws<ArgumentException>(() => SendCommands.LoadAndPasteMany(Tmux, "buf", [], M));
        // Only our own plain words go into the if-shell command string, which tmux parses.
        Assert.Throws<ArgumentException>(() => SendCommands.LoadAndPasteMany(Tmux, "b;uf", ["%3"], M));
        Assert.Throws<ArgumentException>(() => SendCommands.LoadAndPasteMany(Tmux, "buf", ["%3 ; kill-server"], M));
    }

    [Fact]
    public void A_paste_is_guarded_by_the_pane_being_alive_and_when_known_still_running_the_resolved_pid()
    {
        Assert.Equal("#{?pane_dead,,1}", SendCommands.PasteCondition(null));
        Assert.Equal("#{?pane_dead,,#{==:#{pane_pid},4242}}", SendCommands.PasteCondition(4242));
        Assert.Equal("#{?pane_dead,,#{&&:#{==:#{pane_pid},4242},#{==:#{pane_current_command},pi}}}", SendCommands.PasteCondition(4242, "pi"));
        Assert.Equal("#{?pane_dead,,#{==:#{pane_current_command},node-22.1_x+y}}", SendCommands.PasteCondition(null, "node-22.1_x+y"));
        // A command name tmux's format or command parser would read specially is not put into the guard.
        foreach (var odd in new[] { "a,b", "x}", "#(rm)", "a b", "a;b", "" }) Assert.Equal("#{?pane_dead,,#{==:#{pane_pid},7}}", SendCommands.PasteCondition(7, odd));
        var argv = SendCommands.LoadAndPasteMany(Tmux, "buf", ["%3", "%4"], M, [4242, null]);
        Assert.Equal(["#{?pane_dead,,#{==:#{pane_pid},4242}}", "#{?pane_dead,,1}"], argv.Where(w => w.StartsWith("#{?pane_dead", StringComparison.Ordinal)));
        Assert.Throws<ArgumentException>(() => SendCommands.LoadAndPasteMany(Tmux, "buf", ["%3", "%4"], M, [1]));
    }

    [Theory]
    [InlineData("", 0, "")]
    [InlineData(M + "P0\n" + M + "V0\n", 1, "0")]
    [InlineData(M + "V0\n" + M + "P1\n" + M + "V1\n", 2, "1")]                 // pane 0 was dead: its turn ran, no paste
    [InlineData(M + "P0\n" + M + "V0\n" + M + "P1\n", 1, "01")]               // pane 1 pasted, then the list stopped
    [InlineData(M + "V1\n" + M + "P0\n", 0, "0")]                              // out of order: V1 is not a turn
    [InlineData("MOSAIC-PROBE-zzzP0\nMOSAIC-PROBE-zzzV0\n", 0, "")]             // another call's marker
    public void Pastes_are_confirmed_one_by_one_and_turns_in_order(string stdout, int visited, string pasted)
    {
        var (v, p) = SendCommands.ParsePasteMany(stdout, M, 2);
        Assert.Equal(visited, v);
        Assert.Equal(pasted, string.Concat(p.Select((x, i) => x ? i.ToString() : "")));
    }

    [Fact]
    public void Submit_many_captures_each_pane_then_sends_its_key_then_confirms_it()
    {
        var argv = SendCommands.SubmitMany(Tmux, [("%3", "Enter"), ("%4", "C-m")], M, probe: true);
        var words = argv.Skip(3).ToList();
        Assert.Equal(["capture-pane", "-p", "-t", "%3", ";", "display-message", "-p", "-t", "%3"], words.Take(9));
        Assert.Equal([";", "send-keys", "-t", "%3", "Enter", ";", "display-message", "-p", "-t", "%3", M + "K0", ";", "capture-pane"], words.Skip(10).Take(13));
        Assert.Equal(["send-keys", "-t", "%4", "C-m", ";", "display-message", "-p", "-t", "%4", M + "K1"], words.TakeLast(10));
        var bare = SendCommands.SubmitMany(Tmux, [("%3", "Enter")], M, probe: false);
        Assert.DoesNotContain("capture-pane", bare);
    }

    [Fact]
    public void Submit_many_output_pairs_each_probe_with_its_key_confirmation()
    {
        // Pane 0: captured, key confirmed. Pane 1: captured, then its key failed (no confirmation).
        var stdout = "hist\n> draft0\n" + M + "\u001f0\u001f0\u001f2\u001f1\n" + M + "K0\n" + "> draft1\n" + M + "\u001f1\u001f0\u001f0\u001f0\n";
        var parsed = SendCommands.ParseSubmitMany(stdout, M, probe: true);
        Assert.Equal(2, parsed.Count);
        Assert.Equal(("hist\n> draft0\n", true), (parsed[0].Probe!.Screen, parsed[0].KeySent));
        Assert.Equal(("> draft1\n", false), (parsed[1].Probe!.Screen, parsed[1].KeySent));
        var bare = SendCommands.ParseSubmitMany(M + "K0\n" + M + "K1\n", M, probe: false);
        Assert.Equal([true, true], bare.Select(p => p.KeySent));
    }

    [Fact]
    public void Resolve_all_lists_every_pane_once_and_picks_each_sessions_active_pane_of_its_active_window()
    {
        var argv = SendCommands.ResolveAll(Tmux, M);
        Assert.Equal(["list-panes", "-a", "-F"], argv.Skip(3).Take(3));
        string Line(string session, int window, int pane, string id, int dead = 0) => $"{M}\u001f{session}\u001f{window}\u001f{pane}\u001f{id}\u001f{dead}\u001f{4000 + int.Parse(id[1..])}\u001fpi\n";
        var stdout = Line("a", 0, 1, "%1") + Line("a", 1, 0, "%2") + Line("a", 1, 1, "%3")
            + Line("b", 1, 0, "%4") + Line("b", 1, 0, "%5")   // no active pane: the window's first
            + Line("c", 1, 1, "%6", dead: 1)
            + "forged\u001fd\u001f1\u001f1\u001f%7\u001f0\u001f9\u001fpi\n"; // not our marker
        var panes = SendCommands.ParseResolveAll(stdout, M);
        Assert.Equal(new PaneRef("%3", false, 4003, "pi"), panes["a"]);
        Assert.Equal(new PaneRef("%4", false, 4004, "pi"), panes["b"]);
        Assert.Equal(new PaneRef("%6", true, 4006, "pi"), panes["c"]);
        Assert.False(panes.ContainsKey("d"));
    }

    [Fact]
    public void A_batched_calls_errors_are_split_per_pane_so_a_detail_names_only_its_own()
    {
        const string stderr = "can't find pane: %1\ncan't find pane: %12\nsomething general\n";
        Assert.Equal(": can't find pane: %1", SendCommands.ErrorsAbout(stderr, "%1"));
        Assert.Equal(": can't find pane: %12", SendCommands.ErrorsAbout(stderr, "%12"));
        Assert.Equal("", SendCommands.ErrorsAbout(stderr, "%2"));
    }

    [Fact]
    public void Lists_are_chunked_under_tmuxs_message_size()
    {
        var panes = Enumerable.Range(0, 500).Select(i => "%" + i).ToList();
        var chunks = SendCommands.Chunk(panes, p => SendCommands.PackedSize(SendCommands.ProbeMany(Tmux, [p], M)));
        Assert.True(chunks.Count > 1);
        Assert.Equal(panes, chunks.SelectMany(c => c));
        Assert.All(chunks, c => Assert.InRange(SendCommands.PackedSize(SendCommands.ProbeMany(Tmux, c.ToList(), M)), 1, SendCommands.MaxListBytes));
        Assert.Single(SendCommands.Chunk(panes.Take(3).ToList(), _ => 100));
    }
}

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
