using System.Runtime.InteropServices;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.IO;

/// <summary>A path of ours that is not safe to use: someone else owns it, others may write it, or it is a symlink we did
/// not make. <see cref="ErrorId"/> is stable; the message says why and what to do.</summary>
public sealed class UnsafePathException(string errorId, string path, string message) : IOException(message)
{
    public string ErrorId { get; } = errorId;

    public string Path { get; } = path;
}

/// <summary>Checks on the files and directories MosaicFleet keeps for itself (send locks, the message log, the agents'
/// environment files): read with lstat (a symlink is seen as one, never followed), owner and mode compared with ours.</summary>
public static class OwnedPath
{
    /// <summary>First line of every file MosaicFleet writes (units, env files); uninstall removes only files that carry it.</summary>
    public const string Marker = "# Written by MosaicFleet";


    /// <summary>What lstat says about a path; null when it does not exist.</summary>
    public sealed record Status(bool IsDirectory, bool IsSymlink, uint Uid, UnixFileMode Mode);

    public static Status? LStat(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            var info = new FileInfo(path);
            if (!info.Exists && !Directory.Exists(path) && info.LinkTarget is null) return null;
            return new Status(Directory.Exists(path), info.LinkTarget is not null, 0, OperatingSystem.IsWindows() ? 0 : info.UnixFileMode);
        }
        var buffer = new byte[256];
        // statx: one struct layout on every Linux architecture (struct stat differs between x86_64 and arm64).
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20) return null; // ENOENT, ENOTDIR
            throw new IOException($"Cannot read the status of {path} (errno {errno}).");
        }
        var uid = BitConverter.ToUInt32(buffer, 20);
        var mode = BitConverter.ToUInt16(buffer, 28);
        var type = mode & 0xF000;
        return new Status(type == 0x4000, type == 0xA000, uid, (UnixFileMode)(mode & 0xFFF));
    }

    /// <summary>This process's effective user id (0 off Linux).</summary>
    public static uint CurrentUid => OperatingSystem.IsLinux() ? GetEuid() : 0;

    /// <summary>Makes <paramref name="path"/> a directory of ours with mode 0700, or fails saying why: it must not be a
    /// symlink, must be owned by this user and must be 0700 exactly (a shared /tmp folder of that name may have been
    /// made by another user, to read our locks or to hold them). Created here when missing.</summary>
    public static void EnsurePrivateDirectory(string path, string errorId)
    {
        if (OperatingSystem.IsWindows()) { Directory.CreateDirectory(path); return; }
        if (LStat(path) is null)
        {
            try
            {
                Directory.CreateDirectory(path, AtomicFile.PrivateDirectoryMode);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new UnsafePathException(errorId, path, $"Cannot create the private directory {path}: {ex.Message}");
            }
        }
        // Checked after creating too: another user may have made it first (CreateDirectory does not fail then).
        var s = LStat(path) ?? throw new UnsafePathException(errorId, path, $"The private directory {path} vanished after it was created.");
        // Ours, no symlink, and nobody else could ever write in it (e.g. 0755, as an older version made it): made 0700.
        // Group- or world-writable is refused: someone else may have put files or symlinks in it.
        if (s is { IsSymlink: false, IsDirectory: true } && s.Uid == CurrentUid && s.Mode != AtomicFile.PrivateDirectoryMode
            && (s.Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0)
        {
            File.SetUnixFileMode(path, AtomicFile.PrivateDirectoryMode);
            s = s with { Mode = AtomicFile.PrivateDirectoryMode };
        }
        string? why = s.IsSymlink ? "it is a symbolic link"
            : !s.IsDirectory ? "it is not a directory"
            : s.Uid != CurrentUid ? $"it belongs to another user (uid {s.Uid})"
            : s.Mode != AtomicFile.PrivateDirectoryMode ? $"its mode is {Octal(s.Mode)}, not 0700 (other users could read or write it)"
            : null;
        if (why is not null)
        {
            throw new UnsafePathException(errorId, path, $"MosaicFleet will not use {path}: {why}. Remove it (or set XDG_RUNTIME_DIR to a private directory), then try again.");
        }
    }

    /// <summary>Refuses a file of ours that is a symlink (we never make one; following it would write wherever it points).</summary>
    public static void RefuseSymlink(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        if (LStat(path) is { IsSymlink: true })
        {
            throw new UnsafePathException(FleetErrorIds.FileIsSymlink, path, $"MosaicFleet will not use {path}: it is a symbolic link, and MosaicFleet never makes one there. Remove it, then try again.");
        }
    }

    /// <summary>Sets the mode of an existing directory of ours when it differs (0777 left by someone else becomes 0700).
    /// A directory of another user, or a symlink, is left alone.</summary>
    public static void Tighten(string directory, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) return;
        if (LStat(directory) is { IsDirectory: true, IsSymlink: false } s && s.Uid == CurrentUid && s.Mode != mode) File.SetUnixFileMode(directory, mode);
    }

    public static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8);

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();
}
