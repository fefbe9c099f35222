using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Observation;

namespace MosaicFleet.Engine.Events;

/// <summary>Follows the fleet by timed polling (the mechanism chosen in docs/benchmarks.md): every <see cref="Interval"/>,
/// ONE <see cref="FleetQuery"/> (per host: one list-panes and one systemctl show; a remote host both in one ssh call over
/// its ControlMaster connection), then ONE capture call per host for just the panes whose screen may have changed
/// (<see cref="ScreenTracker"/>), then the new lines of the message log. Changes become events
/// (<see cref="FleetEventTracker"/>). Nothing runs between polls.</summary>
public sealed class FleetEventWatcher
{
    private readonly FleetContext _context;
    private readonly IReadOnlyList<FleetAgentSpec> _agents;
    private readonly FleetEventTracker _tracker;
    private readonly ScreenTracker _screens = new();
    private readonly ActivityProbe _probe;
    private readonly MessageLogTail? _messages;
    private readonly HashSet<string> _names;

    public FleetEventWatcher(FleetContext context, IReadOnlyList<FleetAgentSpec> agents, string? messageLogPath)
    {
        _context = context;
        _agents = agents;
        _tracker = new FleetEventTracker(context.Roster.Tenant);
        _probe = new ActivityProbe(context);
        _names = new HashSet<string>(agents.Select(a => a.Name), StringComparer.Ordinal);
        if (messageLogPath is not null) _messages = new MessageLogTail(messageLogPath, RotatingJsonl.DefaultKeep);
    }

    /// <summary>The time between polls. 1 s meets "a Status change within 2 s, an Activity change within 3 s" (measured in
    /// docs/benchmarks.md).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Panes captured so far (for the benchmark and -Verbose).</summary>
    public long Captures { get; private set; }

    public long Polls { get; private set; }

    /// <summary>Host failures of the last poll.</summary>
    public IReadOnlyList<HostFailure> LastHostFailures { get; private set; } = [];

    /// <summary>Polls until <paramref name="ct"/> is cancelled, handing each event to <paramref name="emit"/> (on the
    /// polling task). The first poll is the baseline and gives no events.</summary>
    public async Task RunAsync(Action<FleetEvent> emit, CancellationToken ct, Action<IReadOnlyList<HostFailure>>? hostFailures = null, Action? baselineRead = null)
    {
        _messages?.SkipToEnd();
        // The baseline: two readings a short interval apart (Activity needs two captures), no events.
        await PollAsync(ct, baseline: true).ConfigureAwait(false);
        await Task.Delay(ActivityRules.SampleInterval, _context.Clock, ct).ConfigureAwait(false);
        await PollAsync(ct, baseline: true).ConfigureAwait(false);
        baselineRead?.Invoke();
        while (true)
        {
            var started = _context.Clock.GetTimestamp();
            var events = await PollAsync(ct).ConfigureAwait(false);
            hostFailures?.Invoke(LastHostFailures);
            foreach (var e in events) emit(e);
            var left = Interval - _context.Clock.GetElapsedTime(started);
            if (left > TimeSpan.Zero) await Task.Delay(left, _context.Clock, ct).ConfigureAwait(false);
            else ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>One reading of the fleet; returns the changes since the previous one.</summary>
    public async Task<IReadOnlyList<FleetEvent>> PollAsync(CancellationToken ct, bool baseline = false)
    {
        Polls++;
        var snapshot = await new FleetQuery(_context).GetAgentsAsync(_agents, ct).ConfigureAwait(false);
        LastHostFailures = snapshot.HostFailures;
        var agents = snapshot.Agents;
        var toCapture = agents.Where(_screens.NeedsCapture).ToList();
        var screens = toCapture.Count == 0 ? [] : await _probe.CaptureAllAsync(toCapture, ct).ConfigureAwait(false);
        Captures += toCapture.Count;
        var now = _context.Clock.GetUtcNow();
        var captured = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < toCapture.Count; i++) captured[toCapture[i].Name] = screens[i];
        var events = new List<FleetEvent>();
        var failures = snapshot.HostFailures.ToDictionary(f => f.Host, f => f.Message, StringComparer.Ordinal);
        for (var i = 0; i < agents.Count; i++)
        {
            var agent = agents[i];
            var runtime = _context.RuntimeOf(_agents[i]);
            if (agent.Status != FleetAgentStatus.Running) _screens.Forget(agent.Name);
            else agent.Activity = captured.TryGetValue(agent.Name, out var screen)
                ? _screens.Captured(agent, runtime, screen, now)
                : _screens.Unchanged(agent, runtime);
            events.AddRange(_tracker.Observe(agent, now, failures.GetValueOrDefault(agent.Host), baseline));
        }
        if (_messages is not null && !baseline)
        {
            foreach (var entry in _messages.ReadNew())
            {
                if (!_names.Contains(entry.Agent) || !string.Equals(entry.Tenant, _context.Roster.Tenant, StringComparison.Ordinal)) continue;
                events.Add(MessageEvent(entry));
            }
        }
        return events;
    }

    /// <summary>The event of one message log entry: To is the send's status, Detail the kind and the message's first line.</summary>
    public static FleetEvent MessageEvent(FleetMessageLogEntry entry)
    {
        var text = entry.Message.Replace("\r\n", "\n", StringComparison.Ordinal);
        // Control bytes (escape sequences) stay inert: the event is printed on terminals and sent to notifiers.
        var firstLine = new string(text.Split('\n')[0].Select(c => char.IsControl(c) ? '\uFFFD' : c).ToArray());
        if (firstLine.Length > 200) firstLine = firstLine[..200] + "…";
        else if (text.Contains('\n', StringComparison.Ordinal)) firstLine += " …";
        return new FleetEvent
        {
            Time = entry.Time,
            Tenant = entry.Tenant,
            Agent = entry.Agent,
            Host = entry.Host,
            Property = FleetEventProperty.Message,
            To = entry.Status.ToString(),
            Detail = $"{entry.Kind} from {(entry.Source.Length == 0 ? "(no source)" : entry.Source)}: {firstLine}",
        };
    }
}
