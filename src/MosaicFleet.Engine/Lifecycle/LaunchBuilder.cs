using MosaicFleet.Engine.IO;
using System.Text;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>Builds <see cref="AgentLaunch"/>s: resolves programs, the PATH prefix, the working directory and the pane command.
/// For a remote host (<paramref name="remote"/> given) everything is what that host says: its paths, its tmux and sh, its
/// home and its runtime bin directories (checked there through <paramref name="remoteFiles"/>).</summary>
public sealed class LaunchBuilder(FleetContext context, LifecyclePaths paths, RemoteHostProfile? remote = null, RemoteHostFiles? remoteFiles = null)
{
    private readonly RuntimeBinResolver _bins = new(context, remote, remoteFiles);

    public FleetContext Context => context;

    /// <summary>The builder's host's paths, for the files of the roster's tenant.</summary>
    public LifecyclePaths Paths { get; } = paths.ForTenant(context.Roster.Tenant);

    public RuntimeBinResolver Bins => _bins;

    /// <summary>The host this builder renders for.</summary>
    public string HostName => remote?.HostName ?? FleetHost.LocalName;

    /// <summary>The remote host's profile, or null for this machine.</summary>
    public RemoteHostProfile? Remote => remote;

    /// <summary>The home directory on the builder's host.</summary>
    public string Home => remote?.Home ?? context.Home;

    /// <summary>Absolute tmux and sh, found now on the builder's host (the unit's PATH is not relied on).</summary>
    public LaunchPrograms Programs()
    {
        if (remote is not null)
        {
            var rtmux = remote.Tmux ?? throw new LifecycleException(FleetErrorIds.TmuxNotFound, $"tmux was not found on the PATH of host '{remote.HostName}'; install tmux there.", remote.HostName);
            var rsh = remote.Sh ?? throw new LifecycleException(FleetErrorIds.ShellNotFound, $"No /bin/sh and no sh on the PATH of host '{remote.HostName}'.", remote.HostName);
            return new LaunchPrograms(rtmux, rsh);
        }
        var path = context.GetEnv("PATH");
        var tmux = ExecutableLocator.Find(context.TmuxProgram, path)
            ?? throw new LifecycleException(FleetErrorIds.TmuxNotFound, $"tmux ('{context.TmuxProgram}') was not found on PATH; install tmux or set $MOSAIC_TMUX to its absolute path.", context.TmuxProgram);
        var sh = ExecutableLocator.Sh(path) ?? throw new LifecycleException(FleetErrorIds.ShellNotFound, "No /bin/sh and no sh on PATH.", "sh");
        return new LaunchPrograms(tmux, sh);
    }

    public string HolderUnit(LaunchPrograms programs, string hostName = FleetHost.LocalName)
    {
        var t = context.TmuxOf(hostName);
        return UnitRenderer.Holder(programs, t.SocketName, t.HolderSession, context.Roster.Path, Roster.TenantNames.Mark(context.Roster.Tenant));
    }

    /// <summary>The working directory: the roster's (agent, else defaults) with '~' expanded, else home; relative paths are under home.</summary>
    public string WorkingDirectory(FleetAgentSpec agent)
    {
        // The worktree wins over workingDirectory (the agent's and the defaults').
        if (Worktree(agent) is { } worktree) return worktree.Path;
        var wd = context.WorkingDirectoryOf(agent);
        if (string.IsNullOrEmpty(wd)) return Home;
        return Path.IsPathRooted(wd) ? wd : Path.Combine(Home, wd);
    }

    /// <summary>The agent's worktree with its defaults applied on this builder's host, or null.</summary>
    public ResolvedWorktree? Worktree(FleetAgentSpec agent)
        => agent.Worktree is { } spec
            ? WorktreeSpecs.Resolve(spec, context.Roster.Tenant, agent.Name, Home, remote is null ? context.GetEnv("XDG_DATA_HOME") : remote.XdgDataHome)
            : null;

    public async Task<AgentLaunch> BuildAsync(FleetAgentSpec agent, LaunchPrograms programs, CancellationToken ct)
    {
        if (agent.Host != HostName)
            throw new InvalidOperationException($"Agent '{agent.Name}' runs on host '{agent.Host}', not on '{HostName}'.");
        foreach (var key in agent.Environment.Keys)
        {
            if (UnitRenderer.ReservedKeys.Contains(key))
                throw new LifecycleException(FleetErrorIds.ReservedEnvironmentName, $"Agent '{agent.Name}': environment.{key} is reserved for MosaicFleet's launch data.", agent.Name);
        }
        var runtime = context.RuntimeOf(agent);
        var command = agent.Command ?? runtime.Command;
        var prefix = await _bins.ResolveAsync(agent, ct).ConfigureAwait(false);
        var envPath = Paths.EnvFile(agent.Name);
        string pane;
        try
        {
            pane = Lifecycle.PaneCommand.Build(prefix, command, agent.Environment.Count > 0 ? envPath : null);
        }
        catch (ArgumentException ex)
        {
            throw new LifecycleException(FleetErrorIds.InvalidRuntimeCommand, $"Agent '{agent.Name}' (runtime '{agent.Runtime}'): {ex.Message}", agent.Name, ex);
        }
        var tmux = context.TmuxOf(agent.Host);
        var values = new List<KeyValuePair<string, string>>
        {
            new(UnitRenderer.EnvAgent, agent.Name),
            new(UnitRenderer.EnvRuntime, agent.Runtime),
            new(UnitRenderer.EnvSocket, tmux.SocketName),
            new(UnitRenderer.EnvHolderSession, tmux.HolderSession),
            new(UnitRenderer.EnvHolderTarget, TmuxTarget.Session(tmux.HolderSession)),
            new(UnitRenderer.EnvSessionTarget, TmuxTarget.Session(agent.Name)),
            new(UnitRenderer.EnvWindowTarget, TmuxTarget.SessionWindow(agent.Name)),
            new(UnitRenderer.EnvWorkdir, WorkingDirectory(agent)),
            new(UnitRenderer.EnvPaneCommand, pane),
        };
        var crashDir = CrashDirectory(agent.Name);
        var delay = StartDelaySeconds(agent);
        values.Add(new(UnitRenderer.EnvCrashDir, crashDir));
        values.Add(new(UnitRenderer.EnvStartDelay, delay.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        values.Add(new(UnitRenderer.EnvScopeProperties, ScopeProperties(agent.Resources)));
        values.Add(new(UnitRenderer.EnvScopeUnit, TenantNames.ScopeName(context.Roster.Tenant, agent.Name)));
        // The values that reach tmux as command arguments (the socket is tmux's -L option, not parsed as a command):
        // escaped here, once, for both the unit and -Direct (see TmuxArgument).
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i].Key is UnitRenderer.EnvSocket or UnitRenderer.EnvRuntime or UnitRenderer.EnvCrashDir or UnitRenderer.EnvStartDelay or UnitRenderer.EnvScopeProperties or UnitRenderer.EnvScopeUnit) continue;
            values[i] = new(values[i].Key, TmuxArgument.Literal(values[i].Value));
        }
        // Read by the worktree script (sh, not tmux): unescaped; empty for an agent without a worktree.
        var worktree = Worktree(agent);
        values.Add(new(UnitRenderer.EnvWorktreeRepository, worktree?.Repository ?? ""));
        values.Add(new(UnitRenderer.EnvWorktreeBranch, worktree?.Branch ?? ""));
        values.Add(new(UnitRenderer.EnvWorktreeBase, worktree?.Base ?? ""));
        values.Add(new(UnitRenderer.EnvWorktreePath, worktree?.Path ?? ""));
        foreach (var (k, v) in agent.Environment.OrderBy(p => p.Key, StringComparer.Ordinal)) values.Add(new(k, v));
        return new AgentLaunch
        {
            Agent = agent,
            HolderUnit = UnitRenderer.Holder(programs, tmux.SocketName, tmux.HolderSession, context.Roster.Path, Roster.TenantNames.Mark(context.Roster.Tenant)),
            AgentTemplate = UnitRenderer.AgentTemplate(programs, context.Roster.Tenant),
            EnvFilePath = envPath,
            EnvFileText = UnitRenderer.EnvFile(agent.Name, values, context.Roster.Path),
            Environment = values,
            PathPrefix = prefix,
            PaneCommand = pane,
            DropInPath = Paths.AgentDropIn(agent.Name),
            DropInText = UnitRenderer.SupervisionDropIn(agent.Name, agent.Restart, delay),
            CrashDirectory = crashDir,
        };
    }

    /// <summary>$XDG_STATE_HOME (absolute) or ~/.local/state on the builder's host. A remote host's is read as
    /// $HOME/.local/state (its probe does not read $XDG_STATE_HOME).</summary>
    public string StateHome => remote is not null ? Path.Combine(remote.Home, ".local", "state")
        : context.GetEnv("XDG_STATE_HOME") is { Length: > 0 } x && Path.IsPathRooted(x) ? x : Path.Combine(context.Home, ".local", "state");

    /// <summary>$XDG_STATE_HOME/mosaic/fleet/&lt;tenant&gt;/crashes/&lt;agent&gt;.</summary>
    public string CrashDirectory(string agentName) => CrashFiles.Directory(StateHome, context.Roster.Tenant, agentName);

    /// <summary>The agent's start slot after a tmux server start: its position among the host's agents in roster
    /// order times defaults.startSpacingSeconds, rounded up to whole seconds.</summary>
    public int StartDelaySeconds(FleetAgentSpec agent)
    {
        var spacing = context.Roster.Defaults.StartSpacingSeconds;
        if (spacing <= 0) return 0;
        var index = 0;
        foreach (var a in context.Roster.Agents)
        {
            if (ReferenceEquals(a, agent) || a.Name == agent.Name) break;
            if (a.Host == agent.Host) index++;
        }
        return (int)Math.Ceiling(index * spacing);
    }

    /// <summary>systemd-run -p properties of the runtime's scope (validated by the roster loader: no spaces).</summary>
    public static string ScopeProperties(FleetResourceLimits r)
    {
        var props = new List<string>();
        if (r.MemoryMax is { Length: > 0 } m) props.Add("MemoryMax=" + m);
        if (r.CpuWeight is { } c) props.Add("CPUWeight=" + c.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (r.TasksMax is { Length: > 0 } t) props.Add("TasksMax=" + t);
        return string.Join(' ', props);
    }

    public static byte[] Bytes(string text) => new UTF8Encoding(false).GetBytes(text);
}
