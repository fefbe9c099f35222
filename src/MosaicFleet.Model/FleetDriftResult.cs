namespace MosaicFleet;

/// <summary>The drift verdict for one agent.</summary>
public sealed class FleetDriftResult
{
    public string Name { get; set; } = "";
    public string Runtime { get; set; } = "";
    public string Host { get; set; } = "local";
    /// <summary>The agent's status when it was judged: drift is only judged for Running agents, so an Unreachable
    /// (or Missing, Dead) agent shows Drift false with this status saying why.</summary>
    public FleetAgentStatus Status { get; set; }
    public string? PaneCommand { get; set; }
    /// <summary>The pane commands acceptable for the runtime, as written in the roster.</summary>
    public string[] Expected { get; set; } = [];
    public bool Drift { get; set; }
    public string? Reason { get; set; }
    /// <summary>The full path of the roster this object came from: the next cmdlet in a pipeline binds it (-RosterPath by
    /// property name), so a pipeline acts on the roster it started from. After PowerShell remoting it names a file on the
    /// remote machine.</summary>
    public string RosterPath { get; set; } = "";

    public override string ToString() => Name;
}
