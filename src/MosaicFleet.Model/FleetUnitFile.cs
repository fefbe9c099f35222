namespace MosaicFleet;

/// <summary>One file that Install-FleetUnit, Uninstall-FleetUnit or Initialize-Fleet wrote, kept or removed.</summary>
public sealed class FleetUnitFile
{
    public string Path { get; set; } = "";
    /// <summary>HolderUnit, AgentUnit (the mosaic-agent@.service template), EnvFile or Roster.</summary>
    public string Kind { get; set; } = "";
    /// <summary>The agent an EnvFile belongs to; empty for units and the roster.</summary>
    public string? Agent { get; set; }
    /// <summary>True when the file was written or removed; false when it already held exactly these bytes.</summary>
    public bool Changed { get; set; }
    /// <summary>Written, Unchanged or Removed (WhatIf: what would happen).</summary>
    public string Action { get; set; } = "";
    public string Host { get; set; } = "local";
    /// <summary>The full path of the roster this object came from: the next cmdlet in a pipeline binds it (-RosterPath by
    /// property name), so a pipeline acts on the roster it started from. After PowerShell remoting it names a file on the
    /// remote machine.</summary>
    public string RosterPath { get; set; } = "";

    public override string ToString() => Path;
}
