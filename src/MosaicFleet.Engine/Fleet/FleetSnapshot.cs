using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Systemd;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Fleet;

/// <summary>A host that could not be queried.</summary>
public sealed record HostFailure(string Host, string ErrorId, string Message);

/// <summary>The fleet's state as one query saw it.</summary>
public sealed class FleetSnapshot
{
    public List<FleetAgent> Agents { get; } = [];

    public List<HostFailure> HostFailures { get; } = [];

    /// <summary>Things worth a -Verbose line (no systemd user manager, rejected list-panes records).</summary>
    public List<string> Notes { get; } = [];
}

/// <summary>What one host's tmux server and systemd user manager report.</summary>
public sealed record HostState(
    IReadOnlyList<TmuxPane> Panes,
    bool TmuxServerRunning,
    IReadOnlyDictionary<string, UnitState>? Units,
    string? UnitsUnavailable,
    IReadOnlyList<string> RejectedRecords)
{
    private Dictionary<string, TmuxPane>? _firstPaneBySession;

    /// <summary>Each session's first pane (lowest window, then pane index): one pass, so joining N agents costs O(N).</summary>
    public IReadOnlyDictionary<string, TmuxPane> FirstPaneBySession => _firstPaneBySession ??= IndexPanes(Panes);

    private static Dictionary<string, TmuxPane> IndexPanes(IReadOnlyList<TmuxPane> panes)
    {
        var first = new Dictionary<string, TmuxPane>(StringComparer.Ordinal);
        foreach (var p in panes)
        {
            if (!first.TryGetValue(p.SessionName, out var seen) || p.WindowIndex < seen.WindowIndex || (p.WindowIndex == seen.WindowIndex && p.PaneIndex < seen.PaneIndex))
            {
                first[p.SessionName] = p;
            }
        }
        return first;
    }
}
