namespace MosaicFleet.Engine.Tmux;

/// <summary>How a tmux failure reads.</summary>
public enum TmuxFailure
{
    Other,
    /// <summary>No tmux server on the socket, or no session of that name.</summary>
    NoSession,
    /// <summary>The pane id no longer exists (the pane was closed).</summary>
    PaneGone,
}

/// <summary>How tmux's stderr reads: which of <see cref="TmuxFailure"/> it is.</summary>
public static class TmuxFailures
{
    /// <summary>What a failed tmux call's stderr says about the target.</summary>
    public static TmuxFailure Classify(string stderr)
    {
        if (ListPanes.IsNoServer(stderr) || stderr.Contains("can't find session", StringComparison.Ordinal)
            || stderr.Contains("can't find window", StringComparison.Ordinal)) return TmuxFailure.NoSession;
        if (stderr.Contains("can't find pane", StringComparison.Ordinal)) return TmuxFailure.PaneGone;
        return TmuxFailure.Other;
    }
}
