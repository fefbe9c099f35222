using MosaicFleet.Engine.IO;
using System.Text;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>A lifecycle problem with a stable error id.</summary>
public sealed class LifecycleException(string errorId, string message, string target, Exception? inner = null) : Exception(message, inner)
{
    public string ErrorId { get; } = errorId;

    public string Target { get; } = target;
}
