namespace MosaicFleet.Engine.Observation;

public sealed class WatchException(string errorId, string message) : Exception(message)
{
    public string ErrorId { get; } = errorId;
}
