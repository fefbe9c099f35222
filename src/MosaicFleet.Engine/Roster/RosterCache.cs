namespace MosaicFleet.Engine.Roster;

/// <summary>Parsed rosters of this process, keyed by path and validated by the file's full text: every call still
/// reads the file, but parses it only when its text changed. Parsing is the largest cost of Get-FleetAgent beyond
/// tmux and systemctl on a big fleet (docs/benchmarks.md). A roster that does not validate is never cached.
/// Callers must treat a cached roster as read-only; anything handed to the operator (Get-FleetRoster) is parsed fresh.</summary>
public static class RosterCache
{
    private const int MaxEntries = 16;
    private static readonly object Gate = new();
    private static readonly Dictionary<string, (string Text, FleetRoster Roster)> Entries = new(StringComparer.Ordinal);

    public static FleetRoster Load(string path)
    {
        var text = RosterLoader.ReadText(path);
        lock (Gate)
        {
            if (Entries.TryGetValue(path, out var entry) && string.Equals(entry.Text, text, StringComparison.Ordinal)) return entry.Roster;
        }
        var roster = RosterLoader.Parse(text, path);
        lock (Gate)
        {
            if (Entries.Count >= MaxEntries && !Entries.ContainsKey(path)) Entries.Clear();
            Entries[path] = (text, roster);
        }
        return roster;
    }

    /// <summary>Forgets every cached roster (tests).</summary>
    public static void Clear()
    {
        lock (Gate) Entries.Clear();
    }
}
