using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Tests.Systemd;

/// <summary>A real <c>systemd --user</c> manager in a cgroup subtree and mount/cgroup namespaces of its own
/// (tests/fixtures/systemd/start-user-manager.sh), with its own HOME, XDG_CONFIG_HOME and XDG_RUNTIME_DIR. Use it as an
/// <c>IClassFixture&lt;UserManagerFixture&gt;</c> (one manager per test class) and mark the tests
/// <see cref="UserManagerFactAttribute"/>, which skips them (saying why) where a manager cannot run (not root, no cgroup2,
/// no systemd). Set <see cref="Environment"/> on whatever runs the code under test; <see cref="Systemctl"/> is the
/// nsenter wrapper every systemctl call must go through (also first on PATH via <see cref="BinDirectory"/>).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UserManagerFixture : IDisposable
{
    private bool _stopped;

    public UserManagerFixture()
    {
        SkipReason = UnavailableReason();
        StateDirectory = System.IO.Directory.CreateTempSubdirectory("mft-systemd-").FullName;
        if (SkipReason is not null) return;
        var r = Run(["sh", Script("start-user-manager.sh"), StateDirectory], TimeSpan.FromSeconds(30));
        if (r.ExitCode == 77) { SkipReason = r.Stderr.Trim(); return; }
        if (!r.Success) throw new InvalidOperationException("the user manager did not start: " + r.Describe());
        var values = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        RuntimeDirectory = values["XDG_RUNTIME_DIR"];
        Home = values["HOME"];
        ConfigHome = values["XDG_CONFIG_HOME"];
        Systemctl = values["MOSAIC_SYSTEMCTL"];
        BinDirectory = values["BIN"];
        ManagerPid = int.Parse(values["MANAGER_PID"], System.Globalization.CultureInfo.InvariantCulture);
        CgroupDirectory = values["CGROUP"];
        CgroupPath = values["CGROUP_PATH"];
    }

    /// <summary>Why no manager runs here (tests using it are skipped), or null when it runs.</summary>
    public string? SkipReason { get; }
    public bool Available => SkipReason is null && !_stopped;
    public string StateDirectory { get; }
    public string RuntimeDirectory { get; } = "";
    public string Home { get; } = "";
    public string ConfigHome { get; } = "";
    /// <summary>Where the manager reads user units from ($XDG_CONFIG_HOME/systemd/user).</summary>
    public string UnitDirectory => Path.Combine(ConfigHome, "systemd", "user");
    /// <summary>The systemctl wrapper (nsenter into the manager's mount namespace, XDG_RUNTIME_DIR pinned).</summary>
    public string Systemctl { get; } = "";
    /// <summary>Holds the wrapper as <c>systemctl</c>: put it first on PATH.</summary>
    public string BinDirectory { get; } = "";
    public int ManagerPid { get; }
    /// <summary>The subtree's directory under the cgroup2 mount.</summary>
    public string CgroupDirectory { get; } = "";
    /// <summary>The subtree as the <c>0::</c> line of /proc/&lt;pid&gt;/cgroup names it (outside the manager).</summary>
    public string CgroupPath { get; } = "";

    /// <summary>The variables the code under test needs: XDG_RUNTIME_DIR, HOME, XDG_CONFIG_HOME, MOSAIC_SYSTEMCTL, PATH.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["XDG_RUNTIME_DIR"] = RuntimeDirectory,
        ["HOME"] = Home,
        ["XDG_CONFIG_HOME"] = ConfigHome,
        ["MOSAIC_SYSTEMCTL"] = Systemctl,
        ["PATH"] = BinDirectory + ":" + (System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin"),
    };

    /// <summary>Runs <c>systemctl --user args</c> against this manager.</summary>
    public CommandResult SystemctlUser(params string[] args)
        => Run([Systemctl, "--user", .. args], TimeSpan.FromSeconds(30));

    /// <summary>The cgroup (as /proc/&lt;pid&gt;/cgroup's <c>0::</c> line says) of a process, or null when it is gone.</summary>
    public static string? CgroupOf(int pid)
    {
        try
        {
            return File.ReadAllLines($"/proc/{pid}/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..];
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The host-side cgroup of a unit (its ControlGroup is relative to the manager's cgroup namespace).</summary>
    public string UnitCgroup(string unit)
    {
        var r = SystemctlUser("show", "-p", "ControlGroup", "--value", unit);
        if (!r.Success) throw new InvalidOperationException(r.Describe());
        var cg = r.Stdout.Trim();
        return cg.Length == 0 ? "" : CgroupPath + cg;
    }

    /// <summary>Stops the manager (SIGTERM, then SIGKILL for what is left in its subtree) and removes the subtree.</summary>
    public void Stop()
    {
        if (_stopped || SkipReason is not null) return;
        _stopped = true;
        var r = Run(["sh", Script("stop-user-manager.sh"), StateDirectory], TimeSpan.FromSeconds(30));
        if (!r.Success) throw new InvalidOperationException("the user manager did not stop cleanly: " + r.Describe());
    }

    public void Dispose()
    {
        try { Stop(); }
        finally
        {
            try { System.IO.Directory.Delete(StateDirectory, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Why a manager cannot run on this machine, or null. Cheap: used at discovery time by <see cref="UserManagerFactAttribute"/>.</summary>
    public static string? UnavailableReason()
    {
        if (!OperatingSystem.IsLinux()) return "a user manager needs Linux";
        if (System.Environment.UserName != "root") return "the real systemd --user fixture needs root (a cgroup subtree, mount and cgroup namespaces)";
        if (!File.Exists("/lib/systemd/systemd") && !File.Exists("/usr/lib/systemd/systemd")) return "systemd is not installed (apt-get install systemd; .ci/run does)";
        foreach (var tool in new[] { "unshare", "nsenter", "setsid" })
            if (!File.Exists("/usr/bin/" + tool) && !File.Exists("/bin/" + tool)) return $"{tool} is missing (util-linux)";
        try
        {
            if (!File.ReadAllText("/proc/self/mountinfo").Contains(" - cgroup2 ", StringComparison.Ordinal)) return "no cgroup2 mount";
        }
        catch (IOException) { return "/proc/self/mountinfo is not readable"; }
        return null;
    }

    private static CommandResult Run(string[] argv, TimeSpan timeout)
        => ProcessRunner.Instance.RunAsync(new CommandSpec(argv, timeout), CancellationToken.None).GetAwaiter().GetResult();

    private static string Script(string name) => Path.Combine(RepoRoot(), "tests", "fixtures", "systemd", name);

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "MosaicFleet.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}

/// <summary>A fact that needs a real user manager: skipped, saying why, where <see cref="UserManagerFixture"/> cannot run one.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UserManagerFactAttribute : FactAttribute
{
    public UserManagerFactAttribute()
    {
        if (UserManagerFixture.UnavailableReason() is { } why) Skip = why;
    }
}
