namespace MosaicFleet;

/// <summary>One change in the fleet, as Get-FleetEvent reports it: an agent's Status, Activity, Drift or ServiceState
/// changed, a message was sent (Property Message), or the agent's pane was replaced (Property Restart).</summary>
public sealed class FleetEvent
{
    public DateTimeOffset Time { get; set; }
    public string Tenant { get; set; } = "local";
    public string Agent { get; set; } = "";
    public string Host { get; set; } = "local";
    /// <summary>Status, Activity, Drift, ServiceState, Message or Restart (see <see cref="FleetEventProperty"/>).</summary>
    public string Property { get; set; } = "";
    /// <summary>The value before the change (null for the first reading, and for Message).</summary>
    public string? From { get; set; }
    /// <summary>The value after the change (for Message: the send's status).</summary>
    public string? To { get; set; }
    /// <summary>What else is known: a dead pane's exit status, the drift reason, the host's error, the message text.</summary>
    public string? Detail { get; set; }

    public override string ToString() => $"{Time:u} {Agent} {Property} {From} -> {To}";
}

/// <summary>The properties a FleetEvent reports.</summary>
public static class FleetEventProperty
{
    public const string Status = "Status";
    public const string Activity = "Activity";
    public const string Drift = "Drift";
    public const string ServiceState = "ServiceState";
    public const string Message = "Message";
    public const string Restart = "Restart";

    public static readonly string[] All = [Status, Activity, Drift, ServiceState, Message, Restart];
}
