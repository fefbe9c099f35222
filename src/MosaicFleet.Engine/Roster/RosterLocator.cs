using MosaicFleet.Engine.Errors;
namespace MosaicFleet.Engine.Roster;

/// <summary>Finds the roster file and expands '~' in paths.</summary>
public static class RosterLocator
{
    public const string EnvironmentVariable = "MOSAIC_FLEET_ROSTER";

    /// <summary>The candidate paths in order: explicit path, $MOSAIC_FLEET_ROSTER, $XDG_CONFIG_HOME/mosaic/fleet/roster.yaml,
    /// ~/.config/mosaic/fleet/roster.yaml.</summary>
    public static IReadOnlyList<string> Candidates(string? explicitPath, Func<string, string?> getEnv)
    {
        var home = Home(getEnv);
        if (!string.IsNullOrEmpty(explicitPath)) return [ExpandHome(explicitPath, home)];
        var list = new List<string>();
        var fromEnv = getEnv(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnv)) list.Add(ExpandHome(fromEnv, home));
        var xdg = getEnv("XDG_CONFIG_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)) list.Add(Path.Combine(xdg, "mosaic", "fleet", "roster.yaml"));
        var fallback = Path.Combine(home, ".config", "mosaic", "fleet", "roster.yaml");
        if (!list.Contains(fallback)) list.Add(fallback);
        return list;
    }

    /// <summary>The first candidate that exists; a <see cref="RosterException"/> (NotFound) listing every path tried otherwise.
    /// An explicit path or $MOSAIC_FLEET_ROSTER that does not exist is not skipped silently: it is the only candidate tried.</summary>
    public static string Resolve(string? explicitPath, Func<string, string?> getEnv)
    {
        var candidates = Candidates(explicitPath, getEnv);
        var fromEnv = getEnv(EnvironmentVariable);
        if (string.IsNullOrEmpty(explicitPath) && !string.IsNullOrEmpty(fromEnv))
        {
            // An operator who set the variable meant that file: do not fall back behind their back.
            candidates = [candidates[0]];
        }
        foreach (var c in candidates)
        {
            if (File.Exists(c)) return c;
        }
        var message = candidates.Count == 1
            ? $"No roster at {candidates[0]}."
            : $"No roster found. Tried: {string.Join(", ", candidates)}. Pass -RosterPath, set ${EnvironmentVariable}, or run Initialize-Fleet.";
        throw new RosterException(FleetErrorIds.RosterNotFound, message, candidates[0], kind: RosterErrorKind.NotFound) { TriedPaths = candidates };
    }

    public static string Home(Func<string, string?> getEnv)
    {
        var home = getEnv("HOME");
        return string.IsNullOrEmpty(home) ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) : home;
    }

    /// <summary>Expands a leading '~' or '~/' to <paramref name="home"/>. '~user' is left alone.</summary>
    public static string ExpandHome(string path, string home)
    {
        if (path == "~") return home;
        if (path.StartsWith("~/", StringComparison.Ordinal)) return Path.Combine(home, path[2..]);
        return path;
    }
}
