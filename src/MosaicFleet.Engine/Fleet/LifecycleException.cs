namespace MosaicFleet.Engine.Fleet;

/// <summary>A lifecycle problem with a stable error id.</summary>
public sealed class LifecycleException(string errorId, string message, string target, Exception? inner = null) : Exception(message, inner)
{
    public string ErrorId { get; } = errorId;

    public string Target { get; } = target;
}
