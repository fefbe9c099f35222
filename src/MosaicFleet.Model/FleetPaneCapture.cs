namespace MosaicFleet;

/// <summary>An agent's recent pane text (Get-FleetAgentOutput).</summary>
public sealed class FleetPaneCapture
{
    public string Agent { get; set; } = "";
    public string Host { get; set; } = "local";
    /// <summary>The %pane_id the text was read from.</summary>
    public string? PaneId { get; set; }
    public DateTimeOffset CapturedAt { get; set; }
    /// <summary>The pane's lines, oldest first (history, then the visible screen), trailing blank lines removed.</summary>
    public string[] Lines { get; set; } = [];
    /// <summary>For Get-FleetAgentOutput -Crash: the crash file the text was read from (CapturedAt is when the
    /// runtime ended).</summary>
    public string? CrashFile { get; set; }
    /// <summary>For Get-FleetAgentOutput -Crash: the runtime's exit status (128 + signal for a signal).</summary>
    public int? ExitStatus { get; set; }
    /// <summary>The full path of the roster this object came from: the next cmdlet in a pipeline binds it (-RosterPath by
    /// property name), so a pipeline acts on the roster it started from. After PowerShell remoting it names a file on the
    /// remote machine.</summary>
    public string RosterPath { get; set; } = "";

    /// <summary>The lines joined with "\n".</summary>
    public string Text => string.Join('\n', Lines);

    /// <summary>The agent name, as on every per-agent object (so "$capture" and -Name binding by value name the agent;
    /// the text is <see cref="Text"/>).</summary>
    public override string ToString() => Agent;
}
