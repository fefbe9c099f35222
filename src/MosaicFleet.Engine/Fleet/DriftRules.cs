using System.Text.RegularExpressions;

namespace MosaicFleet.Engine.Fleet;

/// <summary>Drift: a live pane whose current command is not acceptable for the roster's runtime.
/// A missing or dead pane is not drift (its Status says so).</summary>
public static class DriftRules
{
    /// <summary>True when <paramref name="paneCommand"/> is acceptable for <paramref name="runtime"/>.
    /// Entries are exact names, or regular expressions written /like this/.</summary>
    public static bool IsAcceptable(FleetRuntime runtime, string paneCommand)
    {
        foreach (var entry in runtime.PaneCommands)
        {
            if (IsPattern(entry))
            {
                if (Regex.IsMatch(paneCommand, entry[1..^1], RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))) return true;
            }
            else if (string.Equals(entry, paneCommand, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    public static (bool Drift, string? Reason) Evaluate(FleetRuntime runtime, string? paneCommand, bool paneAlive)
    {
        if (!paneAlive || string.IsNullOrEmpty(paneCommand)) return (false, null);
        if (IsAcceptable(runtime, paneCommand)) return (false, null);
        return (true, $"{paneCommand} (expected {DescribeExpected(runtime.PaneCommands)})");
    }

    /// <summary>Programs that run whatever is typed into them as a command line. A drifted pane that runs one of these (the
    /// runtime exited to the shell it was started from, or someone opened a shell there) must never be typed into.</summary>
    public static readonly IReadOnlySet<string> Shells = new HashSet<string>(StringComparer.Ordinal)
    {
        "sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "fish", "tcsh", "csh", "busybox", "nu", "xonsh", "elvish", "pwsh", "powershell",
    };


    /// <summary>"pi or node", "claude, node or a version number".</summary>
    public static string DescribeExpected(IReadOnlyList<string> entries)
    {
        var words = entries.Select(e => e == BuiltInRuntimesPattern ? "a version number" : e).ToList();
        return words.Count switch
        {
            0 => "nothing",
            1 => words[0],
            _ => string.Join(", ", words.Take(words.Count - 1)) + " or " + words[^1],
        };
    }

    private const string BuiltInRuntimesPattern = Roster.BuiltInRuntimes.VersionPattern;

    private static bool IsPattern(string entry) => entry.Length > 2 && entry[0] == '/' && entry[^1] == '/';
}
