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

    // The start line a probe prints before its capture.
    private static string S(int index) => $"{M}\u001fS\u001f{index}\n";

    [Fact]
    public void ProbeMany_chains_a_start_line_a_capture_and_an_indexed_marker_per_pane()
    {
        var argv = SendCommands.ProbeMany(Tmux, ["%1", "%7"], M);
        Assert.Equal(
            ["tmux", "-L", "fleet",
             "display-message", "-p", "-t", "%1", M + "\u001fS\u001f0", ";",
             "capture-pane", "-p", "-t", "%1", ";", "display-message", "-p", "-t", "%1", M + "\u001f0\u001f#{pane_dead}\u001f#{cursor_x}\u001f#{cursor_y}", ";",
             "display-message", "-p", "-t", "%7", M + "\u001fS\u001f1", ";",
             "capture-pane", "-p", "-t", "%7", ";", "display-message", "-p", "-t", "%7", M + "\u001f1\u001f#{pane_dead}\u001f#{cursor_x}\u001f#{cursor_y}"],
            argv);
    }

    [Fact]
    public void ProbeMany_of_no_pane_is_refused() => Assert.Throws<ArgumentException>(() => SendCommands.ProbeMany(Tmux, [], M));

    [Fact]
    public void ProbeMany_output_splits_into_one_screen_per_pane()
    {
        // A login script's banner before the first start line (a remote host's stdout) is no screen.
        var stdout = "Welcome to far\nLast login: never\n" + S(0) + "a1\n\n> one\n" + M + "\u001f0\u001f0\u001f2\u001f3\n" + S(1) + "b1\n> two\n" + M + "\u001f1\u001f1\u001f0\u001f0\n";
        var probes = SendCommands.ParseProbeMany(stdout, M);
        Assert.Equal(2, probes.Count);
        Assert.Equal(("a1\n\n> one\n", false, 2, 3), (probes[0].Screen, probes[0].Dead, probes[0].CursorX, probes[0].CursorY));
        Assert.Equal(("b1\n> two\n", true), (probes[1].Screen, probes[1].Dead));
    }

    [Fact]
    public void A_line_with_another_marker_or_out_of_order_index_stays_screen_text()
    {
        // A pane that shows an old marker (another call's nonce) or a forged index does not split the output.
        var stdout = S(0) + "MOSAIC-PROBE-zzz\u001f0\u001f0\u001f0\u001f0\n" + M + "\u001f1\u001f0\u001f0\u001f0\nend\n" + M + "\u001f0\u001f0\u001f0\u001f0\n";
        var p = Assert.Single(SendCommands.ParseProbeMany(stdout, M));
        Assert.Equal("MOSAIC-PROBE-zzz\u001f0\u001f0\u001f0\u001f0\n" + M + "\u001f1\u001f0\u001f0\u001f0\nend\n", p.Screen);
    }

    [Fact]
    public void A_list_stopped_by_a_dead_pane_yields_the_probes_before_it()
    {
        // tmux ran pane 0's capture and marker, then pane 1's capture failed: only pane 0 is in the output.
        var probes = SendCommands.ParseProbeMany(S(0) + "screen0\n" + M + "\u001f0\u001f0\u001f0\u001f0\n" + S(1), M);
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
        Assert.Equal(["display-message", "-p", "-t", "%3", M + "\u001fS\u001f0", ";", "capture-pane", "-p", "-t", "%3", ";", "display-message", "-p", "-t", "%3"], words.Take(15));
        Assert.Equal([";", "send-keys", "-t", "%3", "Enter", ";", "display-message", "-p", "-t", "%3", M + "K0", ";", "display-message"], words.Skip(16).Take(13));
        Assert.Equal(["send-keys", "-t", "%4", "C-m", ";", "display-message", "-p", "-t", "%4", M + "K1"], words.TakeLast(10));
        var bare = SendCommands.SubmitMany(Tmux, [("%3", "Enter")], M, probe: false);
        Assert.DoesNotContain("capture-pane", bare);
    }

    [Fact]
    public void Submit_many_output_pairs_each_probe_with_its_key_confirmation()
    {
        // Pane 0: captured, key confirmed. Pane 1: captured, then its key failed (no confirmation).
        var stdout = S(0) + "hist\n> draft0\n" + M + "\u001f0\u001f0\u001f2\u001f1\n" + M + "K0\n" + S(1) + "> draft1\n" + M + "\u001f1\u001f0\u001f0\u001f0\n";
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
        Assert.Contains("#{@mosaic_tenant}", argv[6]);
        string Line(string session, int window, int pane, string id, int dead = 0, string mark = "") => $"{M}\u001f{session}\u001f{window}\u001f{pane}\u001f{id}\u001f{dead}\u001f{4000 + int.Parse(id[1..])}\u001f{mark}\u001f0\u001f0\u001fpi\n";
        var stdout = Line("a", 0, 1, "%1") + Line("a", 1, 0, "%2") + Line("a", 1, 1, "%3", mark: "acme")
            + Line("b", 1, 0, "%4") + Line("b", 1, 0, "%5")   // no active pane: the window's first
            + Line("c", 1, 1, "%6", dead: 1)
            + "forged\u001fd\u001f1\u001f1\u001f%7\u001f0\u001f9\u001f\u001f0\u001f0\u001fpi\n"; // not our marker
        var panes = SendCommands.ParseResolveAll(stdout, M);
        Assert.Equal(new PaneRef("%3", false, 4003, "pi") { TenantMark = "acme" }, panes["a"]);
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
