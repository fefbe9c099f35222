namespace MosaicFleet;

/// <summary>What Test-FleetHost found on one host: whether its systemd user manager runs, whether linger is on, and which
/// tmux, systemd, git and sh it has, each against what MosaicFleet needs.</summary>
public sealed class FleetHostCheck
{
    public string Host { get; set; } = "local";
    /// <summary>True when every check passed (the host can run a fleet supervised by systemd).</summary>
    public bool Ready { get; set; }
    /// <summary>The user the checks ran as on the host.</summary>
    public string? User { get; set; }
    /// <summary>`systemctl --user is-system-running`: running, degraded, starting, offline, ... or empty when none answered.</summary>
    public string? UserManager { get; set; }
    /// <summary>Whether linger is on for the user (/var/lib/systemd/linger/USER), so the manager and the fleet outlive logout.</summary>
    public bool Linger { get; set; }
    public string? TmuxVersion { get; set; }
    public string? SystemdVersion { get; set; }
    public string? GitVersion { get; set; }
    /// <summary>The absolute path of sh on the host.</summary>
    public string? Sh { get; set; }
    /// <summary>Every check, passed or not, with what to do about a failure.</summary>
    public FleetHostCheckItem[] Checks { get; set; } = [];
    /// <summary>The failed checks' remedies, one line each.</summary>
    public string[] Problems { get; set; } = [];

    public override string ToString() => Host;
}

/// <summary>One check of <see cref="FleetHostCheck"/>.</summary>
public sealed class FleetHostCheckItem
{
    /// <summary>tmux, systemd, user manager, linger, git or sh.</summary>
    public string Name { get; set; } = "";
    /// <summary>What was found (a version, a state, a path), or empty when nothing was.</summary>
    public string? Found { get; set; }
    /// <summary>What MosaicFleet needs.</summary>
    public string Required { get; set; } = "";
    public bool Passed { get; set; }
    /// <summary>What to do when the check failed; empty when it passed.</summary>
    public string? Remedy { get; set; }

    public override string ToString() => $"{Name}: {(Passed ? "ok" : "FAILED")} ({Found ?? "not found"}; needs {Required})";
}
