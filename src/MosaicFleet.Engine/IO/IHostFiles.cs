namespace MosaicFleet.Engine.IO;

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
