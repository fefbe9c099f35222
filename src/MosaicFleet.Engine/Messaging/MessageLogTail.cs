using MosaicFleet.Engine.IO;

namespace MosaicFleet.Engine.Messaging;

/// <summary>The message log's new entries, for the Message events.</summary>
public sealed class MessageLogTail(string path, int keep)
{
    private readonly JsonlTail _tail = new(path);

    public int Keep { get; } = keep;

    public void SkipToEnd() => _tail.SkipToEnd();

    public IEnumerable<FleetMessageLogEntry> ReadNew()
    {
        foreach (var line in _tail.ReadNew())
        {
            if (MessageLog.Parse(line) is { } e) yield return e;
        }
    }
}
