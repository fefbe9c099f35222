using MosaicFleet.Engine.Prompts;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Prompts;

/// <summary>The prompt parser against screens captured from the real runtimes (tests/MosaicFleet.Tests/Data, written by
/// the runtimes work: each runtime in tmux against the fake model endpoint), and against made-up screens of other shapes.</summary>
public class PromptParserTests
{
    private static string Data(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", name));

    private static FleetRuntime Runtime(string name) => BuiltInRuntimes.Create()[name];

    [Theory]
    [InlineData("claude-2.1.332-permission.txt")]
    [InlineData("claude-2.1.332-permission.ansi.txt")]
    public void Claude_permission_dialog(string file)
    {
        var p = PromptParser.Parse(Runtime("claude"), Data(file))!;
        Assert.Equal("Do you want to proceed?", p.Question);
        Assert.Equal([1, 2, 3, 4], p.Options.Select(o => o.Number));
        Assert.Equal("Yes", p.Options[0].Text);
        Assert.Equal("No", p.Options[3].Text);
        Assert.Equal(1, p.Selected!.Number);
        Assert.Equal("Vertical", p.Layout);
    }

    [Fact]
    public void Claude_trust_dialog_unnumbered_with_the_marker_on_No()
    {
        var p = PromptParser.Parse(Runtime("claude"), Data("claude-2.1.332-trust-dialog.txt"))!;
        Assert.Equal(["No, exit", "Yes, I trust this folder"], p.Options.Select(o => o.Text));
        Assert.Equal("No, exit", p.Selected!.Text);
        Assert.Contains("trust?", p.Question, StringComparison.Ordinal);
    }

    [Fact]
    public void Claude_api_key_dialog()
    {
        var p = PromptParser.Parse(Runtime("claude"), Data("claude-2.1.332-apikey-dialog.ansi.txt"))!;
        Assert.Equal("Do you want to use this API key?", p.Question);
        Assert.Equal(["Yes", "No (recommended)"], p.Options.Select(o => o.Text));
        Assert.Equal(2, p.Selected!.Number);
    }

    [Theory]
    [InlineData("codex-0.171.0-permission.txt")]
    [InlineData("codex-0.171.0-permission.ansi.txt")]
    public void Codex_approval(string file)
    {
        var p = PromptParser.Parse(Runtime("codex"), Data(file))!;
        Assert.Equal("Would you like to run the following command?", p.Question);
        Assert.Equal(3, p.Options.Length);
        Assert.Equal("Yes, proceed (y)", p.Options[0].Text);
        Assert.Equal("y", p.Options[0].Key);
        Assert.Equal("esc", p.Options[2].Key);
        Assert.True(p.Options[0].Selected);
    }

    [Fact]
    public void Opencode_permission_one_line_with_the_selection_in_another_background()
    {
        var p = PromptParser.Parse(Runtime("opencode"), Data("opencode-1.18.33-permission.ansi.txt"))!;
        Assert.Equal("Horizontal", p.Layout);
        Assert.Equal(["Allow once", "Allow always", "Reject"], p.Options.Select(o => o.Text));
        Assert.Equal("Allow once", p.Selected!.Text);
    }

    [Theory]
    [InlineData("claude-2.1.332-idle.txt", "claude")]
    [InlineData("claude-2.1.332-busy.txt", "claude")]
    [InlineData("codex-0.171.0-idle.txt", "codex")]
    [InlineData("opencode-1.18.33-idle.txt", "opencode")]
    [InlineData("pi-0.73.1-answered.txt", "pi")]
    public void A_screen_that_asks_nothing_has_no_prompt(string file, string runtime)
        => Assert.Null(PromptParser.Parse(Runtime(runtime), Data(file)));

    private static readonly FleetRuntime Generic = new() { Name = "g", WaitingPattern = @"\?|\[y/n\]|Choose" };

    [Fact]
    public void Other_shapes_a_greater_than_marker_and_wrapped_numbered_options()
    {
        var screen = "some output\n\nWhich branch should I use?\n  1) main\n> 2) release/2.0, the branch\n       that ships next week\n  3) a new branch\n\n(arrows to move)";
        var p = PromptParser.Parse(Generic, screen)!;
        Assert.Equal("Which branch should I use?", p.Question);
        Assert.Equal(["main", "release/2.0, the branch that ships next week", "a new branch"], p.Options.Select(o => o.Text));
        Assert.Equal(2, p.Selected!.Number);
    }

    [Fact]
    public void A_yes_no_question_is_typed_not_selected()
    {
        var p = PromptParser.Parse(Generic, "working\nDo you want to proceed? [y/n] ")!;
        Assert.Equal("YesNo", p.Layout);
        Assert.Equal(["y", "n"], p.Options.Select(o => o.Key));
        Assert.Null(p.Selected);
    }

    [Fact]
    public void Reverse_video_marks_the_selection_of_a_one_line_menu()
    {
        var screen = "Choose:\n  \u001b[7m Allow \u001b[27m   Deny   Ask later\n";
        var p = PromptParser.Parse(Generic, screen)!;
        Assert.Equal(["Allow", "Deny", "Ask later"], p.Options.Select(o => o.Text));
        Assert.Equal("Allow", p.Selected!.Text);
    }

    [Fact]
    public void Hostile_text_on_screen_stays_inert()
    {
        var p = PromptParser.Parse(Generic, "Proceed?\n\u001b]0;x\u0007❯ 1. rm -rf / ; \"quoted\"\n  2. No\n")!;
        Assert.Equal("rm -rf / ; \"quoted\"", p.Options[0].Text);
        Assert.All(p.Options, o => Assert.DoesNotContain(o.Text, c => char.IsControl(c)));
    }

    [Fact]
    public void An_input_line_with_a_marker_is_no_menu()
    {
        Assert.Null(PromptParser.Parse(Generic, "What next?\n❯ please run the tests\n"));
    }

    [Theory]
    [InlineData("Yes", true)]
    [InlineData("Yes, proceed", true)]
    [InlineData("Allow once", true)]
    [InlineData("Yes, allow all edits during this session", false)]
    [InlineData("Yes, and don't ask again for this command", false)]
    [InlineData("Yes, allow for this session", false)]
    [InlineData("Always allow", false)]
    [InlineData("Yes, for the rest of the conversation", false)]
    [InlineData("Allow all commands", false)]
    [InlineData("Yes, auto-accept edits", false)]
    [InlineData("No", false)]
    public void Only_a_one_time_yes_is_the_default_answer(string option, bool oneTime)
        => Assert.Equal(oneTime, Engine.Prompts.PromptChoices.IsOneTimeYes(option));
}
