using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.IO;
using System.Collections.Concurrent;
using System.Management.Automation;
using MosaicFleet.Engine.Events;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Internal;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Cmdlets;

/// <summary>The fleet's changes as FleetEvent objects: read from the event record (-Since), or followed live (-Follow), or
/// recorded by the recorder service (-Record).</summary>
[Cmdlet(VerbsCommon.Get, "FleetEvent", DefaultParameterSetName = ReadSet)]
[OutputType(typeof(FleetEvent))]
public sealed class GetFleetEventCommand : FleetCmdlet
{
    private const string ReadSet = "Read";
    private const string FollowSet = "Follow";
    private const string RecordSet = "Record";


    private readonly List<string> _names = [];

    /// <summary>Only events of these agents; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ReadSet)]
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = FollowSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[]? Name { get; set; }

    /// <summary>Only events of these properties.</summary>
    [Parameter(ParameterSetName = ReadSet)]
    [Parameter(ParameterSetName = FollowSet)]
    [ValidateSet("Status", "Activity", "Drift", "ServiceState", "Message", "Restart")]
    public string[]? Property { get; set; }

    /// <summary>Keep running and emit each change as it happens, until Ctrl+C.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FollowSet)]
    public SwitchParameter Follow { get; set; }

    /// <summary>Recorded events at or after this time (from the event record).</summary>
    [Parameter(ParameterSetName = ReadSet)]
    [Parameter(ParameterSetName = FollowSet)]
    public DateTime? Since { get; set; }

    /// <summary>Only the last N recorded events.</summary>
    [Parameter(ParameterSetName = ReadSet)]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; }

    /// <summary>Run as the event recorder: follow the whole roster and append every event to the record. Used by the
    /// unit that Install-FleetUnit -EventRecorder writes; emits nothing.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RecordSet)]
    public SwitchParameter Record { get; set; }

    protected override void ProcessRecord()
    {
        if (Name is not null) _names.AddRange(Name);
    }

    protected override void EndProcessing()
    {
        var patterns = _names.Count > 0 ? Patterns(_names, "Name") : null;
        var record = EventRecordFor(Roster);
        WriteVerbose($"Event record: {record.Path}");
        bool Wanted(FleetEvent e) =>
            (patterns is null || patterns.Any(p => p.IsMatch(e.Agent)))
            && (Property is not { Length: > 0 } || Property.Contains(e.Property, StringComparer.OrdinalIgnoreCase));

        if (Record)
        {
            RunRecorder(record);
            return;
        }
        if (!Follow)
        {
            var list = ReadRecord(record).Where(Wanted).ToList();
            if (Last > 0 && list.Count > Last) list = list.GetRange(list.Count - Last, Last);
            foreach (var e in list) WriteObject(WithRoster(e));
            return;
        }

        // -Follow: if the recorder runs, continue from its record; otherwise poll the fleet here.
        var specs = SelectAgents(_names);
        if (_names.Count > 0 && specs.Count == 0) return;
        if (record.RecorderRuns())
        {
            WriteVerbose($"The event recorder runs: following {record.Path}.");
            var tail = record.Tail();
            tail.SkipToEnd();
            if (Since is not null) foreach (var e in ReadRecord(record).Where(Wanted)) WriteObject(WithRoster(e));
            FollowRecord(record, tail, Wanted, out var recorderStopped);
            if (!recorderStopped) return;
            WriteWarning($"The event recorder stopped; following the fleet from here.");
        }
        else if (Since is not null)
        {
            foreach (var e in ReadRecord(record).Where(Wanted)) WriteObject(WithRoster(e));
        }
        FollowFleet(specs, Wanted, null);
    }

    internal static EventRecord EventRecordFor(FleetRoster roster)
    {
        var home = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new EventRecord(EventRecord.DefaultPath(Environment.GetEnvironmentVariable, home, roster.Tenant)) { MaxBytes = roster.Logs.MaxBytes, Keep = roster.Logs.Keep };
    }

    // The message log of the roster's tenant (each tenant logs apart: TenantNames.MessageLog).
    private static string MessageLogPath(FleetRoster roster)
    {
        var home = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return MessageLog.DefaultPath(Environment.GetEnvironmentVariable, home, roster.Tenant);
    }

    private IEnumerable<FleetEvent> ReadRecord(EventRecord record)
    {
        List<FleetEvent> events;
        int malformed;
        try
        {
            (events, malformed) = Await(record.ReadAsync(StopToken));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TimeoutException)
        {
            var message = $"Cannot read the event record {record.Path}: {ex.Message}";
            ThrowTerminatingError(new ErrorRecord(new IOException(message, ex), FleetErrorIds.EventRecordUnreadable, FleetErrors.For(FleetErrorIds.EventRecordUnreadable), record.Path)
            {
                ErrorDetails = new ErrorDetails(message) { RecommendedAction = "Check the file's permissions." },
            });
            return [];
        }
        if (malformed > 0) WriteWarning($"{malformed} line(s) of the event record {record.Path} are not events and were skipped.");
        if (events.Count == 0 && !File.Exists(record.Path)) WriteVerbose($"No event record yet ({record.Path}); install the recorder with Install-FleetUnit -EventRecorder.");
        if (Since is { } since)
        {
            var s = since.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Local)) : new DateTimeOffset(since);
            return events.Where(e => e.Time >= s);
        }
        return events;
    }

    private void FollowRecord(EventRecord record, JsonlTail tail, Func<FleetEvent, bool> wanted, out bool recorderStopped)
    {
        recorderStopped = false;
        var lastCheck = DateTime.UtcNow;
        while (true)
        {
            foreach (var line in tail.ReadNew())
            {
                if (EventRecord.Parse(line) is { } e && wanted(e)) WriteObject(WithRoster(e));
            }
            if (DateTime.UtcNow - lastCheck > TimeSpan.FromSeconds(5))
            {
                lastCheck = DateTime.UtcNow;
                if (!record.RecorderRuns())
                {
                    recorderStopped = true;
                    return;
                }
            }
            Await(Task.Delay(TimeSpan.FromMilliseconds(250), StopToken));
        }
    }

    /// <summary>Follows the fleet on a task of its own (one long-lived source process per host); this thread writes what
    /// it finds. Ctrl+C cancels the task, which kills the sources (and any tmux/ssh child the runner started), and ends
    /// the loop.</summary>
    private void FollowFleet(List<FleetAgentSpec> specs, Func<FleetEvent, bool> wanted, EventRecord? recordTo)
    {
        if (specs.Count == 0)
        {
            WriteVerbose("The roster has no agents to follow.");
        }
        var queue = new BlockingCollection<object>();
        // MOSAIC_FLEET_EVENTS_POLL=1 reads the fleet by timed polling instead of the long-lived sources (the benchmark's
        // comparison; docs/benchmarks.md).
        var watcher = new FleetEventWatcher(Context, specs, MessageLogPath(Roster))
        {
            UsePolling = Environment.GetEnvironmentVariable("MOSAIC_FLEET_EVENTS_POLL") == "1",
            Note = note => queue.Add(new SourceNote(note)),
        };
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(StopToken);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        var task = Task.Run(async () =>
        {
            try
            {
                await watcher.RunAsync(e => queue.Add(e), linked.Token, failures => queue.Add(failures), () => queue.Add(BaselineRead)).ConfigureAwait(false);
            }
            finally
            {
                queue.CompleteAdding();
            }
        });
        try
        {
            while (!queue.IsCompleted)
            {
                object item;
                try
                {
                    if (!queue.TryTake(out item!, Timeout.Infinite, StopToken)) continue;
                }
                catch (OperationCanceledException)
                {
                    throw new PipelineStoppedException();
                }
                catch (InvalidOperationException)
                {
                    break; // completed while waiting
                }
                if (ReferenceEquals(item, BaselineRead))
                {
                    WriteVerbose($"Following {specs.Count} agent(s) from {DateTime.Now:HH:mm:ss}: the first readings are the baseline, changes from now on are events.");
                }
                else if (item is SourceNote n)
                {
                    WriteVerbose(n.Text);
                }
                else if (item is FleetEvent e)
                {
                    if (recordTo is not null) AppendToRecord(recordTo, e);
                    else if (wanted(e)) WriteObject(WithRoster(e));
                }
                else if (item is IReadOnlyList<Engine.Fleet.HostFailure> failures)
                {
                    foreach (var f in failures)
                    {
                        if (reported.Add(f.Host)) WriteWarning($"{f.Host}: {f.Message} (its agents are Unreachable until it answers again).");
                    }
                    reported.RemoveWhere(h => !failures.Any(f => f.Host == h));
                }
            }
        }
        finally
        {
            linked.Cancel();
            try
            {
                task.Wait(TimeSpan.FromSeconds(10));
            }
            catch (AggregateException)
            {
            }
        }
        if (task.IsFaulted && !StopToken.IsCancellationRequested)
        {
            var ex = task.Exception!.GetBaseException();
            ThrowTerminatingError(new ErrorRecord(ex, FleetErrorIds.FleetEventFollowFailed, FleetErrors.For(FleetErrorIds.FleetEventFollowFailed), null));
        }
    }

    private static readonly object BaselineRead = new();

    private sealed record SourceNote(string Text);

    private void RunRecorder(EventRecord record)
    {
        FileStream? writer;
        try
        {
            writer = record.TryTakeWriterLock();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(ex, FleetErrorIds.EventRecordWriteFailed, FleetErrors.For(FleetErrorIds.EventRecordWriteFailed), record.WriterLockPath) { ErrorDetails = new ErrorDetails(ex.Message) });
            return;
        }
        using var held = writer;
        if (writer is null)
        {
            var message = $"Another event recorder already writes {record.Path} (it holds {record.WriterLockPath}).";
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(message), FleetErrorIds.EventRecorderAlreadyRunning, FleetErrors.For(FleetErrorIds.EventRecorderAlreadyRunning), record.Path)
            {
                ErrorDetails = new ErrorDetails(message) { RecommendedAction = "Only one recorder per roster runs; see systemctl --user status mosaic-fleet-events*.service." },
            });
            return;
        }
        WriteVerbose($"Recording events of {Roster.Agents.Count} agent(s) to {record.Path}.");
        FollowFleet(Roster.Agents.ToList(), _ => true, record);
    }

    private void AppendToRecord(EventRecord record, FleetEvent e)
    {
        try
        {
            Await(record.AppendAsync([e], StopToken));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TimeoutException)
        {
            WriteError(new ErrorRecord(ex, FleetErrorIds.EventRecordWriteFailed, FleetErrors.For(FleetErrorIds.EventRecordWriteFailed), record.Path));
        }
    }

    // Every event carries the path of the roster it was read with (issue 17).
    private FleetEvent WithRoster(FleetEvent e)
    {
        e.RosterPath = Roster.Path;
        return e;
    }
}
