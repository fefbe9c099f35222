using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Observation;

/// <summary>One agent Wait-FleetAgent waits for.</summary>
public sealed record WaitTarget(FleetAgentSpec Agent, DateTimeOffset? SentAt);

/// <summary>Polls agents until each reaches the target activity. Each poll is one list-panes per host plus one capture
/// call per host for every pending agent; a poll's capture is compared with the previous poll's, so two polls make the
/// "two readings a short interval apart" of the idle rule. The caller owns the loop (so it can write output and progress
/// from its own thread) and the deadline.</summary>
public sealed class ActivityWaiter
{
    private readonly FleetContext _context;
    private readonly ActivityProbe _probe;
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    public ActivityWaiter(FleetContext context, IEnumerable<WaitTarget> targets, FleetAgentActivity target)
    {
        if (target is not (FleetAgentActivity.Idle or FleetAgentActivity.Busy)) throw new ArgumentOutOfRangeException(nameof(target), "Wait for Idle or Busy.");
        _context = context;
        _probe = new ActivityProbe(context);
        foreach (var t in targets)
        {
            var runtime = context.RuntimeOf(t.Agent);
            _pending[t.Agent.Name] = new Pending(t.Agent, new WaitTracker(target, t.SentAt, ActivityRules.IdleAfterSeconds(runtime), runtime.IdleAfterSeconds ?? 0), runtime);
        }
        Total = _pending.Count;
    }

    public int Total { get; }

    /// <summary>How long an agent may stay without a live pane (Missing or Dead) before the wait gives up on
    /// it (<see cref="TakeGivenUp"/>): long enough for a unit that is still starting the session, far shorter than
    /// waiting out the whole timeout for an agent that cannot become idle.</summary>
    public TimeSpan NotRunningGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Agents that reached the target.</summary>
    public int Done => Total - _pending.Count - _givenUpCount;

    /// <summary>Agents still waited for.</summary>
    public int Remaining => _pending.Count;

    private readonly List<FleetAgent> _givenUp = [];
    private int _givenUpCount;

    /// <summary>The agents given up since the last call (each had no live pane for <see cref="NotRunningGrace"/>), with
    /// their last reading.</summary>
    public IReadOnlyList<FleetAgent> TakeGivenUp()
    {
        var list = _givenUp.ToList();
        _givenUp.Clear();
        return list;
    }

    /// <summary>Agents not there yet, with what they last showed (for progress and the timeout errors).</summary>
    public IReadOnlyList<(FleetAgent? Agent, FleetAgentSpec Spec, string Last)> PendingAgents
    {
        get
        {
            var now = _context.Clock.GetUtcNow();
            return _pending.Values.Select(p => (p.LastAgent, p.Spec, p.Tracker.LastSeen(now))).ToList();
        }
    }

    /// <summary>Host failures seen by the last poll.</summary>
    public IReadOnlyList<HostFailure> LastHostFailures { get; private set; } = [];

    /// <summary>One reading of every pending agent; returns the agents that reached the target in it (with Activity set).</summary>
    public async Task<IReadOnlyList<FleetAgent>> PollAsync(CancellationToken ct)
    {
        if (_pending.Count == 0) return [];
        var pending = _pending.Values.ToList();
        var snapshot = await new FleetQuery(_context).GetAgentsAsync(pending.Select(p => p.Spec), ct).ConfigureAwait(false);
        LastHostFailures = snapshot.HostFailures;
        var agents = snapshot.Agents;
        var captures = await _probe.CaptureAllAsync(agents, ct).ConfigureAwait(false);
        var now = _context.Clock.GetUtcNow();
        var reached = new List<FleetAgent>();
        for (var i = 0; i < agents.Count; i++)
        {
            var p = pending[i];
            var agent = agents[i];
            var capture = captures[i];
            // A different pane (the agent was restarted) is not the same screen.
            var previousHash = p.LastPaneId == agent.PaneId ? p.LastHash : null;
            agent.Activity = ActivityRules.ClassifyAfter(p.Runtime, previousHash, capture);
            p.LastHash = capture is null ? null : ActivityRules.Hash(capture);
            p.LastPaneId = agent.PaneId;
            p.LastAgent = agent;
            // Missing or Dead for NotRunningGrace: given up. Unreachable is the host's state, not the agent's, and may pass
            // (a network blip): it is waited for until the timeout, whose error names the agent.
            if (agent.Status is FleetAgentStatus.Missing or FleetAgentStatus.Dead or FleetAgentStatus.Failed)
            {
                p.NotRunningSince ??= now;
                if (now - p.NotRunningSince.Value >= NotRunningGrace)
                {
                    _givenUp.Add(agent);
                    _givenUpCount++;
                    _pending.Remove(p.Spec.Name);
                }
                continue;
            }
            p.NotRunningSince = null;
            if (p.Tracker.Observe(agent.Activity, now))
            {
                reached.Add(agent);
                _pending.Remove(p.Spec.Name);
            }
        }
        return reached;
    }

    private sealed class Pending(FleetAgentSpec spec, WaitTracker tracker, FleetRuntime runtime)
    {
        public FleetAgentSpec Spec { get; } = spec;
        public WaitTracker Tracker { get; } = tracker;
        public FleetRuntime Runtime { get; } = runtime;
        public string? LastHash { get; set; }
        public string? LastPaneId { get; set; }
        public FleetAgent? LastAgent { get; set; }
        public DateTimeOffset? NotRunningSince { get; set; }
    }
}
