namespace MosaicFleet.Engine.Observation;

/// <summary>How Watch-FleetAgent reaches the viewer.</summary>
public enum WatchMode
{
    /// <summary>Run `tmux attach-session` in this terminal (TMUX unset, so it also works inside another tmux server).</summary>
    Attach,
    /// <summary>This process runs inside a client of the fleet's own tmux server: switch that client instead of nesting.</summary>
    Switch,
}
