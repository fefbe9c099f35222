using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Tests.Messaging;

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
