using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Systemd;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Lifecycle;

public enum LifecycleMode
{
    Systemd,
    Direct,
}

/// <summary>One agent's state before an operation: its pane (if any) and its unit (if systemd answered).</summary>
public sealed record AgentState(FleetAgentSpec Agent, TmuxPane? Pane, UnitState? Unit, bool UnitInstalled)
{
    public bool Present => Pane is not null;
    public bool Dead => Pane is { Dead: true };
    public bool Running => Pane is { Dead: false };
    public bool UnitActive => Unit is { ActiveState: "active" or "activating" or "reloading" };
    public bool SystemdUsable => UnitInstalled && Unit is { LoadState: "loaded" };
    /// <summary>The unit hit its start limit or ended badly under restart policy never: nothing relaunches it.</summary>
    public bool UnitFailed => Unit is { ActiveState: "failed" };
}

/// <summary>Starts, stops and restarts agents: through systemd where the units are installed and a user manager
/// answers, otherwise (or when asked) directly in tmux by running the agent unit's own Exec lines, resolved by
/// systemd's rules, with the agent's environment (one launch path).</summary>
public sealed class AgentControl(LaunchBuilder builder, IHostFiles files)
{

    private readonly List<(string Verb, FleetAgentSpec Agent)> _queued = [];

    /// <summary>When set, start/stop/restart through systemd are queued and <see cref="FlushAsync"/> runs ONE systemctl
    /// call per verb for all queued units of this host (not one process per agent). Unset: each runs at once.</summary>
    public bool Batch { get; init; }

    /// <summary>Whether the agent's systemctl call waits in the queue.</summary>
    public bool IsQueued(FleetAgentSpec agent) => _queued.Any(q => ReferenceEquals(q.Agent, agent));

    private FleetContext Context => builder.Context;

    /// <summary>Reads the agents' panes and units: one list-panes and one systemctl show per host.</summary>
    public async Task<IReadOnlyList<AgentState>> ReadAsync(IReadOnlyList<FleetAgentSpec> agents, CancellationToken ct)
    {
        var query = new FleetQuery(Context);
        var result = new List<AgentState>();
        foreach (var group in agents.GroupBy(a => a.Host, StringComparer.Ordinal))
        {
            var state = await query.ReadHostAsync(group.Key, group.Select(a => SystemctlShow.AgentUnit(Context.Roster.Tenant, a.Name)).ToList(), ct).ConfigureAwait(false);
            var templateInstalled = group.Key == files.HostName && files.Exists(builder.Paths.AgentTemplate);
            foreach (var agent in group)
            {
                var pane = state.Panes.Where(p => string.Equals(p.SessionName, agent.Name, StringComparison.Ordinal))
                    .OrderBy(p => p.WindowIndex).ThenBy(p => p.PaneIndex).FirstOrDefault();
                UnitState? unit = null;
                state.Units?.TryGetValue(SystemctlShow.AgentUnit(Context.Roster.Tenant, agent.Name), out unit);
                var installed = templateInstalled && files.Exists(builder.Paths.EnvFile(agent.Name));
                result.Add(new AgentState(agent, pane, unit, installed));
            }
        }
        return agents.Select(a => result.First(s => ReferenceEquals(s.Agent, a))).ToList();
    }

    public static LifecycleMode ModeFor(AgentState state, bool direct) => !direct && state.SystemdUsable ? LifecycleMode.Systemd : LifecycleMode.Direct;

    /// <summary>Starts the agent. A running agent is left alone (returns a note); a dead pane is replaced.</summary>
    public async Task<IReadOnlyList<string>> StartAsync(AgentState state, LifecycleMode mode, CancellationToken ct)
    {
        var notes = new List<string>();
        var name = state.Agent.Name;
        if (state.Running)
        {
            notes.Add($"{name} is already running (pane {state.Pane!.PaneId}); nothing to do.");
            return notes;
        }
        await EnsureWorktreeAsync(state.Agent, notes, ct).ConfigureAwait(false);
        if (mode == LifecycleMode.Systemd)
        {
            // A start by hand begins a new count: the dead session (its crash already kept) goes first.
            if (state.Dead) await KillSessionAsync(state.Agent, notes, ct).ConfigureAwait(false);
            if (state.UnitFailed) await ResetFailedAsync(state, notes, ct).ConfigureAwait(false);
            // An active unit whose pane is gone is waiting to restart (or about to notice): restart runs it now.
            await SystemctlAsync(state.UnitActive ? "restart" : "start", state.Agent, notes, ct).ConfigureAwait(false);
        }
        else
        {
            await LaunchDirectAsync(state.Agent, replace: state.Dead, notes, ct).ConfigureAwait(false);
        }
        return notes;
    }

    public async Task<IReadOnlyList<string>> StopAsync(AgentState state, LifecycleMode mode, CancellationToken ct)
    {
        var notes = new List<string>();
        if (mode == LifecycleMode.Systemd && (state.UnitActive || state.UnitFailed))
        {
            if (state.UnitActive) await SystemctlAsync("stop", state.Agent, notes, ct).ConfigureAwait(false);
            // A stop clears the failed state too; a dead pane left by the last crash (or a restart wait) goes with it
            // (a live pane is ended by the unit's ExecStopPost).
            if (state.UnitFailed) await ResetFailedAsync(state, notes, ct).ConfigureAwait(false);
            if (state.UnitActive && !Batch) await EndLeftoverPanesAsync([state.Agent], notes, ct).ConfigureAwait(false);
            else if (state.Dead) await KillSessionAsync(state.Agent, notes, ct).ConfigureAwait(false);
            return notes;
        }
        if (!state.Present)
        {
            notes.Add($"{state.Agent.Name} is already stopped; nothing to do.");
            return notes;
        }
        await KillSessionAsync(state.Agent, notes, ct).ConfigureAwait(false);
        return notes;
    }

    public async Task<IReadOnlyList<string>> RestartAsync(AgentState state, LifecycleMode mode, CancellationToken ct)
    {
        var notes = new List<string>();
        await EnsureWorktreeAsync(state.Agent, notes, ct).ConfigureAwait(false);
        if (mode == LifecycleMode.Systemd)
        {
            if (state.UnitFailed) await ResetFailedAsync(state, notes, ct).ConfigureAwait(false);
            if (state.UnitActive)
            {
                await SystemctlAsync("restart", state.Agent, notes, ct).ConfigureAwait(false);
            }
            else
            {
                if (state.Present) await KillSessionAsync(state.Agent, notes, ct).ConfigureAwait(false);
                await SystemctlAsync("start", state.Agent, notes, ct).ConfigureAwait(false);
            }
        }
        else
        {
            await LaunchDirectAsync(state.Agent, replace: state.Present, notes, ct).ConfigureAwait(false);
        }
        return notes;
    }

    /// <summary>Null when the installed unit and env file are what the roster renders now; otherwise a message saying
    /// that a start through systemd would use the old settings (the roster changed after Install-FleetUnit).</summary>
    public async Task<string?> CheckInstalledAsync(FleetAgentSpec agent, CancellationToken ct)
    {
        var launch = await builder.BuildAsync(agent, builder.Programs(), ct).ConfigureAwait(false);
        var stale = new List<string>();
        if (!Same(launch.EnvFilePath, launch.EnvFileText)) stale.Add(launch.EnvFilePath);
        if (!Same(builder.Paths.AgentTemplate, launch.AgentTemplate)) stale.Add(builder.Paths.AgentTemplate);
        if (!Same(builder.Paths.HolderUnit, launch.HolderUnit)) stale.Add(builder.Paths.HolderUnit);
        if (!Same(launch.DropInPath, launch.DropInText)) stale.Add(launch.DropInPath);
        return stale.Count == 0 ? null
            : $"Agent '{agent.Name}': {string.Join(", ", stale)} differ from what the roster gives now; systemd starts it with the installed settings. Run Install-FleetUnit to update them.";

        bool Same(string path, string text) => files.Read(path) is { } bytes && bytes.AsSpan().SequenceEqual(LaunchBuilder.Bytes(text));
    }

    /// <summary>The direct launch: ensure the holder (its unit's ExecStart), then the agent unit's ExecStop (to replace a
    /// pane), ExecStartPre and ExecStart, each resolved by systemd's rules with the agent's environment.</summary>
    public async Task LaunchDirectAsync(FleetAgentSpec agent, bool replace, List<string> notes, CancellationToken ct)
    {
        var launch = await builder.BuildAsync(agent, builder.Programs(), ct).ConfigureAwait(false);
        bool written;
        try
        {
            written = agent.Environment.Count > 0 && files.WriteAtomic(launch.EnvFilePath, LaunchBuilder.Bytes(launch.EnvFileText), AtomicFile.PrivateMode, AtomicFile.PrivateDirectoryMode);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LifecycleException(FleetErrorIds.EnvFileWriteFailed, $"Agent '{agent.Name}': cannot write its environment file {launch.EnvFilePath}: {ex.Message}", agent.Name, ex);
        }
        if (written) notes.Add($"Wrote {launch.EnvFilePath} (the pane reads the agent's environment from it).");
        // The holder unit's ExecStart is the server itself (tmux -D); its ExecStartPost, run with MOSAIC_LAUNCH=direct,
        // starts a server with the holder session where none runs and sets the hooks.
        foreach (var line in launch.HolderExec("ExecStartPost", builder.Paths)) await RunExecAsync(agent, line, FleetErrorIds.HolderStartFailed, notes, ct, startedElsewhere: true).ConfigureAwait(false);
        // ExecStartPre replaces any session of the agent (replace or not); ExecStart is the unit's waiter, which a
        // direct start has no use for: nothing supervises a direct agent.
        _ = replace;
        foreach (var line in launch.AgentExec("ExecStartPre", builder.Paths)) await RunExecAsync(agent, line, FleetErrorIds.StartFailed, notes, ct, startedElsewhere: true).ConfigureAwait(false);
    }

    private async Task ResetFailedAsync(AgentState state, List<string> notes, CancellationToken ct)
    {
        notes.Add($"{state.Agent.Name}: its unit was failed ({state.Unit?.Display}); clearing that (reset-failed).");
        // Never queued: it must come before the (possibly queued) start, which a unit past its start limit refuses.
        var result = await RunSystemctlAsync("reset-failed", state.Agent.Host, [SystemctlShow.AgentUnit(state.Agent.Name)], notes, ct).ConfigureAwait(false);
        if (!result.Success)
        {
            HostFailure(state.Agent.Host, result);
            throw new LifecycleException(FleetErrorIds.StartFailed, $"Agent '{state.Agent.Name}': {result.Describe()}", state.Agent.Name);
        }
    }

    private async Task RunExecAsync(FleetAgentSpec agent, ExecLine line, string errorId, List<string> notes, CancellationToken ct, bool startedElsewhere = false)
    {
        var spec = new CommandSpec(line.Argv, Context.CommandTimeout);
        notes.Add("Run: " + spec.Display);
        var result = await Context.Runner.RunAsync(Context.HostOf(agent.Host), spec, ct).ConfigureAwait(false);
        if (result.Success || line.IgnoreFailure) return;
        // Another start of the same agent (a parallel Start-FleetAgent) created the session between our read and our
        // new-session: the agent is started, as asked; like a second Start-Service, that is no error.
        if (startedElsewhere && result.Stderr.Contains("duplicate session", StringComparison.Ordinal))
        {
            notes.Add($"{(line.Argv.Contains(agent.Name) ? agent.Name : "The holder session")} was started by another caller at the same moment; nothing more to do.");
            return;
        }
        HostFailure(agent.Host, result);
        throw new LifecycleException(errorId, $"Agent '{agent.Name}': {result.Describe()}", agent.Name);
    }

    private async Task KillSessionAsync(FleetAgentSpec agent, List<string> notes, CancellationToken ct)
    {
        var tmux = Context.TmuxFor(agent.Host);
        var spec = new CommandSpec(tmux.Build("kill-session", "-t", TmuxArgument.Literal(TmuxTarget.Session(agent.Name))), Context.CommandTimeout);
        notes.Add("Run: " + spec.Display);
        var result = await Context.Runner.RunAsync(Context.HostOf(agent.Host), spec, ct).ConfigureAwait(false);
        if (FleetQuery.NotRun(Context.HostOf(agent.Host), result) is { } notRun) throw notRun;
        if (!result.Success && !result.Stderr.Contains("can't find session", StringComparison.Ordinal) && !ListPanes.IsNoServer(result.Stderr))
        {
            throw new LifecycleException(FleetErrorIds.StopFailed, $"Agent '{agent.Name}': {result.Describe()}", agent.Name);
        }
    }

    /// <summary>Runs the queued calls: one <c>systemctl --user VERB unit...</c> per verb, in the order the verbs were first
    /// queued. systemctl acts on every unit it is given and names each unit that failed in its message, so a failed call
    /// is that named agent's error and the rest went ahead; a failure that names none of them (e.g. no bus) is followed
    /// by one call per unit, so each agent gets its own answer. Returns the notes and the failed agents' errors.</summary>
    public async Task<(IReadOnlyList<string> Notes, IReadOnlyDictionary<FleetAgentSpec, LifecycleException> Failures)> FlushAsync(CancellationToken ct)
    {
        var notes = new List<string>();
        var failures = new Dictionary<FleetAgentSpec, LifecycleException>(ReferenceEqualityComparer.Instance);
        var queued = _queued.ToList();
        _queued.Clear();
        foreach (var verb in queued.Select(q => q.Verb).Distinct(StringComparer.Ordinal).ToList())
        {
            var agents = queued.Where(q => q.Verb == verb).Select(q => q.Agent).ToList();
            var host = agents[0].Host;
            var units = agents.Select(a => SystemctlShow.AgentUnit(Context.Roster.Tenant, a.Name)).ToList();
            var result = await RunSystemctlAsync(verb, host, units, notes, ct).ConfigureAwait(false);
            if (result.Success) continue;
            HostFailure(host, result);
            var id = verb == "stop" ? FleetErrorIds.StopFailed : FleetErrorIds.StartFailed;
            var text = result.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal);
            var named = agents.Where(a => text.Contains(SystemctlShow.AgentUnit(Context.Roster.Tenant, a.Name), StringComparison.Ordinal)).ToList();
            if (agents.Count == 1 || named.Count > 0)
            {
                foreach (var a in agents.Count == 1 ? agents : named)
                {
                    var unit = SystemctlShow.AgentUnit(Context.Roster.Tenant, a.Name);
                    var lines = string.Join(" ", text.Split('\n').Where(l => l.Contains(unit, StringComparison.Ordinal)).Select(l => l.Trim()));
                    var why = agents.Count == 1 || lines.Length == 0 ? result.Describe() : $"'{PosixShell.Join([Context.SystemctlProgramOn(host), "--user", verb, unit])}' failed: {lines}";
                    failures[a] = new LifecycleException(id, $"Agent '{a.Name}': {why}", a.Name);
                }
                continue;
            }
            notes.Add($"{verb} of {agents.Count} units failed ({result.Describe()}); trying each unit alone.");
            foreach (var a in agents)
            {
                var single = await RunSystemctlAsync(verb, host, [SystemctlShow.AgentUnit(Context.Roster.Tenant, a.Name)], notes, ct).ConfigureAwait(false);
                if (single.Success) continue;
                HostFailure(host, single);
                failures[a] = new LifecycleException(id, $"Agent '{a.Name}': {single.Describe()}", a.Name);
            }
        }
        var stopped = queued.Where(q => q.Verb == "stop" && !failures.ContainsKey(q.Agent)).Select(q => q.Agent).ToList();
        if (stopped.Count > 0) await EndLeftoverPanesAsync(stopped, notes, ct).ConfigureAwait(false);
        return (notes, failures);
    }

    /// <summary>After a stop: a pane that died while its unit waited to restart (or ran out of restarts) stays dead,
    /// since no ExecStopPost runs for a unit that is not running; stopped means no session, so those go too.</summary>
    private async Task EndLeftoverPanesAsync(IReadOnlyList<FleetAgentSpec> stopped, List<string> notes, CancellationToken ct)
    {
        foreach (var group in stopped.GroupBy(a => a.Host, StringComparer.Ordinal))
        {
            var tmux = Context.TmuxFor(group.Key);
            var list = await Context.Runner.RunAsync(Context.HostOf(group.Key), new CommandSpec(tmux.Build("list-sessions", "-F", "#{session_name}"), Context.CommandTimeout), ct).ConfigureAwait(false);
            if (!list.Success) continue;
            var sessions = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            foreach (var agent in group.Where(a => sessions.Contains(a.Name))) await KillSessionAsync(agent, notes, ct).ConfigureAwait(false);
        }
    }

    private async Task<CommandResult> RunSystemctlAsync(string verb, string host, IReadOnlyList<string> units, List<string> notes, CancellationToken ct)
    {
        var spec = new CommandSpec([Context.SystemctlProgramOn(host), "--user", verb, .. units],
            Context.CommandTimeout + TimeSpan.FromSeconds(30) + TimeSpan.FromMilliseconds(100 * units.Count));
        notes.Add("Run: " + spec.Display);
        return await Context.Runner.RunAsync(Context.HostOf(host), spec, ct).ConfigureAwait(false);
    }

    private async Task SystemctlAsync(string verb, FleetAgentSpec agent, List<string> notes, CancellationToken ct)
    {
        if (Batch)
        {
            _queued.Add((verb, agent));
            notes.Add($"Queued: systemctl --user {verb} {SystemctlShow.AgentUnit(Context.Roster.Tenant, agent.Name)} (one call for all queued units)");
            return;
        }
        var unit = SystemctlShow.AgentUnit(Context.Roster.Tenant, agent.Name);
        var spec = new CommandSpec([Context.SystemctlProgramOn(agent.Host), "--user", verb, unit], Context.CommandTimeout + TimeSpan.FromSeconds(30));
        notes.Add("Run: " + spec.Display);
        var result = await Context.Runner.RunAsync(Context.HostOf(agent.Host), spec, ct).ConfigureAwait(false);
        if (!result.Success)
        {
            HostFailure(agent.Host, result);
            var id = verb == "stop" ? FleetErrorIds.StopFailed : FleetErrorIds.StartFailed;
            throw new LifecycleException(id, $"Agent '{agent.Name}': {result.Describe()}", agent.Name);
        }
    }

    /// <summary>Makes (or reuses) the agent's worktree before a launch, so a repository that is gone or a branch checked
    /// out elsewhere is this agent's own clear error (the unit's ExecStartPre runs the same script at boot).</summary>
    private async Task EnsureWorktreeAsync(FleetAgentSpec agent, List<string> notes, CancellationToken ct)
    {
        if (builder.Worktree(agent) is not { } worktree) return;
        var status = await new Worktrees.WorktreeService(Context).EnsureAsync(agent, worktree, ct).ConfigureAwait(false);
        notes.Add($"Worktree of {agent.Name}: {status}");
    }

    /// <summary>Throws <see cref="FleetHostException"/> when a remote call failed because the host could not be reached.</summary>
    private static void HostFailure(string hostName, CommandResult result)
    {
        if (hostName == FleetHost.LocalName || !result.Unreached(remote: true)) return;
        throw new FleetHostException(hostName, FleetErrorIds.FleetHostUnreachable, $"Cannot reach host {hostName}: {result.Describe()}");
    }
}
