namespace MosaicFleet.Engine.Systemd;

/// <summary>The fleet's unit states in one cheap call: <c>systemctl --user list-units --all --plain --no-legend --full PATTERN</c>
/// answers from the manager's memory in one bus call (<c>systemctl show</c> for N units asks for each one, loading it
/// if needed: hundreds of milliseconds for hundreds of units). A unit missing from that list is not in memory, so it is
/// neither active nor failed (failed units stay loaded): it is <c>inactive/dead</c> when its file (or its template's) is
/// installed and not masked, <c>masked</c> when masked, <c>not-found</c> otherwise. That is what <c>systemctl show</c>
/// would have said for it.</summary>
public static class UnitStates
{
    /// <summary>The list-units arguments for one glob pattern (e.g. <c>mosaic-agent@*</c>). Plain output: one line per
    /// unit, <c>UNIT LOAD ACTIVE SUB DESCRIPTION</c>, read alike by every systemd since 216 (patterns).</summary>
    public static string[] ListArguments(string pattern)
        => ["--user", "list-units", "--all", "--plain", "--no-legend", "--full", "--no-pager", "--", pattern];

    /// <summary>The pattern that lists every agent unit.</summary>
    public const string AgentPattern = "mosaic-agent@*";

    /// <summary>The file-name glob of the agent template and its instances in a unit directory.</summary>
    public const string AgentFileGlob = "mosaic-agent@*.service";

    /// <summary>Parses list-units' plain output (no legend): the first four whitespace-separated fields of each line.
    /// A leading status mark (●, ○, ×, *) that some versions print even with --plain is skipped. Lines that do not
    /// parse are ignored.</summary>
    public static Dictionary<string, UnitState> ParseList(string output)
    {
        var result = new Dictionary<string, UnitState>(StringComparer.Ordinal);
        foreach (var raw in output.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var f = raw.Split((char[])[' ', '\t'], 6, StringSplitOptions.RemoveEmptyEntries);
            var i = 0;
            if (f.Length > 0 && f[0] is "●" or "○" or "×" or "*" or "↻" or "✓") i = 1;
            if (f.Length - i < 4) continue;
            var id = f[i];
            if (!id.Contains('.', StringComparison.Ordinal)) continue;
            result[id] = new UnitState(id, f[i + 1], f[i + 2], f[i + 3]);
        }
        return result;
    }

    /// <summary>The template of an instance name (<c>a@b.service</c> → <c>a@.service</c>), or null.</summary>
    public static string? TemplateOf(string unit)
    {
        var at = unit.IndexOf('@', StringComparison.Ordinal);
        var dot = unit.LastIndexOf('.');
        if (at <= 0 || dot <= at + 1) return null;
        return string.Concat(unit.AsSpan(0, at + 1), unit.AsSpan(dot));
    }

    /// <summary>Every requested unit's state: as listed, or by the rule for units missing from the list.</summary>
    public static Dictionary<string, UnitState> Complete(IReadOnlyDictionary<string, UnitState> listed, IEnumerable<string> units,
        Func<string, UnitFileKind> files)
    {
        var result = new Dictionary<string, UnitState>(StringComparer.Ordinal);
        foreach (var unit in units)
        {
            if (listed.TryGetValue(unit, out var s)) { result[unit] = s; continue; }
            var kind = files(unit);
            if (kind == UnitFileKind.None && TemplateOf(unit) is { } template) kind = files(template);
            result[unit] = kind switch
            {
                UnitFileKind.File => new UnitState(unit, "loaded", "inactive", "dead"),
                UnitFileKind.Masked => new UnitState(unit, "masked", "inactive", "dead"),
                _ => new UnitState(unit, "not-found", "inactive", "dead"),
            };
        }
        return result;
    }
}
