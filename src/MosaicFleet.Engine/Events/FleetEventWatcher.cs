using MosaicFleet.Engine.Errors;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Systemd;

namespace MosaicFleet.Engine.Events;

/// <summary>Follows the fleet. By default through ONE long-lived source per host (<see cref="HostStream"/>: a loop on
/// the host that runs the fleet query's list-panes and list-units once a second and prints only what changed), so no
/// process starts here while nothing changes; every <see cref="Interval"/> (and at once when a source reports a change)
/// the latest states are read into agents, ONE capture call per host fetches just the panes whose screen may have
/// changed (<see cref="ScreenTracker"/>), then the new lines of the message log are read. With
/// <see cref="UsePolling"/>, each reading is ONE <see cref="FleetQuery"/> instead (per host: one list-panes and one
/// systemctl call; a remote host both in one ssh call). Changes become events (<see cref="FleetEventTracker"/>).</summary>
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

    /// <summary>Intervals in which no source reported a change and no screen awaited a capture: only the message log
    /// was read.</summary>
    public long Skipped { get; private set; }

    private bool _capturedLast;

    /// <summary>Host failures of the last poll.</summary>
    public IReadOnlyList<HostFailure> LastHostFailures { get; private set; } = [];

    /// <summary>Read the fleet with one query per host per <see cref="Interval"/> (processes started from here each
    /// time) instead of the long-lived sources. For comparison (bench/Measure-FleetEvents.ps1).</summary>
    public bool UsePolling { get; init; }

    /// <summary>The long-lived sources, one per host (empty when polling or before <see cref="RunAsync"/>).</summary>
    public IReadOnlyList<HostStream> Streams => _streams;

    /// <summary>Progress of the sources (started, lost, restarted; each record read), for -Verbose.</summary>
    public Action<string>? Note { get; init; }

    private readonly List<HostStream> _streams = [];
    private readonly Dictionary<string, (HostState? State, HostFailure? Failure)> _states = new(StringComparer.Ordinal);
    // Set by a source's record or loss. No spinning before a wait blocks: the follower waits on it every second.
    private readonly ManualResetEventSlim _changed = new(false, spinCount: 0);

    /// <summary>Polls until <paramref name="ct"/> is cancelled, handing each event to <paramref name="emit"/> (on the
    /// polling task). The first poll is the baseline and gives no events.</summary>
    public async Task RunAsync(Action<FleetEvent> emit, CancellationToken ct, Action<IReadOnlyList<HostFailure>>? hostFailures = null, Action? baselineRead = null)
    {
        _messages?.SkipToEnd();
        if (!UsePolling)
        {
            await RunStreamsAsync(emit, ct, hostFailures, baselineRead).ConfigureAwait(false);
            return;
        }
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

    private async Task RunStreamsAsync(Action<FleetEvent> emit, CancellationToken ct, Action<IReadOnlyList<HostFailure>>? hostFailures, Action? baselineRead)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var tasks = new List<Task>();
        foreach (var g in _agents.GroupBy(a => a.Host, StringComparer.Ordinal))
        {
            var units = g.Select(a => SystemctlShow.AgentUnit(_context.Roster.Tenant, a.Name)).ToList();
            var stream = new HostStream(_context, g.Key, units);
            _streams.Add(stream);
            tasks.Add(Task.Run(() => stream.RunAsync((state, failure) =>
            {
                lock (_states) _states[stream.HostName] = (state, failure);
                if (state is not null) Note?.Invoke($"{stream.HostName}: record {stream.Records} read (the panes or units changed).");
                Signal();
            }, Note, stop.Token), CancellationToken.None));
        }
        try
        {
            // The loop runs on a thread of its own and waits there: an idle interval wakes no thread-pool worker (each
            // wake-up of one costs its spinning, measured in docs/benchmarks.md).
            await Task.Factory.StartNew(() => Follow(emit, hostFailures, baselineRead, tasks, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        finally
        {
            stop.Cancel();
            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private void Follow(Action<FleetEvent> emit, Action<IReadOnlyList<HostFailure>>? hostFailures, Action? baselineRead, List<Task> tasks, CancellationToken ct)
    {
        // The baseline waits for every host's first record (or its failure), at most the command timeout.
        var since = _context.Clock.GetTimestamp();
        while (true)
        {
            lock (_states) if (_states.Count == _streams.Count) break;
            var wait = _context.CommandTimeout - _context.Clock.GetElapsedTime(since);
            if (wait <= TimeSpan.Zero) break;
            WaitForChange(wait < Interval ? wait : Interval, ct);
            ThrowIfFaulted(tasks);
        }
        PollAsync(ct, baseline: true).GetAwaiter().GetResult();
        Task.Delay(ActivityRules.SampleInterval, _context.Clock, ct).GetAwaiter().GetResult();
        PollAsync(ct, baseline: true).GetAwaiter().GetResult();
        baselineRead?.Invoke();
        var changed = true;
        while (true)
        {
            var started = _context.Clock.GetTimestamp();
            // A reading when a source reported a change, or while a screen needs its follow-up capture (Activity
            // settles over two captures); otherwise nothing can have changed but the message log.
            IReadOnlyList<FleetEvent> events;
            if (changed)
            {
                events = PollAsync(ct).GetAwaiter().GetResult();
                hostFailures?.Invoke(LastHostFailures);
                changed = _capturedLast;
            }
            else
            {
                Skipped++;
                events = ReadMessageEvents();
            }
            foreach (var e in events) emit(e);
            ThrowIfFaulted(tasks);
            var left = Interval - _context.Clock.GetElapsedTime(started);
            if (left > TimeSpan.Zero)
            {
                if (WaitForChange(left, ct)) changed = true;
            }
            else
            {
                ct.ThrowIfCancellationRequested();
            }
        }
    }

    private static void ThrowIfFaulted(List<Task> tasks)
    {
        foreach (var t in tasks)
        {
            if (t.IsFaulted) t.GetAwaiter().GetResult();
        }
    }

    private void Signal() => _changed.Set();

    // True when a source reported something within the time; reset before the reading, so a later report is kept.
    private bool WaitForChange(TimeSpan timeout, CancellationToken ct)
    {
        if (!_changed.Wait(timeout, ct)) return false;
        _changed.Reset();
        return true;
    }

    /// <summary>One reading of the fleet; returns the changes since the previous one.</summary>
    public async Task<IReadOnlyList<FleetEvent>> PollAsync(CancellationToken ct, bool baseline = false)
    {
        Polls++;
        FleetSnapshot snapshot;
        if (UsePolling)
        {
            snapshot = await new FleetQuery(_context).GetAgentsAsync(_agents, ct).ConfigureAwait(false);
        }
        else
        {
            Dictionary<string, (HostState?, HostFailure?)> states;
            lock (_states)
            {
                states = new Dictionary<string, (HostState?, HostFailure?)>(StringComparer.Ordinal);
                foreach (var s in _streams)
                {
                    // A host that has not answered yet is Unreachable (as a query that timed out).
                    states[s.HostName] = _states.TryGetValue(s.HostName, out var v) ? v
                        : (null, new HostFailure(s.HostName, FleetErrorIds.FleetHostUnreachable, $"Cannot reach host {s.HostName}: no answer within {_context.CommandTimeout.TotalSeconds:0.#} s"));
                }
            }
            snapshot = new FleetQuery(_context).Assemble(_agents, states);
        }
        LastHostFailures = snapshot.HostFailures;
        var agents = snapshot.Agents;
        var toCapture = agents.Where(_screens.NeedsCapture).ToList();
        var screens = toCapture.Count == 0 ? [] : await _probe.CaptureAllAsync(toCapture, ct).ConfigureAwait(false);
        Captures += toCapture.Count;
        _capturedLast = toCapture.Count > 0;
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
        if (!baseline) events.AddRange(ReadMessageEvents());
        return events;
    }

    // The message log's new lines of this roster's agents.
    private List<FleetEvent> ReadMessageEvents()
    {
        var events = new List<FleetEvent>();
        if (_messages is null) return events;
        foreach (var entry in _messages.ReadNew())
        {
            if (!_names.Contains(entry.Agent) || !string.Equals(entry.Tenant, _context.Roster.Tenant, StringComparison.Ordinal)) continue;
            events.Add(MessageEvent(entry));
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
