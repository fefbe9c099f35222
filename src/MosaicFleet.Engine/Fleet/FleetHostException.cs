namespace MosaicFleet.Engine.Fleet;

/// <summary>A host that could not be reached or queried: its name, a FleetErrorIds id and what happened. Each cmdlet
/// reports it once per host, the host as target.</summary>
public sealed class FleetHostException(string host, string errorId, string message) : Exception(message)
{
    public string Host { get; } = host;

    public string ErrorId { get; } = errorId;
}
