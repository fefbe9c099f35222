using System.Globalization;

namespace MosaicFleet.Engine.Events;

/// <summary>Turns successive readings of the fleet into change events. Pure: no tmux, no clock. The first reading of an
/// agent is its baseline and gives no event; after that, each reading is compared with the previous one.</summary>
public sealed class FleetEventTracker(string tenant)
{
    private readonly Dictionary<string, Seen> _seen = new(StringComparer.Ordinal);

    /// <summary>The events that <paramref name="agent"/>'s reading at <paramref name="now"/> implies.
    /// <paramref name="hostError"/> is the host's failure when the agent is Unreachable.</summary>
    /// <remarks>With <paramref name="baseline"/>, the reading only updates what is known (no events): the watcher's first
    /// two readings, which learn each agent's state and Activity (Activity needs two captures).</remarks>
    public IReadOnlyList<FleetEvent> Observe(FleetAgent agent, DateTimeOffset now, string? hostError = null, bool baseline = false)
    {
        var events = new List<FleetEvent>();
        var current = new Seen(agent);
        if (baseline || !_seen.TryGetValue(agent.Name, out var last))
        {
            if (baseline && _seen.TryGetValue(agent.Name, out var known) && current.Activity == FleetAgentActivity.Unknown && current.Status == known.Status) current = current with { Activity = known.Activity };
            _seen[agent.Name] = current;
            return events;
        }
        void Add(string property, string? from, string? to, string? detail)
            => events.Add(new FleetEvent { Time = now, Tenant = tenant, Agent = agent.Name, Host = agent.Host, Property = property, From = from, To = to, Detail = detail });

        if (last.Status != current.Status)
        {
            var detail = current.Status switch
            {
                FleetAgentStatus.Dead => agent.DeadStatus is { } code ? $"exit status {code.ToString(CultureInfo.InvariantCulture)}" : "the pane's process exited",
                FleetAgentStatus.Missing => "no tmux session of that name",
                FleetAgentStatus.Unreachable => hostError,
                _ => null,
            };
            Add(FleetEventProperty.Status, last.Status.ToString(), current.Status.ToString(), detail);
        }
        // Unreachable says nothing about the unit or the pane: keep what was seen before, so the host's return
        // does not look like a restart or a unit change.
        if (current.Status == FleetAgentStatus.Unreachable)
        {
            _seen[agent.Name] = last with { Status = FleetAgentStatus.Unreachable };
            return events;
        }
        if (!string.Equals(last.ServiceState, current.ServiceState, StringComparison.Ordinal) && current.ServiceState is not null)
        {
            Add(FleetEventProperty.ServiceState, last.ServiceState, current.ServiceState, null);
        }
        if (current.Status == FleetAgentStatus.Running && last.PanePid is { } oldPid && current.PanePid is { } newPid
            && (oldPid != newPid || !string.Equals(last.PaneId, current.PaneId, StringComparison.Ordinal)))
        {
            Add(FleetEventProperty.Restart, Pane(last), Pane(current), last.Status == FleetAgentStatus.Running ? "a new pane process replaced the running one" : null);
        }
        // Drift is judged only on live panes: a dead pane's "no drift" is not a change.
        if (current.Status == FleetAgentStatus.Running && last.Status == FleetAgentStatus.Running && last.Drift != current.Drift)
        {
            Add(FleetEventProperty.Drift, last.Drift.ToString(), current.Drift.ToString(), current.Drift ? agent.DriftReason : null);
        }
        // Activity: only known readings count (Unknown is no reading); an agent that stops running forgets its activity,
        // so the first reading after it runs again is an event (from Unknown).
        var activity = current.Status == FleetAgentStatus.Running ? current.Activity : FleetAgentActivity.Unknown;
        var lastActivity = last.Activity;
        if (current.Status == FleetAgentStatus.Running && activity != FleetAgentActivity.Unknown && activity != lastActivity)
        {
            Add(FleetEventProperty.Activity, lastActivity.ToString(), activity.ToString(), null);
        }
        if (current.Status == FleetAgentStatus.Running && activity == FleetAgentActivity.Unknown) activity = lastActivity;
        _seen[agent.Name] = current with { Activity = activity };
        return events;
    }

    private static string Pane(Seen s) => s.PaneId is null ? $"pid {s.PanePid}" : $"{s.PaneId} pid {s.PanePid}";

    private sealed record Seen(FleetAgentStatus Status, FleetAgentActivity Activity, bool Drift, string? ServiceState, int? PanePid, string? PaneId)
    {
        public Seen(FleetAgent a)
            : this(a.Status, a.Activity, a.Drift, a.ServiceState, a.PanePid, a.PaneId)
        {
        }
    }
}
