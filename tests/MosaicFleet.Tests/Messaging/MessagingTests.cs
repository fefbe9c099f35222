using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Tests.Messaging;

public class MessageTextTests
{
    [Fact]
    public void Compose_puts_the_label_before_the_first_line_only()
        => Assert.Equal("[operator:ann@box] one\ntwo", MessageText.Compose("operator:ann@box", "one\ntwo"));

    [Fact]
    public void Compose_without_source_types_the_text_as_is() => Assert.Equal("/clear", MessageText.Compose(null, "/clear"));

    [Fact]
    public void Line_breaks_are_normalized_to_LF() => Assert.Equal("a\nb\nc", MessageText.NormalizeLineBreaks("a\r\nb\rc"));

    [Fact]
    public void Default_source_uses_the_short_host_name() => Assert.Equal("operator:ann@build7", MessageText.DefaultSource("ann", "build7.example.org"));
}

public class SendCommandsTests
{
    private static readonly TmuxCommand Tmux = new("fleet");

    [Fact]
    public void Paste_is_bracketed_keeps_line_feeds_and_targets_the_pane_id()
    {
        var argv = SendCommands.LoadAndPasteMany(Tmux, "buf1", ["%7"], "M");
        Assert.Equal(["tmux", "-L", "fleet", "load-buffer", "-b", "buf1", "-", ";", "if-shell", "-F", "-t", "%7"], argv.Take(12));
        Assert.StartsWith("paste-buffer -p -r -b buf1 -t %7 ;", argv[13]);
    }

    [Fact]
    public void Paste_refuses_a_target_that_is_not_a_pane_id()
        => Assert.Throws<ArgumentException>(() => SendCommands.LoadAndPasteMany(Tmux, "b", ["coder1"], "M"));

    [Fact]
    public void Resolve_uses_list_panes_on_the_exact_session_window()
    {
        var argv = SendCommands.ResolvePane(Tmux, "coder1");
        Assert.Equal("list-panes", argv[3]);
        Assert.Equal("=coder1:", argv[5]);
    }

    [Fact]
    public void Resolve_picks_the_active_pane()
    {
        var p = SendCommands.ParseResolve("0\u001f%3\u001f0\n1\u001f%4\u001f1\n");
        Assert.Equal(new PaneRef("%4", true), p);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1\u001fcoder\u001f0\n")]
    [InlineData("garbage")]
    public void Resolve_rejects_what_is_not_a_pane(string stdout) => Assert.Null(SendCommands.ParseResolve(stdout));

    [Fact]
    public void Submit_key_is_one_key_name_to_the_pane()
        => Assert.Equal(["tmux", "-L", "fleet", "send-keys", "-t", "%1", "Escape"], SendCommands.SendKey(Tmux, "%1", "Escape"));

    [Theory]
    [InlineData("can't find session: x", TmuxFailure.NoSession)]
    [InlineData("no server running on /tmp/tmux-0/x", TmuxFailure.NoSession)]
    [InlineData("can't find pane: %9", TmuxFailure.PaneGone)]
    [InlineData("something else", TmuxFailure.Other)]
    public void Failures_are_classified(string stderr, TmuxFailure expected) => Assert.Equal(expected, TmuxFailures.Classify(stderr));

    [Fact]
    public void Buffer_names_are_unique() => Assert.NotEqual(SendCommands.NewBufferName(), SendCommands.NewBufferName());
}

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

public class DraftVerificationTests
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1.5), Timeout = TimeSpan.FromSeconds(10);

    private static DraftVerification New(string text) => new(InputArea.Needle(text), DraftCount.None, provable: true);

    [Fact]
    public void Draft_seen_then_gone_is_accepted()
    {
        var v = New("hello agent");
        Assert.True(v.ObserveDraft("> hello agent"));
        Assert.Equal(VerifyStep.Accepted, v.Step("> ", TimeSpan.FromSeconds(0.2), Retry, Timeout));
    }

    [Fact]
    public void An_area_that_never_showed_the_draft_is_not_evidence_of_acceptance()
    {
        // agent-deck #1413: "nothing in the box" after submitting a message that never arrived is not success.
        var v = New("hello agent");
        Assert.False(v.ObserveDraft("working..."));
        Assert.Equal(VerifyStep.Wait, v.Step("working...", TimeSpan.FromSeconds(1), Retry, Timeout));
        Assert.Equal(VerifyStep.NotAccepted, v.Step("working...", Timeout, Retry, Timeout));
    }

    [Fact]
    public void A_draft_still_there_gets_one_submit_retry_then_NotSubmitted()
    {
        var v = New("hello agent");
        v.ObserveDraft("> hello agent");
        Assert.Equal(VerifyStep.Wait, v.Step("> hello agent", TimeSpan.FromSeconds(0.5), Retry, Timeout));
        Assert.Equal(VerifyStep.ResendSubmit, v.Step("> hello agent", TimeSpan.FromSeconds(2), Retry, Timeout));
        Assert.Equal(VerifyStep.Wait, v.Step("> hello agent", TimeSpan.FromSeconds(3), Retry, Timeout));
        Assert.Equal(VerifyStep.NotSubmitted, v.Step("> hello agent", Timeout, Retry, Timeout));
        Assert.True(v.Retried);
    }

    [Fact]
    public void An_area_that_changed_after_the_submit_key_gets_no_retry()
    {
        // The text moved into a history that the (too wide) input area also shows: the app reacted; no second key.
        var v = New("hello agent");
        v.ObserveDraft("ready\n> hello agent");
        Assert.Equal(VerifyStep.Wait, v.Step("ready\nyou said: hello agent\n> ", TimeSpan.FromSeconds(2), Retry, Timeout));
        Assert.False(v.Retried);
        Assert.Equal(VerifyStep.NotSubmitted, v.Step("ready\nyou said: hello agent\n> ", Timeout, Retry, Timeout));
    }

    [Fact]
    public void A_draft_that_was_already_in_the_box_is_not_provably_ours_and_is_not_resubmitted()
    {
        var needle = InputArea.Needle("hello agent");
        var v = new DraftVerification(needle, InputArea.Count("> hello agent", needle), provable: false);
        Assert.Equal(VerifyStep.Wait, v.Step("> hello agent hello agent", TimeSpan.FromSeconds(5), Retry, Timeout));
    }

    [Fact]
    public void A_pi_paste_marker_leaving_the_editor_is_accepted()
    {
        var v = New(string.Join('\n', Enumerable.Range(0, 30).Select(i => $"line {i}")));
        Assert.True(v.ObserveDraft("[paste #1 +30 lines]\n"));
        Assert.Equal(VerifyStep.Accepted, v.Step("\n", TimeSpan.FromSeconds(0.3), Retry, Timeout));
    }

    [Fact]
    public void Text_left_in_the_history_above_does_not_count()
    {
        var v = New("deploy the thing");
        var before = "ready\n\n> [op] deploy the thing\n";
        v.ObserveDraft(InputArea.Find(before, null));
        var after = "ready\nyou said: [op] deploy the thing\n\n> \n";
        Assert.Equal(VerifyStep.Accepted, v.Step(InputArea.Find(after, null), TimeSpan.FromSeconds(0.3), Retry, Timeout));
    }

    [Fact]
    public void A_dialog_covering_the_input_area_is_no_evidence_and_never_Accepted()
    {
        // agent-deck #1413 class: a menu/dialog hides the box after the draft was seen; that is not the draft leaving.
        var v = New("hello agent");
        Assert.True(v.ObserveDraft("> hello agent"));
        Assert.Equal(VerifyStep.Wait, v.Step(null, TimeSpan.FromSeconds(0.2), Retry, Timeout));
        Assert.Equal(VerifyStep.Wait, v.Step(null, TimeSpan.FromSeconds(5), Retry, Timeout));
        Assert.Equal(VerifyStep.NotAccepted, v.Step(null, Timeout, Retry, Timeout));
    }

    [Fact]
    public void At_the_timeout_a_hidden_area_follows_the_last_found_area()
    {
        var v = New("hello agent");
        v.ObserveDraft("> hello agent");
        Assert.Equal(VerifyStep.Wait, v.Step("> hello agent x", TimeSpan.FromSeconds(0.2), Retry, Timeout));
        Assert.Equal(VerifyStep.NotSubmitted, v.Step(null, Timeout, Retry, Timeout, "covered"));
        Assert.StartsWith("covered", v.LastSeen, StringComparison.Ordinal);
        // The area coming back empty is real evidence again.
        var w = New("hello agent");
        w.ObserveDraft("> hello agent");
        Assert.Equal(VerifyStep.Wait, w.Step(null, TimeSpan.FromSeconds(1), Retry, Timeout));
        Assert.Equal(VerifyStep.Accepted, w.Step("> ", TimeSpan.FromSeconds(2), Retry, Timeout));
    }
}

public class InputPatternTimeoutTests
{
    [Fact]
    public void A_pattern_that_times_out_finds_no_area_and_says_why()
    {
        var screen = new string('a', 40) + "!";
        var area = InputArea.Find(screen, "^(a+)+$", out var missing);
        Assert.Null(area);
        Assert.Contains("inputPattern timed out", missing, StringComparison.Ordinal);
        var v = new DraftVerification(InputArea.Needle("x"), DraftCount.None, provable: true);
        Assert.Equal(VerifyStep.NotAccepted, v.Step(area, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), missing));
        Assert.Contains("timed out", v.LastSeen, StringComparison.Ordinal);
    }
}
