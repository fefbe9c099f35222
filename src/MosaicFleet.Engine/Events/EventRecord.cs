using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using MosaicFleet.Engine.Messaging;

namespace MosaicFleet.Engine.Events;

/// <summary>The event record of one tenant: $XDG_STATE_HOME/mosaic/fleet/&lt;tenant&gt;/events.jsonl (mode 0600), one
/// FleetEvent per line, rotated by size (<see cref="RotatingJsonl"/>). One writer: the recorder holds an exclusive lock on
/// <c>events.jsonl.writer</c> for as long as it runs, so a second recorder refuses to start and a follower can tell
/// that a recorder runs (the lock is taken) and read the record instead of polling the fleet itself.</summary>
public sealed class EventRecord(string path)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Path { get; } = path;

    public string WriterLockPath => Path + ".writer";

    public long MaxBytes { get; init; } = RotatingJsonl.DefaultMaxBytes;

    public int Keep { get; init; } = RotatingJsonl.DefaultKeep;

    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>$XDG_STATE_HOME/mosaic/fleet/&lt;tenant&gt;/events.jsonl (XDG_STATE_HOME defaults to ~/.local/state).</summary>
    public static string DefaultPath(Func<string, string?> getEnv, string home, string tenant)
    {
        var state = getEnv("XDG_STATE_HOME");
        var root = !string.IsNullOrEmpty(state) && System.IO.Path.IsPathRooted(state) ? state : System.IO.Path.Combine(home, ".local", "state");
        return System.IO.Path.Combine(root, "mosaic", "fleet", SafeSegment(tenant), "events.jsonl");
    }

    /// <summary>A tenant name as one path segment (no separator, no dot-only name).</summary>
    public static string SafeSegment(string tenant)
    {
        var s = new string(tenant.Select(c => c == '/' || c == '\\' || char.IsControl(c) ? '_' : c).ToArray());
        return s.Length == 0 || s.Trim('.').Length == 0 ? "_" + s : s;
    }

    public static string Serialize(FleetEvent e) => JsonSerializer.Serialize(e, Json);

    public static FleetEvent? Parse(string line)
    {
        try
        {
            var e = JsonSerializer.Deserialize<FleetEvent>(line, Json);
            return e is null || e.Agent.Length == 0 || e.Property.Length == 0 ? null : e;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Appends events (one lock, one flush).</summary>
    public Task AppendAsync(IReadOnlyCollection<FleetEvent> events, CancellationToken ct)
    {
        if (events.Count == 0) return Task.CompletedTask;
        var sb = new StringBuilder();
        foreach (var e in events) sb.Append(Serialize(e)).Append('\n');
        return RotatingJsonl.AppendAsync(Path, sb.ToString(), MaxBytes, Keep, LockTimeout, ct);
    }

    /// <summary>Every event recorded, oldest first, across rotation; <paramref name="malformed"/> counts lines that do not parse.</summary>
    public async Task<(List<FleetEvent> Events, int Malformed)> ReadAsync(CancellationToken ct)
    {
        var events = new List<FleetEvent>();
        var bad = 0;
        foreach (var line in await RotatingJsonl.ReadLinesAsync(Path, LockTimeout, ct).ConfigureAwait(false))
        {
            if (Parse(line) is { } e) events.Add(e);
            else bad++;
        }
        return (events, bad);
    }

    /// <summary>Takes the writer lock without waiting; null when another writer holds it.</summary>
    public FileStream? TryTakeWriterLock()
    {
        var dir = System.IO.Path.GetDirectoryName(Path)!;
        if (!Directory.Exists(dir))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
            else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            return new FileStream(WriterLockPath, options);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>True when a recorder runs (its writer lock is held by another process).</summary>
    public bool RecorderRuns()
    {
        if (!File.Exists(WriterLockPath)) return false;
        try
        {
            using var probe = new FileStream(WriterLockPath, FileMode.Open, FileAccess.Read, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A tail of the record that yields the events appended after <see cref="JsonlTail.SkipToEnd"/>.</summary>
    public JsonlTail Tail() => new(Path);
}
