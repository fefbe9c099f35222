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
    public void Load_and_paste_is_one_list_with_the_text_left_to_stdin()
        => Assert.Equal(
            ["tmux", "-L", "fleet", "load-buffer", "-b", "buf", "-", ";", "paste-buffer", "-p", "-r", "-d", "-b", "buf", "-t", "%3"],
            SendCommands.LoadAndPaste(Tmux, "buf", "%3"));

    [Fact]
    public void The_key_comes_after_the_capture_so_a_gone_pane_gets_no_key()
    {
        var argv = SendCommands.ProbeThenKey(Tmux, "%3", "Enter", M);
        Assert.Equal(["capture-pane", "-p", "-t", "%3"], argv.Skip(3).Take(4));
        Assert.Equal([";", "send-keys", "-t", "%3", "Enter"], argv.TakeLast(5));
    }

    [Fact]
    public void Resolve_and_probe_splits_into_the_pane_and_its_baseline()
    {
        var argv = SendCommands.ResolveAndProbe(Tmux, "coder", M);
        Assert.Equal(["list-panes", "-t", "=coder:"], argv.Skip(3).Take(3));
        Assert.Contains("#{pane_id}", argv[^1]);
        var stdout = M + "R\u001f0\u001f%4\u001f0\n" + M + "R\u001f1\u001f%5\u001f0\n" + "hello\n> \n" + M + "\u001f0\u001f0\u001f2\u001f1\u001f%5\n";
        var (pane, probe, probed) = SendCommands.ParseResolveAndProbe(stdout, M);
        Assert.Equal(new PaneRef("%5", false), pane);
        Assert.Equal("hello\n> \n", probe!.Screen);
        Assert.Equal("%5", probed);
    }

    [Fact]
    public void Resolve_and_probe_of_a_missing_session_yields_nothing()
    {
        var (pane, probe, probed) = SendCommands.ParseResolveAndProbe("", M);
        Assert.Null(pane);
        Assert.Null(probe);
        Assert.Null(probed);
    }
}

/// <summary>The sender's batched calls against the fake tmux server.</summary>
public sealed class BatchedSenderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mf-batch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Closes a pane (its id no longer exists) once the verification's first batched probe is seen.</summary>
    private sealed class ClosesPaneOnFirstBatch(FakeTmux inner, FakeTmux.Pane victim) : IProcessRunner
    {
        private int _done;
        public List<CommandSpec> Batches { get; } = [];

        public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken ct)
        {
            var captures = spec.Argv.Count(w => w == "capture-pane");
            if (captures > 1)
            {
                lock (Batches) Batches.Add(spec);
                if (Interlocked.Exchange(ref _done, 1) == 0) victim.Closed = true;
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
        var tmux = new FakeTmux();
        var panes = names.Select(tmux.Add).ToList();
        // Every pane ignores the first key, so the verification has to poll at least twice.
        foreach (var p in panes) p.Swallow = 1;
        var runner = new ClosesPaneOnFirstBatch(tmux, panes[1]);
        var log = new MessageLog(Path.Combine(_dir, "messages.jsonl"));
        var sender = new MessageSender(new FleetContext(roster, runner, _ => null), new SendOptions
        {
            Timeout = TimeSpan.FromSeconds(5), PollInterval = TimeSpan.FromMilliseconds(10), RetryAfter = TimeSpan.FromMilliseconds(100),
            DraftWait = TimeSpan.FromMilliseconds(200), LockDirectory = Path.Combine(_dir, "locks"),
        }, log);
        var results = await sender.SendAsync(names.Select(n => new SendRequest(roster.Agents.Single(a => a.Name == n), "hi " + n, "op")).ToList(), CancellationToken.None);

        Assert.Equal([FleetSendStatus.Accepted, FleetSendStatus.PaneDead, FleetSendStatus.Accepted, FleetSendStatus.Accepted], results.Select(r => r.Status));
        Assert.Contains("can't find pane", results[1].Detail);
        Assert.Equal(["[op] hi c"], panes[2].Received);
        Assert.Equal(["[op] hi d"], panes[3].Received);
        // The first batch held all four panes; after the failure the rest (c, d) was probed again without b.
        Assert.Equal(4, runner.Batches[0].Argv.Count(w => w == "capture-pane"));
        Assert.Contains(runner.Batches, s => s.Argv.Contains(panes[2].Id) && s.Argv.Contains(panes[3].Id) && !s.Argv.Contains(panes[1].Id) && !s.Argv.Contains(panes[0].Id));
        // Every delivery, the dead one included, has its log line.
        var (entries, _) = await log.ReadAsync(CancellationToken.None);
        Assert.Equal(["a", "b", "c", "d"], entries.Select(e => e.Agent).Order());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_baseline_rides_with_the_resolve_unless_another_sender_held_the_lock(bool contended)
    {
        var yaml = "version: 1\ntmux: { socketName: fleet }\nruntimes:\n  fake: { command: fake, paneCommands: [fake] }\nagents:\n  - { name: a, runtime: fake }\n";
        var roster = RosterLoader.Parse(yaml, Path.Combine(_dir, "roster.yaml"));
        var tmux = new FakeTmux();
        var pane = tmux.Add("a");
        var locks = Path.Combine(_dir, "locks");
        Directory.CreateDirectory(locks);
        var sender = new MessageSender(new FleetContext(roster, tmux, _ => null), new SendOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(10), DraftWait = TimeSpan.FromMilliseconds(200), LockDirectory = locks,
        });
        var holder = contended ? await FileLock.AcquireAsync(AgentLocks.PathFor(locks, "local", "local", "a"), TimeSpan.Zero, CancellationToken.None) : null;
        var send = sender.SendAsync([new SendRequest(roster.Agents[0], "hi", "op")], CancellationToken.None);
        if (holder is not null)
        {
            await Task.Delay(300);
            holder.Dispose();
        }
        var r = (await send)[0];
        Assert.Equal(FleetSendStatus.Accepted, r.Status);
        var calls = tmux.Calls.Select(c => c.Argv).ToList();
        var resolve = calls.FindIndex(a => a[3] == "list-panes");
        var paste = calls.FindIndex(a => a.Contains("paste-buffer"));
        Assert.Contains("capture-pane", calls[resolve]);
        // Under contention a fresh baseline is captured between taking the lock and the paste; otherwise none is.
        var between = calls.Skip(resolve + 1).Take(paste - resolve - 1).Count(a => a.Contains("capture-pane"));
        Assert.Equal(contended ? 1 : 0, between);
        Assert.Equal(["[op] hi"], pane.Received);
    }
}
