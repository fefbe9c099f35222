namespace MosaicFleet.Engine.IO;

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
