using System.Management.Automation;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Internal;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Cmdlets;

/// <summary>Reads the message log ($XDG_STATE_HOME/mosaic/fleet/messages.jsonl) back as typed entries, oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "FleetMessageLog")]
[OutputType(typeof(FleetMessageLogEntry))]
public sealed class GetFleetMessageLogCommand : FleetCmdlet
{
    /// <summary>Only entries for these agents; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[]? Name { get; set; }

    /// <summary>Only the last N matching entries.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? Last { get; set; }

    /// <summary>Only entries at or after this time.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    protected override void ProcessRecord()
    {
        GatherNames(Name);
    }

    // The log is read without a roster: it outlives agents that were removed from it.
    protected override void EndProcessing()
    {
        // Fed by a pipeline that brought nothing: no entries (never the whole log).
        if (EmptyPipeline) return;
        // A malformed pattern is refused before the log is read.
        var names = GatheredNames;
        var patterns = names.Count > 0 ? Patterns(names, "Name") : null;
        var home = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        // Every tenant's log (rosters of different tenants log apart), merged in time order.
        var entries = new List<FleetMessageLogEntry>();
        foreach (var path in MessageLog.AllPaths(Environment.GetEnvironmentVariable, home))
        {
            entries.AddRange(ReadLog(new MessageLog(path)));
        }
        entries = entries.OrderBy(e => e.Time).ToList();
        IEnumerable<FleetMessageLogEntry> selected = entries;
        if (patterns is not null) selected = selected.Where(e => patterns.Any(p => p.IsMatch(e.Agent)));
        if (Since is { } since)
        {
            var s = since.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Local)) : new DateTimeOffset(since);
            selected = selected.Where(e => e.Time >= s);
        }
        var list = selected.ToList();
        if (Last is { } last && list.Count > last) list = list.GetRange(list.Count - last, last);
        foreach (var e in list) WriteObject(e);
    }

    private List<FleetMessageLogEntry> ReadLog(MessageLog log)
    {
        WriteVerbose($"Message log: {log.Path}");
        List<FleetMessageLogEntry> entries;
        int malformed;
        try
        {
            (entries, malformed) = Await(log.ReadAsync(StopToken));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TimeoutException)
        {
            ThrowTerminatingError(new ErrorRecord(new IOException($"Cannot read the message log {log.Path}: {ex.Message}", ex), FleetErrorIds.MessageLogUnreadable, FleetErrors.For(FleetErrorIds.MessageLogUnreadable), log.Path)
            {
                ErrorDetails = new ErrorDetails($"Cannot read the message log {log.Path}: {ex.Message}")
                {
                    RecommendedAction = "Check the file's permissions; if a sender holds its lock, try again.",
                },
            });
            return [];
        }
        if (malformed > 0) WriteWarning($"{malformed} line(s) of {log.Path} are not log entries and were skipped.");
        return entries;
    }
}
