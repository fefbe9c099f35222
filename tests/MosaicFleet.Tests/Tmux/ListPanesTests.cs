using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Tests;

public class ListPanesTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    // Captured from tmux 3.3a with ListPanes.Format: sessions whose pane paths hold a tab, a newline, the US delimiter,
    // spaces and non-ASCII; a second pane in coder0; a dead pane (exit 7) with remain-on-exit.
    private static IReadOnlyList<TmuxPane> Captured(out IReadOnlyList<string> rejected)
        => ListPanes.Parse(Fixture("list-panes-tmux3.3a.bin"), out rejected);

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
        Assert.Empty(ListPanes.Parse("", out var rejected));
        Assert.Empty(rejected);
    }

    private static string Record(params string[] fields) => string.Join('\x1f', fields) + "\x1e\n";

    [Fact]
    public void A_record_with_too_few_fields_is_rejected_not_shifted()
    {
        var text = Record("a", "0", "0", "%1", "100", "pi", "0", "", "1700000000", "/x")
                 + Record("b", "0", "0", "%2", "pi", "0", "", "1700000000", "/y") // pid missing
                 + Record("c", "0", "0", "%3", "300", "pi", "0", "", "1700000000", "/z");
        var panes = ListPanes.Parse(text, out var rejected);
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
        Assert.Empty(ListPanes.Parse(Record(fields), out var rejected));
        Assert.Single(rejected);
    }

    [Fact]
    public void A_path_holding_the_record_terminator_cannot_shift_the_next_record()
    {
        // The one byte sequence that can break a record: RS + newline inside a path. The fragment after it fails
        // validation and is rejected; the next real record still parses.
        var text = Record("a", "0", "0", "%1", "1", "pi", "0", "", "1", "/evil\x1e\nb\x1f0\x1f0\x1f%9")
                 + Record("c", "0", "0", "%3", "3", "pi", "0", "", "1", "/z");
        var panes = ListPanes.Parse(text, out var rejected);
        Assert.Contains(panes, p => p.SessionName == "c" && p.PaneId == "%3" && p.PanePath == "/z");
        Assert.DoesNotContain(panes, p => p.PaneId == "%9");
        Assert.NotEmpty(rejected);
    }

    [Fact]
    public void Trailing_garbage_without_terminator_is_rejected()
    {
        var panes = ListPanes.Parse(Record("a", "0", "0", "%1", "1", "pi", "0", "", "1", "/p") + "partial\x1fline", out var rejected);
        Assert.Single(panes);
        Assert.Single(rejected);
    }

    [Theory]
    [InlineData("no server running on /tmp/tmux-0/x\n", true)]
    [InlineData("error connecting to /tmp/tmux-0/x (No such file or directory)\n", true)]
    [InlineData("error connecting to /tmp/tmux-0/x (Connection refused)\n", true)]
    [InlineData("error connecting to /tmp/tmux-0/x (Permission denied)\n", false)]
    [InlineData("unknown option -- Z\n", false)]
    public void Recognises_no_server(string stderr, bool expected) => Assert.Equal(expected, ListPanes.IsNoServer(stderr));

    [Fact]
    public void Format_puts_the_path_last_and_ends_records_with_RS()
    {
        Assert.EndsWith("#{pane_current_path}\x1e", ListPanes.Format);
        Assert.Equal(9, ListPanes.Format.Count(c => c == '\x1f'));
        Assert.Equal(["list-panes", "-a", "-F", ListPanes.Format], ListPanes.Arguments);
    }
}
