using MosaicFleet.Engine.Fleet;

namespace MosaicFleet.Engine.Messaging;

/// <summary>One thing to deliver to one agent.</summary>
/// <param name="Agent">The roster agent.</param>
/// <param name="Message">The message as given (logged and reported).</param>
/// <param name="Source">The source label; null or empty types <paramref name="Message"/> unlabelled (a reset command).</param>
/// <param name="Kind">"message" or "reset" (the log's kind).</param>
public sealed record SendRequest(FleetAgentSpec Agent, string Message, string? Source, string Kind = "message")
{
    /// <summary>Exactly what is pasted into the pane.</summary>
    public string TypedText => MessageText.Compose(Source, Message);

    /// <summary>Who sent it, for the result and the log, when nothing is typed as a label (a reset).</summary>
    public string? LogSource { get; init; }
}

/// <summary>Where a send stands: deliveries ended of the total, and the agents still pending (in request order).</summary>
public sealed record SendProgress(int Done, int Total, IReadOnlyList<string> Pending);
