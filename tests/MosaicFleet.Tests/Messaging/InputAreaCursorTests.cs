using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Messaging;

/// <summary>The cursor rule on made-up screens: each case one feature of it.</summary>
public class InputAreaCursorTests
{
    private static string? At(string screen, int x, int y, string? pattern = null) => InputArea.Find(screen, pattern, x, y, out _);

    [Fact]
    public void The_area_ends_at_the_cursor_and_starts_after_a_rule_or_blank_row()
    {
        var screen = "history: old text\n\n──────────\n> first line\n  second li|ne\n──────────\n  footer: ? for help\n";
        Assert.Equal("> first line\n  second li", At(screen, 11, 4));
        Assert.Equal("> first", At(screen, 7, 3));
    }

    [Fact]
    public void Rows_below_the_cursor_never_count_even_when_they_hold_the_text()
    {
        var screen = "> \n\n  title: deploy the thing\n";
        Assert.Equal("> ", At(screen, 2, 0));
        Assert.Equal(0, InputArea.CountNeedle(At(screen, 2, 0)!, InputArea.Needle("deploy the thing")));
    }

    [Fact]
    public void A_line_repl_s_output_right_above_its_prompt_is_not_the_area()
    {
        // Before the submit key: the banner sits right above the prompt row that holds the typed text.
        Assert.Equal("> [op] run the tests", At("Welcome to the REPL\n> [op] run the tests\n", 20, 1));
        // After it: the REPL echoes the message above its next, empty prompt; the area is that prompt only.
        var after = "Welcome to the REPL\n> [op] run the tests\nyou said: [op] run the tests\n> \n";
        Assert.Equal("> ", At(after, 2, 3));
        Assert.False(InputArea.Holds(InputArea.Count(At(after, 2, 3)!, InputArea.Needle("[op] run the tests")), new DraftCount(0, 0)));
        // A multi-line draft in a box keeps its rows up to the prompt that starts it.
        Assert.Equal("❯ first line\nsecond", At("──────\n❯ first line\nsecond\n──────\n", 6, 2));
    }

    [Fact]
    public void Wide_characters_take_two_cells()
    {
        // "> 日本語x": the cursor after 語 is at cell 8 (2 + 3 x 2).
        Assert.Equal("> 日本語", At("> 日本語x\n", 8, 0));
        Assert.Equal("> 日本", At("> 日本語x\n", 7, 0));
        Assert.Equal("> 🚀", At("> 🚀!\n", 4, 0));
        // As tmux 3.3a places them (read off a pane): ✅ takes two cells, a ZWJ family one emoji of two.
        Assert.Equal("ab✅🚀", At("ab✅🚀x\n", 6, 0));
        Assert.Equal("ab👨‍👩‍👧", At("ab👨‍👩‍👧x\n", 4, 0));
        Assert.Equal("e\u0301t", At("e\u0301tx\n", 2, 0));
    }

    [Fact]
    public void A_cursor_past_the_row_takes_the_whole_row()
        => Assert.Equal("Press enter", At("Press enter\n", 100, 0));

    [Fact]
    public void No_cursor_position_falls_back_to_the_last_paragraph()
    {
        var screen = "history\n\n> draft\n";
        Assert.Equal("> draft", InputArea.Find(screen, null, null, null, out _));
        Assert.Equal("> draft", InputArea.Find(screen, null, 0, 9, out _)); // a row the capture does not have
    }

    [Fact]
    public void With_an_input_pattern_the_match_holding_the_cursor_is_cut_at_the_cursor()
    {
        var screen = "[[ old ]]\n[[ new draft ]] tail\n";
        const string pattern = @"\[\[(?<input>[^\]]*)\]\]";
        Assert.Equal(" new dr", At(screen, 9, 1, pattern));
        // The cursor outside every match: the last match, whole (the operator's pattern decides).
        Assert.Equal("new draft ", At(screen, 0, 0, "(?<input>new draft )"));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("   ┃   ", true)]
    [InlineData("────────", true)]
    [InlineData(" ╹▀▀▀▀▀▀▀▀", true)]
    [InlineData("------", true)]
    [InlineData("--", false)]
    [InlineData("> text", false)]
    [InlineData("┃  text", false)]
    public void Boundary_rows(string row, bool boundary) => Assert.Equal(boundary, InputArea.IsBoundaryRow(row));
}
