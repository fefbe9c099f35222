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
        // A symlink is never "current", even to a file with these bytes: the write replaces the link itself.
        if (new FileInfo(path).LinkTarget is not null) return false;
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
        var dir = Path.GetDirectoryName(path)!;
        // A folder of ours left at 0777 (or 0755 for secrets) is tightened, even when the file itself is current.
        if (directoryMode is { } tight && !OperatingSystem.IsWindows() && Directory.Exists(dir)) OwnedPath.Tighten(dir, tight);
        if (IsCurrent(path, content, mode)) return false;
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
