using MosaicFleet.Engine.Tmux;
using System.Text;
using System.Text.RegularExpressions;

namespace MosaicFleet.Engine.Messaging;

/// <summary>The state of one verification and the decision rule (pure; the caller does the polling).</summary>
public sealed class DraftVerification(string needle, DraftCount baseline, bool provable)
{
    public string Needle { get; } = needle;

    public DraftCount Baseline { get; } = baseline;

    /// <summary>True when the baseline showed none of the draft, so a draft seen later is ours.</summary>
    public bool Provable { get; } = provable;

    /// <summary>The draft was seen in the input area (before or after the submit key).</summary>
    public bool DraftSeen { get; private set; }

    public bool Retried { get; private set; }

    public string LastSeen { get; private set; } = "not looked at yet";

    /// <summary>The input area as last seen before the submit key.</summary>
    public string? PreSubmitArea { get; private set; }

    /// <summary>Records what one look before the submit key showed; learns whether the draft arrived.</summary>
    public bool ObserveDraft(string? area)
    {
        PreSubmitArea = area;
        if (area is not null && InputArea.Holds(InputArea.Count(area, Needle), Baseline)) DraftSeen = true;
        return DraftSeen;
    }

    /// <summary>The last screen where the input area was found held the draft (false before any such screen).</summary>
    public bool LastFoundHolds { get; private set; }

    /// <summary>One look after the submit key. A null <paramref name="area"/> (not found; <paramref name="missing"/> says
    /// why) is no evidence: it never counts as the draft leaving, and the timeout decides on the last found area.</summary>
    public VerifyStep Step(string? area, TimeSpan sinceSubmit, TimeSpan retryAfter, TimeSpan timeout, string? missing = null)
    {
        if (area is null)
        {
            LastSeen = (missing ?? "the input area was not found on the screen")
                + (LastFoundHolds ? " (the draft was still in it when last found)" : DraftSeen ? "" : "; the draft was never seen in the input area");
            if (sinceSubmit >= timeout) return LastFoundHolds ? VerifyStep.NotSubmitted : VerifyStep.NotAccepted;
            return VerifyStep.Wait;
        }
        var holds = InputArea.Holds(InputArea.Count(area, Needle), Baseline);
        LastFoundHolds = holds;
        if (holds) DraftSeen = true;
        LastSeen = holds ? "the draft is still in the input area"
            : DraftSeen ? "the draft left the input area" : "the draft was never seen in the input area";
        if (!holds && DraftSeen) return VerifyStep.Accepted;
        // The submit key is re-sent only when it visibly did nothing: our draft, provably ours, still in an input area
        // that is exactly as it was before the key. An area that changed means the application reacted (a menu closed,
        // or the text moved into a history the area also shows), and a second key could submit something else.
        if (holds && Provable && !Retried && sinceSubmit >= retryAfter && string.Equals(area, PreSubmitArea, StringComparison.Ordinal))
        {
            Retried = true;
            return VerifyStep.ResendSubmit;
        }
        if (sinceSubmit >= timeout) return holds ? VerifyStep.NotSubmitted : VerifyStep.NotAccepted;
        return VerifyStep.Wait;
    }
}

/// <summary>Where one verification stands after one look at the pane.</summary>
public enum VerifyStep
{
    /// <summary>Keep polling.</summary>
    Wait,
    /// <summary>Our draft is still in the input area after the retry delay: re-send the submit key (once).</summary>
    ResendSubmit,
    Accepted,
    NotSubmitted,
    NotAccepted,
}
