namespace MosaicFleet;

/// <summary>One line of the message log ($XDG_STATE_HOME/mosaic/fleet/messages.jsonl), as Get-FleetMessageLog reads it.</summary>
public sealed class FleetMessageLogEntry
{
    public DateTimeOffset Time { get; set; }
    public string Tenant { get; set; } = "local";
    public string Host { get; set; } = "local";
    public string Agent { get; set; } = "";
    public string Source { get; set; } = "";
    /// <summary>How the delivery ended, the same type as <see cref="FleetSendResult.Status"/> (the log file holds its name).</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<FleetSendStatus>))]
    public FleetSendStatus Status { get; set; }
    /// <summary>The message as given (without the source label).</summary>
    public string Message { get; set; } = "";
    /// <summary>"message" for Send-FleetMessage, "reset" for Reset-FleetAgent.</summary>
    public string Kind { get; set; } = "message";
    /// <summary>The full path of the roster the message was sent with (empty in lines written before it was logged).</summary>
    public string RosterPath { get; set; } = "";

    /// <summary>The agent name, as on every per-agent object.</summary>
    public override string ToString() => Agent;
}
