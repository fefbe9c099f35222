using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>The lifecycle objects for one host: its <see cref="LaunchBuilder"/> (paths, programs and PATH prefix found on
/// that host) and its files (this machine's, or <see cref="RemoteHostFiles"/> over ssh).</summary>
public sealed record HostLifecycle(LaunchBuilder Builder, IHostFiles Files)
{
    /// <param name="localPaths">This machine's lifecycle paths (from its environment); a remote host's come from its own.</param>
    public static async Task<HostLifecycle> ForHostAsync(FleetContext context, string hostName, LifecyclePaths localPaths, CancellationToken ct)
    {
        if (hostName == FleetHost.LocalName) return new HostLifecycle(new LaunchBuilder(context, localPaths), LocalHostFiles.Instance);
        var profile = await RemoteHostProbe.ReadAsync(context, hostName, ct).ConfigureAwait(false);
        var files = new RemoteHostFiles(context, hostName, ct);
        return new HostLifecycle(new LaunchBuilder(context, profile.Paths, profile, files), files);
    }
}
