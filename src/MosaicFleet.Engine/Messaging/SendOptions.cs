namespace MosaicFleet.Engine.Messaging;

public sealed class SendOptions
{
    /// <summary>False: submit and report Submitted without looking at the pane (-NoVerify).</summary>
    public bool Verify { get; init; } = true;

    /// <summary>How long after the submit key the text may take to leave the input area.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How many tmux (or ssh) commands of a send run at once. Waits (for a lock, for the draft to show, before
    /// the submit key) hold no slot.</summary>
    public int ThrottleLimit { get; init; } = 8;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>How long to wait for the per-agent lock another sender holds.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Before the submit key: how long to wait for the pasted draft to show in the input area.
    /// A submit key that arrives in the same read as the paste's end marker is swallowed by some TUIs.</summary>
    public TimeSpan DraftWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Our draft still in the input area this long after the submit key: the key is re-sent, once.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>The lock directory (default: $XDG_RUNTIME_DIR/mosaic-fleet/locks).</summary>
    public string? LockDirectory { get; init; }

    /// <summary>-Force: type into a drifted pane that runs no known shell (a runtime whose pane command the profile lacks),
    /// and over a draft already in the input area. Never into a shell, never into a dialog.</summary>
    public bool Force { get; init; }

    /// <summary>-WaitForIdle: before typing, wait (without the agent's lock) until the agent is Idle and shows no dialog.</summary>
    public bool WaitForIdle { get; init; }

    /// <summary>Text found in the input area before typing is looked at again for this long: a message submitted just
    /// before another sender let go of the lock leaves it; an operator's draft stays (DraftPresent).</summary>
    public TimeSpan DraftSettle { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long -WaitForIdle waits.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(15);
}
