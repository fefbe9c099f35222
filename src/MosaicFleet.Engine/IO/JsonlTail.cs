using System.Text;

namespace MosaicFleet.Engine.IO;

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
        // No exception for the common "no log yet" (a follower asks every second).
        if (!File.Exists(file)) return null;
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
