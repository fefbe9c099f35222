using System.Globalization;

namespace MosaicFleet.Engine.Tmux;

/// <summary>One pane as list-panes reports it.</summary>
public sealed record TmuxPane(
    string SessionName,
    int WindowIndex,
    int PaneIndex,
    string PaneId,
    int? PanePid,
    string PaneCommand,
    bool Dead,
    int? DeadStatus,
    DateTimeOffset? WindowActivity,
    string PanePath)
{
    /// <summary>The tenant mark of the pane's tmux server (global option @mosaic_tenant, set by the holder), or null.</summary>
    public string? TenantMark { get; init; }

    /// <summary>The agent unit's launches since the last start by hand (session option @mosaic_restarts), or null.</summary>
    public int? Restarts { get; init; }

    /// <summary>The exit status the previous launch ended with (session option @mosaic_last_exit), or null.</summary>
    public int? LastExit { get; init; }
}
