using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Messaging;

/// <summary>Where per-agent send locks live: $XDG_RUNTIME_DIR/mosaic-fleet/locks (else a private folder in /tmp).</summary>
public static class AgentLocks
{
    /// <summary>The lock directory. Without $XDG_RUNTIME_DIR it is $TMPDIR/mosaic-fleet-&lt;user&gt;/locks, and the
    /// mosaic-fleet-&lt;user&gt; folder is used only when this user owns it, it is 0700 and no symlink (another user could
    /// have made it first, to plant symlinks or hold our locks): else <see cref="IO.UnsafePathException"/>
    /// (<see cref="FleetErrorIds.LockDirectoryUnsafe"/>) says why.</summary>
    public static string Directory(Func<string, string?> getEnv)
    {
        var runtime = getEnv("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtime) && System.IO.Directory.Exists(runtime)) return Path.Combine(runtime, "mosaic-fleet", "locks");
        var tmp = getEnv("TMPDIR") is { Length: > 0 } t && Path.IsPathRooted(t) ? t : "/tmp";
        if (OperatingSystem.IsWindows()) tmp = Path.GetTempPath();
        var shared = Path.Combine(tmp, $"mosaic-fleet-{Environment.UserName}");
        OwnedPath.EnsurePrivateDirectory(shared, FleetErrorIds.LockDirectoryUnsafe);
        return Path.Combine(shared, "locks");
    }

    public static string PathFor(string directory, string tenant, string host, string agent)
        => Path.Combine(directory, $"{Safe(tenant)}.{Safe(host)}.{Safe(agent)}.lock");

    private static string Safe(string s)
    {
        var chars = s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray();
        return new string(chars);
    }
}
