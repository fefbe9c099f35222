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
    string PanePath);
