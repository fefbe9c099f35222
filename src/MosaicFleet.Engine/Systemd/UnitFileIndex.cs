namespace MosaicFleet.Engine.Systemd;

/// <summary>How a unit name is present in the user unit search path (the first directory that has it wins).</summary>
public enum UnitFileKind
{
    None,
    File,
    /// <summary>A symlink to /dev/null (or any character device) or an empty file.</summary>
    Masked,
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
