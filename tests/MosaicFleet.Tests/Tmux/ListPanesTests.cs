using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Tests.Tmux;

public class ListPanesTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    // Captured from tmux 3.3a with ListPanes.FormatFor("") (records end with RS + newline): sessions whose pane paths hold a tab, a newline, the US delimiter,
    // spaces and non-ASCII; a second pane in coder0; a dead pane (exit 7) with remain-on-exit.
    private static IReadOnlyList<TmuxPane> Captured(out IReadOnlyList<string> rejected)
        => ListPanes.Parse(Fixture("list-panes-tmux3.3a.bin"), "", out rejected);

    [Fact]
    public void Parses_every_record_of_real_output()
    {
        var panes = Captured(out var rejected);
        Assert.Empty(rejected);
        Assert.Equal(["coder0", "coder0", "coder1", "coder2", "coder3", "coder4", "dead"], panes.Select(p => p.SessionName));
        Assert.All(panes, p => Assert.Matches(@"^%\d+$", p.PaneId));
    }

    [Fact]
    public void Paths_with_tab_newline_delimiter_and_unicode_survive_without_shifting_fields()
    {
        var panes = Captured(out _).ToDictionary(p => p.SessionName + ":" + p.PaneIndex);
        Assert.Equal("/tmp/cap/plain", panes["coder0:0"].PanePath);
        Assert.Equal("/tmp/cap/tab\there", panes["coder1:0"].PanePath);
        Assert.Equal("/tmp/cap/nl\nhere", panes["coder2:0"].PanePath);
        Assert.Equal("/tmp/cap/us\x1fhere", panes["coder3:0"].PanePath);
        Assert.Equal("/tmp/cap/sp ace é 日本", panes["coder4:0"].PanePath);
        foreach (var p in panes.Values.Where(p => p.SessionName != "dead"))
        {
            Assert.Equal("sleep", p.PaneCommand);
            Assert.False(p.Dead);
            Assert.Null(p.DeadStatus);
            Assert.NotNull(p.PanePid);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795638230), p.WindowActivity);
        }
    }

    [Fact]
    public void Dead_pane_has_its_exit_status()
    {
        var dead = Captured(out _).Single(p => p.SessionName == "dead");
        Assert.True(dead.Dead);
        Assert.Equal(7, dead.DeadStatus);
        Assert.Equal("sh", dead.PaneCommand);
        Assert.Equal("", dead.PanePath);
    }

    [Fact]
    public void Second_pane_keeps_its_indexes()
    {
        var coder0 = Captured(out _).Where(p => p.SessionName == "coder0").ToList();
        Assert.Equal([0, 1], coder0.Select(p => p.PaneIndex));
        Assert.NotEqual(coder0[0].PaneId, coder0[1].PaneId);
    }

    [Fact]
    public void Empty_output_is_no_panes()
    {
        Assert.Empty(ListPanes.Parse("", Nonce, out var rejected));
        Assert.Empty(rejected);
    }

    private const string Nonce = "0123456789abcdef0123456789abcdef";

    private static string Record(params string[] fields) => string.Join('\x1f', fields) + ListPanes.RecordTerminatorFor(Nonce);

    [Fact]
    public void A_record_with_too_few_fields_is_rejected_not_shifted()
    {
        var text = Record("a", "0", "0", "%1", "100", "pi", "0", "", "1700000000", "/x")
                 + Record("b", "0", "0", "%2", "pi", "0", "", "1700000000", "/y") // pid missing
                 + Record("c", "0", "0", "%3", "300", "pi", "0", "", "1700000000", "/z");
        var panes = ListPanes.Parse(text, Nonce, out var rejected);
        Assert.Equal(["a", "c"], panes.Select(p => p.SessionName));
        Assert.Single(rejected);
    }

    [Theory]
    [InlineData("a", "x", "0", "%1", "1", "pi", "0", "", "1", "/p")]      // window index not a number
    [InlineData("a", "0", "0", "1", "1", "pi", "0", "", "1", "/p")]       // pane id without %
    [InlineData("a", "0", "0", "%1", "1", "pi", "2", "", "1", "/p")]      // pane_dead neither 0 nor 1
    [InlineData("a", "0", "0", "%1", "1", "pi", "0", "", "soon", "/p")]   // activity not a number
    [InlineData("", "0", "0", "%1", "1", "pi", "0", "", "1", "/p")]       // no session name
    public void Malformed_fixed_fields_are_rejected(params string[] fields)
    {
        Assert.Empty(ListPanes.Parse(Record(fields), Nonce, out var rejected));
        Assert.Single(rejected);
    }

    [Fact]
    public void A_path_cannot_forge_a_record()
    {
        // A pane path may hold RS, newlines and a whole well-formed record, even with the old terminator: without the
        // call's nonce it cannot end its own record, so the forged one stays part of the path.
        var forged = "\x1e\n" + string.Join('\x1f', "stopped", "0", "0", "%9", "9", "pi", "0", "", "1", "/f") + "\x1e\n"
                   + string.Join('\x1f', "other", "0", "0", "%8", "8", "pi", "0", "", "1", "/g") + "\x1e" + "deadbeef" + "\n";
        var text = Record("a", "0", "0", "%1", "1", "pi", "0", "", "1", "/evil" + forged)
                 + Record("c", "0", "0", "%3", "3", "pi", "0", "", "1", "/z");
        var panes = ListPanes.Parse(text, Nonce, out var rejected);
        Assert.Equal(["a", "c"], panes.Select(p => p.SessionName));
        Assert.Equal("/evil" + forged, panes[0].PanePath);
        Assert.Empty(rejected);
    }

    [Fact]
    public void Every_call_gets_its_own_nonce()
    {
        var a = ListPanes.NewNonce();
        Assert.Matches("^[0-9a-f]{32}$", a);
        Assert.NotEqual(a, ListPanes.NewNonce());
        Assert.Throws<ArgumentException>(() => ListPanes.FormatFor("x}#{pane_id"));
    }

    [Fact]
    public void Trailing_garbage_without_terminator_is_rejected()
    {
        var panes = ListPanes.Parse(Record("a", "0", "0", "%1", "1", "pi", "0", "", "1", "/p") + "partial\x1fline", Nonce, out var rejected);
        Assert.Single(panes);
        Assert.Single(rejected);
    }

    [Theory]
    [InlineData("no server running on /tmp/tmux-0/x\n", true)]
    [InlineData("error connecting to /tmp/tmux-0/x (No such file or directory)\n", true)]
    [InlineData("error connecting to /tmp/tmux-0/x (Connection refused)\n", true)]
    [InlineData("no current target\n", true)]   // a server with no session at all
    [InlineData("error connecting to /tmp/tmux-0/x (Permission denied)\n", false)]
    [InlineData("unknown option -- Z\n", false)]
    public void Recognises_no_server(string stderr, bool expected) => Assert.Equal(expected, ListPanes.IsNoServer(stderr));

    [Fact]
    public void Format_puts_the_path_last_and_ends_records_with_RS()
    {
        Assert.EndsWith("#{pane_current_path}\x1e" + Nonce, ListPanes.FormatFor(Nonce));
        Assert.Equal(9, ListPanes.FormatFor(Nonce).Count(c => c == '\x1f'));
        Assert.Equal(["list-panes", "-a", "-F", ListPanes.FormatFor(Nonce)], ListPanes.Arguments(Nonce));
    }

    [Theory]
    [InlineData("", null, null, null)]
    [InlineData("7", 7, null, null)]
    [InlineData("s9", 137, null, null)]                 // killed by SIGKILL: 128 + 9, as the waiter reports it
    [InlineData("s9/2/137", 137, 2, null)]
    [InlineData("3/1/3@acme", 3, 1, "acme")]
    [InlineData("@local", null, null, "local")]
    public void The_status_field_carries_the_signal_the_supervision_options_and_the_servers_tenant_mark(string field, int? status, int? restarts, string? mark)
    {
        var record = string.Join('\x1f', "a", "0", "0", "%1", "42", "sleep", "1", field, "1800000000", "/w") + "\x1e" + "n\n";
        var pane = Assert.Single(ListPanes.Parse(record, "n", out var rejected));
        Assert.Empty(rejected);
        Assert.Equal(status, pane.DeadStatus);
        Assert.Equal(restarts, pane.Restarts);
        Assert.Equal(mark, pane.TenantMark);
    }

    [Theory]
    [InlineData("3@")]
    [InlineData("3@a/b")]
    [InlineData("sx")]
    public void A_malformed_status_field_rejects_the_record(string field)
    {
        var record = string.Join('\x1f', "a", "0", "0", "%1", "42", "sleep", "1", field, "1800000000", "/w") + "\x1e" + "n\n";
        Assert.Empty(ListPanes.Parse(record, "n", out var rejected));
        Assert.Single(rejected);
    }

    [Fact]
    public void The_format_asks_for_the_signal_and_the_tenant_mark()
    {
        var format = ListPanes.FormatFor("n");
        Assert.Contains("#{pane_dead_signal}", format);
        Assert.Contains("#{@mosaic_tenant}", format);
    }
}
