namespace MosaicFleet;

/// <summary>A parsed, validated roster.</summary>
public sealed class FleetRoster
{
    /// <summary>The file it was read from.</summary>
    public string Path { get; set; } = "";
    /// <summary>The same as <see cref="Path"/>, under the name every cmdlet binds from the pipeline (Get-FleetRoster | Get-FleetAgent).</summary>
    public string RosterPath { get => Path; set => Path = value; }
    public int Version { get; set; } = 1;
    public string Transport { get; set; } = "tmux";
    public string Tenant { get; set; } = "local";
    public FleetTmuxSettings Tmux { get; set; } = new();
    public FleetDefaults Defaults { get; set; } = new();
    /// <summary>When the message log and the event record rotate (roster key logs).</summary>
    public FleetLogSettings Logs { get; set; } = new();
    /// <summary>Built-in runtimes merged with the roster's own (roster keys override built-in ones).</summary>
    public IReadOnlyDictionary<string, FleetRuntime> Runtimes { get; set; } = new Dictionary<string, FleetRuntime>();
    public IReadOnlyDictionary<string, FleetHostSpec> Hosts { get; set; } = new Dictionary<string, FleetHostSpec>();
    public IReadOnlyList<FleetAgentSpec> Agents { get; set; } = [];

    public override string ToString() => Path;
}

public sealed class FleetTmuxSettings
{
    public string SocketName { get; set; } = "mosaic-factory";
    public string HolderSession { get; set; } = "_holder";

    public override string ToString() => $"socket {SocketName}, holder {HolderSession}";
}

public sealed class FleetDefaults
{
    public string? WorkingDirectory { get; set; }
    public string? RuntimeBin { get; set; }
    /// <summary>The worktree every agent gets unless it names its own (its keys are per-agent defaults).</summary>
    public FleetWorktreeSpec? Worktree { get; set; }
    /// <summary>How systemd restarts agents whose runtime ended (per agent settings override it field by field).</summary>
    public FleetRestartPolicy Restart { get; set; } = new();
    /// <summary>Limits of each runtime's own cgroup (per agent settings override it field by field).</summary>
    public FleetResourceLimits Resources { get; set; } = new();
    /// <summary>Seconds between agent starts after the tmux server (re)starts: agent i waits i times this.</summary>
    public double StartSpacingSeconds { get; set; }

    public override string ToString() => string.Join(", ", new[] { WorkingDirectory is null ? null : $"workingDirectory {WorkingDirectory}", RuntimeBin is null ? null : $"runtimeBin {RuntimeBin}", Worktree is null ? null : $"worktree {Worktree.Repository}" }.OfType<string>());
}

/// <summary>Roster `restart:`: systemd's Restart=, RestartSec=, StartLimitBurst= and StartLimitIntervalSec=.</summary>
public sealed class FleetRestartPolicy
{
    /// <summary>on-failure (default), always or never.</summary>
    public string Policy { get; set; } = "on-failure";
    public double DelaySeconds { get; set; } = 10;
    /// <summary>This many ends within <see cref="WindowSeconds"/> leave the unit failed (no more launches).</summary>
    public int Limit { get; set; } = 5;
    public double WindowSeconds { get; set; } = 600;

    public FleetRestartPolicy Clone() => (FleetRestartPolicy)MemberwiseClone();
}

/// <summary>Roster `resources:`: limits of the runtime's own cgroup (systemd MemoryMax=, CPUWeight=, TasksMax=).</summary>
public sealed class FleetResourceLimits
{
    /// <summary>Bytes with an optional K, M, G or T suffix, a percentage, or infinity.</summary>
    public string? MemoryMax { get; set; }
    /// <summary>1 to 10000 (systemd's default is 100).</summary>
    public int? CpuWeight { get; set; }
    /// <summary>A number, a percentage, or infinity.</summary>
    public string? TasksMax { get; set; }

    public FleetResourceLimits Clone() => (FleetResourceLimits)MemberwiseClone();
}

/// <summary>How to run and recognise one kind of agent.</summary>
public sealed class FleetRuntime
{
    public string Name { get; set; } = "";
    /// <summary>The command line the pane runs (a shell command, exec'ed).</summary>
    public string Command { get; set; } = "";
    public string? ResetCommand { get; set; }
    /// <summary>Acceptable pane commands: exact names, or regular expressions written /like this/.</summary>
    public string[] PaneCommands { get; set; } = [];
    /// <summary>tmux key names sent to submit typed text, in order.</summary>
    public string[] SubmitKeys { get; set; } = ["Enter"];
    public string? InputPattern { get; set; }
    public string? BusyPattern { get; set; }
    public string? WaitingPattern { get; set; }
    public double? IdleAfterSeconds { get; set; }
    public string? RuntimeBin { get; set; }
    /// <summary>Variables every agent of this runtime gets (e.g. DISABLE_AUTOUPDATER=1 so it runs unattended); an
    /// agent's own <c>environment</c> overrides them name by name.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();
    /// <summary>True when the runtime comes from the built-in table unchanged.</summary>
    public bool BuiltIn { get; set; }

    public override string ToString() => Name;
}

/// <summary>A remote host reached over OpenSSH.</summary>
public sealed class FleetHostSpec
{
    public string Name { get; set; } = "";
    /// <summary>user@host or host, as ssh takes it.</summary>
    public string Ssh { get; set; } = "";
    public int? Port { get; set; }
    public string? IdentityFile { get; set; }
    public string? KnownHostsFile { get; set; }
    public string[] SshOptions { get; set; } = [];
    public FleetTmuxSettings? Tmux { get; set; }

    public override string ToString() => Name;
}

/// <summary>One agent as the roster declares it.</summary>
public sealed class FleetAgentSpec
{
    public string Name { get; set; } = "";
    public string Runtime { get; set; } = "";
    public string? ClassName { get; set; }
    public string? WorkingDirectory { get; set; }
    public string? Model { get; set; }
    public string? Effort { get; set; }
    /// <summary>"local" or the name of an entry under hosts.</summary>
    public string Host { get; set; } = "local";
    /// <summary>Overrides the runtime's command for this agent.</summary>
    public string? Command { get; set; }
    public string? RuntimeBin { get; set; }
    public IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();
    /// <summary>The agent's git worktree (its own keys over the defaults' ones), or null. When set, it is the agent's
    /// working directory and workingDirectory is not used.</summary>
    public FleetWorktreeSpec? Worktree { get; set; }
    /// <summary>The effective restart settings (defaults merged with the agent's own).</summary>
    public FleetRestartPolicy Restart { get; set; } = new();
    /// <summary>The effective cgroup limits (defaults merged with the agent's own).</summary>
    public FleetResourceLimits Resources { get; set; } = new();
    /// <summary>1-based line of the agent's entry in the roster file.</summary>
    public int Line { get; set; }

    public override string ToString() => Name;
}

/// <summary>Rotation of the message log and the event record: at MaxBytes the file's content moves to file.1 (older
/// copies move up), and Keep copies are kept.</summary>
public sealed class FleetLogSettings
{
    public long MaxBytes { get; set; } = 10L * 1024 * 1024;
    public int Keep { get; set; } = 5;
}
