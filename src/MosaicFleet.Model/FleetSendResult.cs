namespace MosaicFleet;

/// <summary>How a message delivery ended.</summary>
// long, not int: ConvertTo-Json writes a long-based enum by name ("Status": "Running"), an int-based one as a number.
public enum FleetSendStatus : long
{
    /// <summary>Verified: the text left the agent's input area after the submit key.</summary>
    Accepted,
    /// <summary>Typed and submitted, not verified (-NoVerify).</summary>
    Submitted,
    /// <summary>The text is still sitting in the input box: the submit key was swallowed.</summary>
    NotSubmitted,
    /// <summary>No evidence either way by the timeout.</summary>
    NotAccepted,
    /// <summary>The agent has no tmux session.</summary>
    NoSession,
    /// <summary>The agent's pane is dead.</summary>
    PaneDead,
    /// <summary>The agent's host could not be reached.</summary>
    Unreachable,
    /// <summary>The agent's pane runs a shell instead of its runtime (drift, e.g. the runtime exited to the shell it ran
    /// in): nothing was typed, since the shell would run the text as a command.</summary>
    Drifted,
    /// <summary>tmux was not found (on this machine, or on the agent's host): nothing was sent.</summary>
    TmuxNotFound,
    /// <summary>The pane shows a dialog or menu (the runtime's waitingPattern matched): nothing was typed, since text and
    /// a submit key there would pick an option. Detail holds the dialog's text.</summary>
    Blocked,
    /// <summary>The agent's input area already held text (an operator's unsent draft): nothing was typed, since the
    /// message would join the draft. -Force types anyway.</summary>
    DraftPresent,
    /// <summary>Nothing was typed: the send could not start (another sender held the agent's lock past the timeout, the
    /// lock file could not be opened, the pane could not be resolved or read, the text was refused, or -WaitForIdle
    /// ran out of time). Sending again cannot make a duplicate.</summary>
    NotSent,
}

/// <summary>The outcome of one Send-FleetMessage or Reset-FleetAgent delivery to one agent.</summary>
public sealed class FleetSendResult
{
    public string Agent { get; set; } = "";
    public string Host { get; set; } = "local";
    public FleetSendStatus Status { get; set; }
    /// <summary>How long the delivery took, in seconds (durations are seconds on every output type).</summary>
    public double ElapsedSeconds { get; set; }
    public string Source { get; set; } = "";
    /// <summary>The message as given (without the source label).</summary>
    public string Message { get; set; } = "";
    /// <summary>When the submit key was sent (Wait-FleetAgent counts idle time from here).</summary>
    public DateTimeOffset? SentAt { get; set; }
    /// <summary>True when the submit key was re-sent once because our draft was still in the input box.</summary>
    public bool SubmitRetried { get; set; }
    /// <summary>What the verification saw, in words.</summary>
    public string? Detail { get; set; }
    /// <summary>The full path of the roster this object came from: the next cmdlet in a pipeline binds it (-RosterPath by
    /// property name), so a pipeline acts on the roster it started from. After PowerShell remoting it names a file on the
    /// remote machine.</summary>
    public string RosterPath { get; set; } = "";

    /// <summary>The agent name, as on every per-agent object: Wait-FleetAgent $result binds it by value.</summary>
    public override string ToString() => Agent;
}
