namespace MosaicFleet;

/// <summary>Where an agent's pane stands, as seen by tmux.</summary>
// long, not int: ConvertTo-Json writes a long-based enum by name ("Status": "Running"), an int-based one as a number.
public enum FleetAgentStatus : long
{
    /// <summary>The agent's session exists and its pane is alive.</summary>
    Running,
    /// <summary>The session exists but its pane's process has exited (remain-on-exit keeps it).</summary>
    Dead,
    /// <summary>No session of that name on the fleet's tmux socket.</summary>
    Missing,
    /// <summary>The agent's host could not be reached.</summary>
    Unreachable,
    /// <summary>The agent's unit is failed: it hit its restart limit, or ended badly under restart policy never.
    /// Nothing relaunches it until Start-FleetAgent or Restart-FleetAgent.</summary>
    Failed,
}

/// <summary>What an agent is doing, read from its screen (Get-FleetAgent -Activity). Unknown is never treated as Idle.</summary>
// long, not int: ConvertTo-Json writes a long-based enum by name ("Status": "Running"), an int-based one as a number.
public enum FleetAgentActivity : long
{
    /// <summary>Not measured, or the screen said nothing conclusive.</summary>
    Unknown,
    /// <summary>The runtime's busy pattern matched, or the screen is changing.</summary>
    Busy,
    /// <summary>No busy or waiting pattern matched and the screen stayed unchanged.</summary>
    Idle,
    /// <summary>A question, permission or trust dialog waits for a person.</summary>
    Waiting,
}

/// <summary>One roster agent joined with its live tmux and systemd state.</summary>
public sealed class FleetAgent
{
    public string Name { get; set; } = "";
    public string Runtime { get; set; } = "";
    public string? ClassName { get; set; }
    public string Tenant { get; set; } = "local";
    public string Host { get; set; } = "local";
    /// <summary>The tmux session name (the agent's name).</summary>
    public string Session { get; set; } = "";
    /// <summary>The tmux socket name (tmux -L).</summary>
    public string Socket { get; set; } = "";
    public FleetAgentStatus Status { get; set; }
    public string? PaneId { get; set; }
    public int? PanePid { get; set; }
    public string? PaneCommand { get; set; }
    public string? PanePath { get; set; }
    /// <summary>The exit status of a dead pane.</summary>
    public int? DeadStatus { get; set; }
    public DateTimeOffset? LastActivity { get; set; }
    public double? IdleSeconds { get; set; }
    /// <summary>The unit's ActiveState/SubState, or null where no systemd user manager answered.</summary>
    public string? ServiceState { get; set; }
    public bool Drift { get; set; }
    public string? DriftReason { get; set; }
    public string? Model { get; set; }
    public string? Effort { get; set; }
    public string? WorkingDirectory { get; set; }
    /// <summary>Unknown unless asked for with Get-FleetAgent -Activity.</summary>
    public FleetAgentActivity Activity { get; set; }
    /// <summary>The branch checked out in the agent's worktree (Get-FleetAgent -Worktree), else null.</summary>
    public string? Branch { get; set; }
    /// <summary>Changed tracked files in the agent's worktree (Get-FleetAgent -Worktree), else null.</summary>
    public int? Uncommitted { get; set; }
    /// <summary>True while systemd watches the runtime (its unit is active, starting or waiting to restart); false
    /// for an agent started with -Direct or whose unit is stopped or failed.</summary>
    public bool Supervised { get; set; }
    /// <summary>How many times systemd relaunched the runtime since it was last started by hand.</summary>
    public int? Restarts { get; set; }
    /// <summary>The exit status of the runtime's last end (a dead pane's, or the one before the current launch).
    /// A runtime killed by a signal shows 128 + the signal number.</summary>
    public int? LastExitStatus { get; set; }
    /// <summary>The runtime's own cgroup: bytes in use (Get-FleetAgent -Resources).</summary>
    public long? MemoryBytes { get; set; }
    /// <summary>The runtime's own cgroup: CPU time used, in seconds (Get-FleetAgent -Resources).</summary>
    public double? CpuSeconds { get; set; }
    /// <summary>The runtime's own cgroup: its memory limit in bytes, null when unlimited (Get-FleetAgent -Resources).</summary>
    public long? MemoryMaxBytes { get; set; }
    /// <summary>The full path of the roster this object came from: the next cmdlet in a pipeline binds it (-RosterPath by
    /// property name), so a pipeline acts on the roster it started from. After PowerShell remoting it names a file on the
    /// remote machine.</summary>
    public string RosterPath { get; set; } = "";

    public override string ToString() => Name;
}
