namespace MosaicFleet.Engine.Tmux;

/// <summary>A pane as resolved once before typing.</summary>
/// <param name="Pid">The pane's process id when resolved (pane ids restart at %0 with a new tmux server, so the pid tells
/// a replaced pane from ours).</param>
/// <param name="Command">The pane's current command (<c>#{pane_current_command}</c>) when resolved; null when not asked.</param>
public sealed record PaneRef(string PaneId, bool Dead, int? Pid = null, string? Command = null)
{
    /// <summary>The tenant mark of the pane's tmux server (@mosaic_tenant), or null when the server has none.</summary>
    public string? TenantMark { get; init; }

    /// <summary>The pane is in a mode (copy mode, a choose list): keys go to the mode, not to the program.</summary>
    public bool InMode { get; init; }

    /// <summary>How many clients show the pane's session (someone may be looking at the pane).</summary>
    public int AttachedClients { get; init; }
}

/// <summary>One look at a pane: is it dead, where is its cursor, what does its visible screen show.</summary>
public sealed record PaneProbe(bool Dead, int? CursorX, int? CursorY, string Screen);
