namespace MosaicFleet.Engine.Messaging;

/// <summary>An exclusive lock on a file, taken with a timeout. On Linux .NET takes FileShare.None as flock(LOCK_EX):
/// the kernel drops it when the holder exits or dies, so a crashed sender never leaves an agent locked
/// (unlike `tmux wait-for -L`, which has no timeout and stays locked when its holder dies).</summary>
public sealed class FileLock : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDir = Private | UnixFileMode.UserExecute;

    private FileLock(FileStream stream) => Stream = stream;

    /// <summary>The locked file, positioned at its start.</summary>
    public FileStream Stream { get; }

    public static async Task<FileLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken, FileAccess access = FileAccess.ReadWrite)
    {
        var dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
            else Directory.CreateDirectory(dir, PrivateDir);
        }
        var deadline = DateTime.UtcNow + timeout;
        var delay = 5;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var options = new FileStreamOptions
                {
                    Mode = access == FileAccess.Read ? FileMode.Open : FileMode.OpenOrCreate,
                    Access = access,
                    // FileShare.None: an exclusive flock. FileShare.Read for readers: a shared flock.
                    Share = access == FileAccess.Read ? FileShare.Read : FileShare.None,
                };
                if (!OperatingSystem.IsWindows() && access != FileAccess.Read) options.UnixCreateMode = Private;
                return new FileLock(new FileStream(path, options));
            }
            catch (IOException) when (File.Exists(path) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 50);
            }
            catch (IOException ex) when (File.Exists(path))
            {
                throw new TimeoutException($"Could not lock {path} within {timeout.TotalSeconds:0.#} s: another sender holds it.", ex);
            }
        }
    }

    public void Dispose() => Stream.Dispose();
}

/// <summary>Where per-agent send locks live: $XDG_RUNTIME_DIR/mosaic-fleet/locks (else a private folder in /tmp).</summary>
public static class AgentLocks
{
    /// <summary>The lock directory. Without $XDG_RUNTIME_DIR it is $TMPDIR/mosaic-fleet-&lt;user&gt;/locks, and the
    /// mosaic-fleet-&lt;user&gt; folder is used only when this user owns it, it is 0700 and no symlink (another user could
    /// have made it first, to plant symlinks or hold our locks): else <see cref="IO.UnsafePathException"/>
    /// (<see cref="IO.OwnedPath.LockDirectoryUnsafeId"/>) says why.</summary>
    public static string Directory(Func<string, string?> getEnv)
    {
        var runtime = getEnv("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtime) && System.IO.Directory.Exists(runtime)) return Path.Combine(runtime, "mosaic-fleet", "locks");
        var tmp = getEnv("TMPDIR") is { Length: > 0 } t && Path.IsPathRooted(t) ? t : "/tmp";
        if (OperatingSystem.IsWindows()) tmp = Path.GetTempPath();
        var shared = Path.Combine(tmp, $"mosaic-fleet-{Environment.UserName}");
        IO.OwnedPath.EnsurePrivateDirectory(shared, IO.OwnedPath.LockDirectoryUnsafeId);
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
