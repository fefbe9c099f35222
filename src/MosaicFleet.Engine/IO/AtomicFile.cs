namespace MosaicFleet.Engine.IO;

/// <summary>Atomic, idempotent file writes: a temp file in the same directory, flushed, then renamed over the target.
/// A reader sees the old file or the new one, never half of one. Writing the bytes and mode a file already has
/// touches nothing (same mtime) and reports false.</summary>
public static class AtomicFile
{
    /// <summary>Owner read/write only (0600).</summary>
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>0644.</summary>
    public const UnixFileMode PublicMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>0700, for directories that hold secrets.</summary>
    public const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>True when <paramref name="path"/> already holds exactly <paramref name="content"/> with <paramref name="mode"/>.</summary>
    public static bool IsCurrent(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        if (!File.Exists(path)) return false;
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode)0xFFF) != mode) return false;
        var info = new FileInfo(path);
        if (info.Length != content.Length) return false;
        return File.ReadAllBytes(path).AsSpan().SequenceEqual(content);
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically with <paramref name="mode"/>
    /// (the mode is set on the temp file before any byte is written, so a secret is never readable by others).
    /// Returns false, touching nothing, when the file already has these bytes and this mode.</summary>
    public static bool Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode, UnixFileMode? directoryMode = null)
    {
        path = Path.GetFullPath(path);
        if (IsCurrent(path, content, mode)) return false;
        var dir = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir))
        {
            if (directoryMode is { } dm && !OperatingSystem.IsWindows()) Directory.CreateDirectory(dir, dm);
            else Directory.CreateDirectory(dir);
        }
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
            using (var fs = new FileStream(temp, options))
            {
                fs.Write(content);
                fs.Flush(flushToDisk: true);
            }
            // The umask may have cleared bits of UnixCreateMode; set the exact mode before the rename.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, mode);
            File.Move(temp, path, overwrite: true);
            return true;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Deletes a file; false when it did not exist.</summary>
    public static bool Delete(string path)
    {
        if (!File.Exists(path)) return false;
        File.Delete(path);
        return true;
    }
}

/// <summary>The files of one host, as lifecycle operations need them. Local today; a remote implementation
/// (over ssh) can be added without changing callers.</summary>
public interface IHostFiles
{
    string HostName { get; }

    bool Exists(string path);

    /// <summary>The file's bytes, or null when it does not exist.</summary>
    byte[]? Read(string path);

    /// <summary>True when the file already has these bytes and this mode.</summary>
    bool IsCurrent(string path, byte[] content, UnixFileMode mode);

    /// <summary>Atomic write (temp + rename); false when nothing had to change.</summary>
    bool WriteAtomic(string path, byte[] content, UnixFileMode mode, UnixFileMode? directoryMode = null);

    bool Delete(string path);

    /// <summary>File names (not paths) in <paramref name="directory"/> matching <paramref name="pattern"/>; empty when the directory is missing.</summary>
    IReadOnlyList<string> List(string directory, string pattern);
}

/// <summary>This machine's files.</summary>
public sealed class LocalHostFiles : IHostFiles
{
    public static readonly LocalHostFiles Instance = new();

    public string HostName => Processes.FleetHost.LocalName;

    public bool Exists(string path) => File.Exists(path);

    public byte[]? Read(string path) => File.Exists(path) ? File.ReadAllBytes(path) : null;

    public bool IsCurrent(string path, byte[] content, UnixFileMode mode) => AtomicFile.IsCurrent(path, content, mode);

    public bool WriteAtomic(string path, byte[] content, UnixFileMode mode, UnixFileMode? directoryMode = null)
        => AtomicFile.Write(path, content, mode, directoryMode);

    public bool Delete(string path) => AtomicFile.Delete(path);

    public IReadOnlyList<string> List(string directory, string pattern)
        => Directory.Exists(directory)
            ? Directory.GetFiles(directory, pattern).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];
}
