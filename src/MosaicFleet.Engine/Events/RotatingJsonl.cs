using System.Text;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Messaging;

namespace MosaicFleet.Engine.Events;

/// <summary>Size-based rotation of an append-only JSONL file (the message log, the event record). The live file keeps its
/// inode: when an append would take it past <c>maxBytes</c>, its content is copied (atomically, mode 0600) to
/// <c>path.1</c> after older copies move up (<c>path.1</c> to <c>path.2</c>, ...; the oldest beyond <c>keep</c> is
/// deleted), and it is truncated, all under the writers' exclusive lock on the live file. Writers that wait for that lock
/// therefore still write to the live file, and a follower that finds the file shorter than its offset reads the rest of
/// <c>path.1</c> from that offset.</summary>
public static class RotatingJsonl
{
    public const long DefaultMaxBytes = 10L * 1024 * 1024;
    public const int DefaultKeep = 5;

    /// <summary>The rotated copy number <paramref name="n"/> (1 = the newest).</summary>
    public static string Rotated(string path, int n) => $"{path}.{n}";

    /// <summary>Every file of the log, oldest first: the rotated copies path.1, path.2, ... as far as they go (whatever
    /// keep was when they were written, so a reader needs no roster), newest copy last, then the live file.</summary>
    public static IReadOnlyList<string> Files(string path)
    {
        var list = new List<string>();
        for (var n = 1; n <= 1000 && File.Exists(Rotated(path, n)); n++) list.Insert(0, Rotated(path, n));
        if (File.Exists(path)) list.Add(path);
        return list;
    }

    /// <summary>Rotates the locked live file when <paramref name="incoming"/> more bytes would take it past
    /// <paramref name="maxBytes"/>. The caller holds the exclusive lock on <paramref name="live"/> (opened read/write).
    /// Returns true when it rotated.</summary>
    public static bool RotateIfNeeded(string path, FileStream live, long incoming, long maxBytes, int keep)
    {
        if (maxBytes <= 0 || live.Length == 0 || live.Length + incoming <= maxBytes) return false;
        keep = Math.Max(keep, 1);
        var oldest = Rotated(path, keep);
        if (File.Exists(oldest)) File.Delete(oldest);
        for (var n = keep - 1; n >= 1; n--)
        {
            var from = Rotated(path, n);
            if (File.Exists(from)) File.Move(from, Rotated(path, n + 1), overwrite: true);
        }
        var content = new byte[live.Length];
        live.Seek(0, SeekOrigin.Begin);
        live.ReadExactly(content);
        AtomicFile.Write(Rotated(path, 1), content, AtomicFile.PrivateMode);
        live.SetLength(0);
        live.Flush(flushToDisk: true);
        return true;
    }

    /// <summary>Appends lines under the exclusive lock, rotating first when needed. A line torn by a crash (no trailing
    /// newline) does not swallow the next one.</summary>
    public static async Task AppendAsync(string path, string text, long maxBytes, int keep, TimeSpan lockTimeout, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        using var held = await FileLock.AcquireAsync(path, lockTimeout, ct).ConfigureAwait(false);
        var fs = held.Stream;
        RotateIfNeeded(path, fs, bytes.Length, maxBytes, keep);
        fs.Seek(0, SeekOrigin.End);
        if (fs.Length > 0)
        {
            fs.Seek(-1, SeekOrigin.End);
            var last = fs.ReadByte();
            fs.Seek(0, SeekOrigin.End);
            if (last != '\n') fs.WriteByte((byte)'\n');
        }
        await fs.WriteAsync(bytes, CancellationToken.None).ConfigureAwait(false);
        fs.Flush(flushToDisk: true);
    }

    /// <summary>All lines of the log, oldest first, across rotation. Read under a shared lock on the live file (when it
    /// exists), so no rotation runs meanwhile.</summary>
    public static async Task<List<string>> ReadLinesAsync(string path, TimeSpan lockTimeout, CancellationToken ct)
    {
        var lines = new List<string>();
        FileLock? held = null;
        try
        {
            if (File.Exists(path)) held = await FileLock.AcquireAsync(path, lockTimeout, ct, FileAccess.Read).ConfigureAwait(false);
            foreach (var file in Files(path))
            {
                string text;
                if (held is not null && file == path)
                {
                    held.Stream.Seek(0, SeekOrigin.Begin);
                    using var reader = new StreamReader(held.Stream, Encoding.UTF8, false, 4096, leaveOpen: true);
                    text = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
                }
                else
                {
                    try
                    {
                        text = await File.ReadAllTextAsync(file, Encoding.UTF8, ct).ConfigureAwait(false);
                    }
                    catch (FileNotFoundException)
                    {
                        continue;
                    }
                }
                foreach (var line in text.Split('\n'))
                {
                    if (line.Trim().Length > 0) lines.Add(line);
                }
            }
        }
        finally
        {
            held?.Dispose();
        }
        return lines;
    }
}

/// <summary>Reads the lines appended to a rotating JSONL file since the last call (complete lines only; a rotation
/// between two calls is followed through <c>path.1</c>). No lock: the writer appends whole lines, and a line not yet
/// ended by its newline is read on the next call. A rotation truncates the live file, which may have grown past our
/// offset again by the next call; so the tail keeps the last bytes it read and checks that they are still there before
/// the offset: if not, the file was rotated.</summary>
public sealed class JsonlTail(string path)
{
    private const int Witness = 64;
    private long _offset;
    private byte[] _witness = [];
    private bool _started;

    public string Path { get; } = path;

    /// <summary>Starts at the current end of the file: only later lines are read.</summary>
    public void SkipToEnd()
    {
        _offset = 0;
        _witness = [];
        _started = true;
        try
        {
            using var fs = Open(Path);
            if (fs is null) return;
            _offset = fs.Length;
            _witness = ReadWitness(fs, _offset);
        }
        catch (IOException)
        {
        }
    }

    public long Offset => _offset;

    public IReadOnlyList<string> ReadNew()
    {
        if (!_started) SkipToEnd();
        var lines = new List<string>();
        try
        {
            using var fs = Open(Path);
            var length = fs?.Length ?? 0;
            var rotated = length < _offset || (fs is not null && _offset > 0 && !ReadWitness(fs, _offset).AsSpan().SequenceEqual(_witness));
            if (rotated)
            {
                // The rest of what we were reading is in path.1.
                using (var old = Open(RotatingJsonl.Rotated(Path, 1)))
                {
                    if (old is not null) ReadFrom(old, _offset, lines, out _);
                }
                _offset = 0;
                _witness = [];
            }
            if (fs is not null && fs.Length > _offset)
            {
                ReadFrom(fs, _offset, lines, out var consumed);
                _offset += consumed;
                if (consumed > 0) _witness = ReadWitness(fs, _offset);
            }
        }
        catch (IOException)
        {
        }
        return lines;
    }

    private static FileStream? Open(string file)
    {
        try
        {
            return new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static byte[] ReadWitness(FileStream fs, long end)
    {
        var n = (int)Math.Min(Witness, end);
        if (n <= 0 || fs.Length < end) return [];
        var buffer = new byte[n];
        fs.Seek(end - n, SeekOrigin.Begin);
        return fs.ReadAtLeast(buffer, n, throwOnEndOfStream: false) == n ? buffer : [];
    }

    private static void ReadFrom(FileStream fs, long offset, List<string> lines, out long consumed)
    {
        consumed = 0;
        if (offset >= fs.Length) return;
        fs.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[fs.Length - offset];
        var read = fs.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read == 0) return;
        var end = Array.LastIndexOf(buffer, (byte)'\n', read - 1);
        if (end < 0) return;
        consumed = end + 1;
        foreach (var line in Encoding.UTF8.GetString(buffer, 0, end + 1).Split('\n'))
        {
            if (line.Trim().Length > 0) lines.Add(line);
        }
    }
}

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
