using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Tests.Messaging;

public class InputAreaTests
{
    // Captured from pi 0.73.1 in a 120x40 tmux pane, with a draft typed and a 30-line paste collapsed.
    private const string PiScreen =
        " pi v0.73.1\n escape interrupt · ctrl+c/ctrl+d clear/exit · / commands · ! bash · ctrl+o more\n\n" +
        " Error: No API key found for the selected model.\n\n" +
        "────────────────────────────────────────────────────────────\n" +
        "[paste #1 +30 lines]a\nb\nc\n" +
        "────────────────────────────────────────────────────────────\n" +
        "/work/wt/issue5/.tools/pi (issue5)\n0.0%/0 (auto)                                      unknown\n\n\n\n";

    [Fact]
    public void Default_area_is_the_last_paragraph()
        => Assert.Equal("> draft here", InputArea.Find("hello\nyou said: old\n\n> draft here\n\n\n", null));

    [Fact]
    public void Default_area_follows_an_input_box_that_moved_down()
    {
        var screen = "ready\nyou said: first\nyou said: second\n\n> \n\n\n\n";
        Assert.Equal("> ", InputArea.Find(screen, null));
    }

    [Fact]
    public void Pi_pattern_finds_the_editor_between_the_rules()
        => Assert.Equal("[paste #1 +30 lines]a\nb\nc\n", InputArea.Find(PiScreen, BuiltInRuntimes.PiInputPattern));

    [Fact]
    public void Pi_pattern_takes_the_last_box_when_rules_appear_above()
    {
        var rule = new string('─', 40);
        var screen = $"{rule}\nold box\n{rule}\nhistory\n{rule}\nnew draft\n{rule}\nfooter\n";
        Assert.Equal("new draft\n", InputArea.Find(screen, BuiltInRuntimes.PiInputPattern));
    }

    [Fact]
    public void A_pattern_that_matches_nothing_gives_no_area() => Assert.Null(InputArea.Find("nothing here", "^>>> (?<input>.*)$"));

    [Fact]
    public void Needle_ignores_whitespace_wrapping_and_borders()
    {
        var needle = InputArea.Needle("[op] please run the whole test suite now");
        Assert.Equal(InputArea.NeedleLength, needle.Length);
        Assert.Equal(1, InputArea.CountNeedle("│ > [op] please run the whole te │\n│ st suite now │", needle));
    }

    [Fact]
    public void Needle_comes_from_the_last_non_blank_line()
        => Assert.Equal("secondline", InputArea.Needle("first line\n\nsecond line\n\n"));

    [Fact]
    public void Needle_never_splits_an_emoji()
    {
        var needle = InputArea.Needle(new string('a', 30) + "🚀");
        Assert.False(char.IsLowSurrogate(needle[0]));
    }

    [Fact]
    public void Paste_markers_are_counted()
    {
        Assert.Equal(1, InputArea.CountMarkers(PiScreen));
        Assert.Equal(2, InputArea.CountMarkers("[Pasted text #1 +89 lines] [paste #2]"));
    }

    [Fact]
    public void Holds_compares_with_the_baseline()
    {
        Assert.False(InputArea.Holds(new DraftCount(1, 0), new DraftCount(1, 0)));
        Assert.True(InputArea.Holds(new DraftCount(2, 0), new DraftCount(1, 0)));
        Assert.True(InputArea.Holds(new DraftCount(0, 1), DraftCount.None));
    }
}
