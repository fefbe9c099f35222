using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MosaicFleet.Engine.Messaging;

/// <summary>The message log: one JSON object per line in $XDG_STATE_HOME/mosaic/fleet/messages.jsonl (mode 0600: messages
/// may hold secrets). Each line is appended under an exclusive file lock, seeking to the end after the lock is held:
/// .NET's FileMode.Append keeps its own offset, so unlocked concurrent writers overwrite each other's lines.</summary>
public sealed class MessageLog
{
    public MessageLog(string path)
    {
        Path = path;
        _appends = new(AppendLinesAsync, CancellationToken.None);
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string Path { get; }

    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The size at which the log rotates (roster logs.maxSize); see <see cref="RotatingJsonl"/>.</summary>
    public long MaxBytes { get; init; } = RotatingJsonl.DefaultMaxBytes;

    /// <summary>How many rotated copies are kept (roster logs.keep).</summary>
    public int Keep { get; init; } = RotatingJsonl.DefaultKeep;

    /// <summary>The log of <paramref name="tenant"/>: $XDG_STATE_HOME/mosaic/fleet/messages.jsonl for the default tenant,
    /// messages.TENANT.jsonl for another (<see cref="TenantNames.MessageLog"/>).</summary>
    public static string DefaultPath(Func<string, string?> getEnv, string home, string tenant = TenantNames.DefaultTenant)
    {
        var state = getEnv("XDG_STATE_HOME");
        var root = !string.IsNullOrEmpty(state) && System.IO.Path.IsPathRooted(state) ? state : System.IO.Path.Combine(home, ".local", "state");
        return System.IO.Path.Combine(root, "mosaic", "fleet", TenantNames.MessageLog(tenant));
    }

    /// <summary>Every tenant's log in the folder of <see cref="DefaultPath"/>: the default tenant's first, then the others by name.</summary>
    public static IReadOnlyList<string> AllPaths(Func<string, string?> getEnv, string home)
    {
        var first = DefaultPath(getEnv, home);
        var dir = System.IO.Path.GetDirectoryName(first)!;
        var others = Directory.Exists(dir)
            ? Directory.GetFiles(dir, "messages.*.jsonl").Where(p => System.IO.Path.GetFileName(p).Count(c => c == '.') == 2).Order(StringComparer.Ordinal)
            : Enumerable.Empty<string>();
        return [first, .. others];
    }

    public static string Serialize(FleetMessageLogEntry entry) => JsonSerializer.Serialize(entry, Json);

    public static FleetMessageLogEntry? Parse(string line)
    {
        try
        {
            var e = JsonSerializer.Deserialize<FleetMessageLogEntry>(line, Json);
            return e is null || e.Agent.Length == 0 ? null : e;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Appends one line. Lines appended at the same time from this process share one lock and one flush
    /// (group commit): the first caller writes, the others' lines go with the next write.</summary>
    public async Task AppendAsync(FleetMessageLogEntry entry, CancellationToken cancellationToken)
    {
        var line = Serialize(entry) + "\n";
        await _appends.RunAsync(Path, line).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private readonly Coalescer<string, string, bool> _appends;

    private async Task<IReadOnlyList<bool>> AppendLinesAsync(string path, IReadOnlyList<string> lines, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(string.Concat(lines));
        PrepareDirectory(path);
        IO.OwnedPath.RefuseSymlink(path);
        using var held = await FileLock.AcquireAsync(path, LockTimeout, cancellationToken).ConfigureAwait(false);
        var fs = held.Stream;
        // Messages may hold secrets: a log left at 0644 (by an older version, a copy, a restore) is made 0600 again.
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(fs.SafeFileHandle) & (UnixFileMode)0xFFF) != IO.AtomicFile.PrivateMode)
        {
            File.SetUnixFileMode(fs.SafeFileHandle, IO.AtomicFile.PrivateMode);
        }
        RotatingJsonl.RotateIfNeeded(Path, fs, bytes.Length, MaxBytes, Keep);
        fs.Seek(0, SeekOrigin.End);
        // A line torn by a crash (no trailing newline) must not swallow ours.
        if (fs.Length > 0)
        {
            fs.Seek(-1, SeekOrigin.End);
            var last = fs.ReadByte();
            fs.Seek(0, SeekOrigin.End);
            if (last != '\n') fs.WriteByte((byte)'\n');
        }
        await fs.WriteAsync(bytes, CancellationToken.None).ConfigureAwait(false);
        fs.Flush(flushToDisk: true);
        return lines.Select(_ => true).ToList();
    }

    /// <summary>The log's folder ($XDG_STATE_HOME/mosaic/fleet) is ours: created 0700, and tightened to 0700 when it is not.</summary>
    private static void PrepareDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        var dir = System.IO.Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(dir)) return;
        if (!Directory.Exists(dir)) Directory.CreateDirectory(dir, IO.AtomicFile.PrivateDirectoryMode);
        else IO.OwnedPath.Tighten(dir, IO.AtomicFile.PrivateDirectoryMode);
    }

    /// <summary>Every entry in file order; <paramref name="malformed"/> counts lines that do not parse.</summary>
    public async Task<(List<FleetMessageLogEntry> Entries, int Malformed)> ReadAsync(CancellationToken cancellationToken)
    {
        var entries = new List<FleetMessageLogEntry>();
        var bad = 0;
        IO.OwnedPath.RefuseSymlink(Path);
        // Across rotation: messages.jsonl.N ... .1, then the live file.
        foreach (var line in await RotatingJsonl.ReadLinesAsync(Path, LockTimeout, cancellationToken).ConfigureAwait(false))
        {
            if (Parse(line) is { } e) entries.Add(e);
            else bad++;
        }
        return (entries, bad);
    }
}
