namespace MosaicFleet.Engine.Systemd;

/// <summary>How a unit name is present in the user unit search path (the first directory that has it wins).</summary>
public enum UnitFileKind
{
    None,
    File,
    /// <summary>A symlink to /dev/null (or any character device) or an empty file.</summary>
    Masked,
}

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

/// <summary>The user unit search path and what it holds of some units' file names: first directory wins, as systemd's
/// own lookup. Built from this machine's directories (<see cref="ScanLocal"/>) or from the lines the remote query script
/// prints for its host (<see cref="ParseRemote"/>).</summary>
public sealed class UnitFileIndex
{
    private readonly Dictionary<string, UnitFileKind> _kinds = new(StringComparer.Ordinal);

    public UnitFileKind Kind(string name) => _kinds.GetValueOrDefault(name, UnitFileKind.None);

    public IReadOnlyDictionary<string, UnitFileKind> Entries => _kinds;

    private void AddFirst(string name, UnitFileKind kind) => _kinds.TryAdd(name, kind);

    /// <summary>systemd's user unit search path (systemd.unit(5), "User Unit Search Path"), from an environment. With
    /// $SYSTEMD_UNIT_PATH, its entries come first and a trailing ':' appends the defaults.</summary>
    public static IReadOnlyList<string> SearchPath(Func<string, string?> env)
    {
        var home = env("HOME") is { Length: > 0 } h ? h : "/root";
        var config = env("XDG_CONFIG_HOME") is { Length: > 0 } c ? c : Path.Combine(home, ".config");
        var data = env("XDG_DATA_HOME") is { Length: > 0 } d ? d : Path.Combine(home, ".local", "share");
        var runtime = env("XDG_RUNTIME_DIR") is { Length: > 0 } r ? r : null;
        var configDirs = (env("XDG_CONFIG_DIRS") is { Length: > 0 } cd ? cd : "/etc/xdg").Split(':', StringSplitOptions.RemoveEmptyEntries);
        var dataDirs = (env("XDG_DATA_DIRS") is { Length: > 0 } dd ? dd : "/usr/local/share:/usr/share").Split(':', StringSplitOptions.RemoveEmptyEntries);
        var defaults = new List<string> { Path.Combine(config, "systemd/user.control") };
        if (runtime is not null)
        {
            defaults.Add(Path.Combine(runtime, "systemd/user.control"));
            defaults.Add(Path.Combine(runtime, "systemd/transient"));
            defaults.Add(Path.Combine(runtime, "systemd/generator.early"));
        }
        defaults.Add(Path.Combine(config, "systemd/user"));
        defaults.AddRange(configDirs.Select(x => Path.Combine(x, "systemd/user")));
        defaults.Add("/etc/systemd/user");
        if (runtime is not null) defaults.Add(Path.Combine(runtime, "systemd/user"));
        defaults.Add("/run/systemd/user");
        if (runtime is not null) defaults.Add(Path.Combine(runtime, "systemd/generator"));
        defaults.Add(Path.Combine(data, "systemd/user"));
        defaults.AddRange(dataDirs.Select(x => Path.Combine(x, "systemd/user")));
        defaults.Add("/usr/local/lib/systemd/user");
        defaults.Add("/usr/lib/systemd/user");
        defaults.Add("/lib/systemd/user");
        if (runtime is not null) defaults.Add(Path.Combine(runtime, "systemd/generator.late"));
        if (env("SYSTEMD_UNIT_PATH") is not { Length: > 0 } over) return defaults;
        var list = over.Split(':').Where(x => x.Length > 0).ToList();
        if (over.EndsWith(':')) list.AddRange(defaults);
        return list;
    }

    /// <summary>Reads, in this machine's search path, the names matching <paramref name="glob"/> (one directory listing per
    /// directory, no per-unit lookup).</summary>
    public static UnitFileIndex ScanLocal(IEnumerable<string> searchPath, string glob)
    {
        var index = new UnitFileIndex();
        foreach (var dir in searchPath)
        {
            IEnumerable<string> names;
            try
            {
                if (!Directory.Exists(dir)) continue;
                names = Directory.EnumerateFileSystemEntries(dir, glob).ToList();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { continue; }
            foreach (var path in names)
            {
                if (KindOf(path) is var kind and not UnitFileKind.None) index.AddFirst(Path.GetFileName(path), kind);
            }
        }
        return index;
    }

    private static UnitFileKind KindOf(string path)
    {
        try
        {
            var real = path;
            var info = new FileInfo(path);
            if (info.LinkTarget is not null)
            {
                if (info.ResolveLinkTarget(returnFinalTarget: true) is not { } target) return UnitFileKind.None;
                real = target.FullName;
                if (real == "/dev/null") return UnitFileKind.Masked;
                if (!File.Exists(real)) return UnitFileKind.None;
            }
            else if (!info.Exists)
            {
                return UnitFileKind.None; // a directory (e.g. foo.service.d is not matched by the glob, but be safe)
            }
            return new FileInfo(real).Length == 0 ? UnitFileKind.Masked : UnitFileKind.File;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return UnitFileKind.None;
        }
    }

    /// <summary>Reads the remote script's lines: <c>M name</c> (masked) or <c>F name</c> (a file), directories in search
    /// order, so the first line for a name wins.</summary>
    public static UnitFileIndex ParseRemote(string lines)
    {
        var index = new UnitFileIndex();
        foreach (var raw in lines.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (raw.Length < 3 || raw[1] != ' ') continue;
            var kind = raw[0] switch { 'M' => UnitFileKind.Masked, 'F' => UnitFileKind.File, _ => UnitFileKind.None };
            if (kind == UnitFileKind.None) continue;
            index.AddFirst(raw[2..], kind);
        }
        return index;
    }
}
