using MosaicFleet.Engine.Observation;

namespace MosaicFleet.Engine.Events;

/// <summary>Decides, per poll, which panes need a capture for their Activity, and reads Activity from what was captured.
/// tmux's #{window_activity} (in every list-panes record, free) moves whenever a pane of the window prints; a pane
/// whose stamp did not move since its last capture shows the same screen, so it is not captured again and its Activity
/// is read from the screen already held (an unchanged screen: Idle unless a pattern matches). The stamp has a one-second
/// resolution, so a pane that printed in the same second as its last capture is captured once more.</summary>
public sealed class ScreenTracker
{
    private readonly Dictionary<string, Screen> _screens = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="agent"/> (Running, with a pane) needs a capture now.</summary>
    public bool NeedsCapture(FleetAgent agent)
    {
        if (agent.Status != FleetAgentStatus.Running || agent.PaneId is null) return false;
        if (!_screens.TryGetValue(agent.Name, out var s) || s.PaneId != agent.PaneId || s.Hash is null) return true;
        if (agent.LastActivity is not { } stamp || s.Stamp is not { } seen) return true;
        if (stamp != seen || s.Changed) return true;
        // Output in the second of the last capture (or later) may have come after it. (A capture that saw a change is
        // followed by one more in any case, which covers a remote host whose clock differs from ours.)
        return stamp >= Truncate(s.CapturedAt);
    }

    /// <summary>Records a capture (null: the capture failed) and returns the agent's Activity.</summary>
    public FleetAgentActivity Captured(FleetAgent agent, FleetRuntime runtime, string? capture, DateTimeOffset now)
    {
        _screens.TryGetValue(agent.Name, out var s);
        var previous = s is not null && s.PaneId == agent.PaneId ? s.Hash : null;
        var activity = ActivityRules.ClassifyAfter(runtime, previous, capture);
        var hash = capture is null ? null : ActivityRules.Hash(capture);
        _screens[agent.Name] = new Screen(agent.PaneId, agent.LastActivity, now, hash, capture, hash is null || !string.Equals(hash, previous, StringComparison.Ordinal));
        return activity;
    }

    /// <summary>The Activity of an agent that was not captured this time: its screen has not changed since the last capture.</summary>
    public FleetAgentActivity Unchanged(FleetAgent agent, FleetRuntime runtime)
    {
        if (agent.Status != FleetAgentStatus.Running || !_screens.TryGetValue(agent.Name, out var s) || s.Capture is null) return FleetAgentActivity.Unknown;
        return ActivityRules.ClassifyAfter(runtime, s.Hash, s.Capture);
    }

    /// <summary>The screen last captured for an agent (null if none).</summary>
    public string? LastScreen(string agent) => _screens.TryGetValue(agent, out var s) ? s.Capture : null;

    public void Forget(string agent) => _screens.Remove(agent);

    private static DateTimeOffset Truncate(DateTimeOffset t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), t.Offset);

    private sealed record Screen(string? PaneId, DateTimeOffset? Stamp, DateTimeOffset CapturedAt, string? Hash, string? Capture, bool Changed);
}
