using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Systemd;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Fleet;

/// <summary>Reads the fleet's state: per host, ONE tmux list-panes and ONE systemctl list-units (plus the unit files of the
/// search path, read in-process here or in the same script there: <see cref="UnitStates"/>), whatever the number of agents;
/// a remote host gets both in ONE ssh process (<see cref="RemoteHostQuery"/>); hosts are queried in parallel.</summary>
public sealed class FleetQuery(FleetContext context)
{




    /// <summary>The error of a tmux call that never ran: tmux is missing (<see cref="FleetErrorIds.TmuxNotFound"/>) or the host could
    /// not be reached (<see cref="FleetErrorIds.FleetHostUnreachable"/>; a remote call that timed out counts as that). Null when tmux ran,
    /// whatever it answered. Every cmdlet classifies its tmux calls through this (and <see cref="CommandResult.FailureOn"/>).</summary>
    public static FleetHostException? NotRun(FleetHost host, CommandResult result) => result.FailureOn(host) switch
    {
        CommandFailure.ProgramNotFound => new FleetHostException(host.Name, FleetErrorIds.TmuxNotFound, host.IsLocal
            ? $"tmux ('{result.Spec.Argv[0]}') was not found on this machine; install tmux or set $MOSAIC_TMUX to its absolute path."
            : $"tmux was not found on the PATH of host {host.Name}; install tmux there."),
        CommandFailure.TransportLost => new FleetHostException(host.Name, FleetErrorIds.FleetHostUnreachable, $"Cannot reach host {host.Name}: {result.DescribeWithoutOutput()}"),
        CommandFailure.TimedOut when !host.IsLocal => new FleetHostException(host.Name, FleetErrorIds.FleetHostUnreachable, $"Cannot reach host {host.Name}: no answer within {result.Spec.Timeout.TotalSeconds:0.#} s"),
        _ => null,
    };

    public async Task<FleetSnapshot> GetAgentsAsync(IEnumerable<FleetAgentSpec> agents, CancellationToken cancellationToken)
    {
        var wanted = agents.ToList();
        var byHost = wanted.GroupBy(a => a.Host, StringComparer.Ordinal).ToList();
        var tasks = byHost.Select(g => ReadHostSafeAsync(g.Key, g.Select(a => SystemctlShow.AgentUnit(context.Roster.Tenant, a.Name)).ToList(), cancellationToken)).ToList();
        var states = await Task.WhenAll(tasks).ConfigureAwait(false);
        var stateByHost = new Dictionary<string, (HostState?, HostFailure?)>(StringComparer.Ordinal);
        for (var i = 0; i < byHost.Count; i++) stateByHost[byHost[i].Key] = states[i];
        return Assemble(wanted, stateByHost);
    }

    /// <summary>The snapshot of <paramref name="wanted"/> from each host's state (or failure), however it was read: by
    /// <see cref="GetAgentsAsync"/> or by a long-lived source (Events.HostStream). A host missing from
    /// <paramref name="stateByHost"/> makes its agents Unreachable.</summary>
    public FleetSnapshot Assemble(IReadOnlyList<FleetAgentSpec> wanted, IReadOnlyDictionary<string, (HostState? State, HostFailure? Failure)> stateByHost)
    {
        var snapshot = new FleetSnapshot();
        foreach (var (hostName, (state, failure)) in stateByHost)
        {
            if (failure is not null) snapshot.HostFailures.Add(failure);
            if (state is not null)
            {
                if (state.UnitsUnavailable is not null) snapshot.Notes.Add($"{hostName}: no systemd user manager answered, ServiceState is empty ({state.UnitsUnavailable}).");
                foreach (var r in state.RejectedRecords) snapshot.Notes.Add($"{hostName}: ignored a list-panes record that does not parse: {r.Replace('\x1f', '|').Replace("\n", "\\n", StringComparison.Ordinal)}");
            }
        }
        var now = context.Clock.GetUtcNow();
        foreach (var spec in wanted)
        {
            snapshot.Agents.Add(Build(spec, stateByHost.TryGetValue(spec.Host, out var s) ? s.State : null, now));
        }
        return snapshot;
    }

    private async Task<(HostState?, HostFailure?)> ReadHostSafeAsync(string hostName, IReadOnlyList<string> units, CancellationToken ct)
    {
        try
        {
            return (await ReadHostAsync(hostName, units, ct).ConfigureAwait(false), null);
        }
        catch (FleetHostException ex)
        {
            return (null, new HostFailure(ex.Host, ex.ErrorId, ex.Message));
        }
    }

    /// <summary>One host's panes and unit states.</summary>
    public async Task<HostState> ReadHostAsync(string hostName, IReadOnlyList<string> units, CancellationToken ct)
    {
        var host = context.HostOf(hostName);
        var tmux = context.TmuxFor(hostName);
        if (!host.IsLocal) return await ReadRemoteHostAsync(host, tmux, units, ct).ConfigureAwait(false);
        var nonce = ListPanes.NewNonce();
        var listTask = context.Runner.RunAsync(host, new CommandSpec(tmux.ListPanes(nonce), context.CommandTimeout), ct);
        Task<CommandResult>? unitsTask = units.Count == 0 ? null
            : context.Runner.RunAsync(host, new CommandSpec([context.SystemctlProgram, .. UnitStates.ListArguments(TenantNames.AgentPattern(context.Roster.Tenant))], context.CommandTimeout), ct);
        // The unit files, while the two commands run: one directory listing per search-path directory.
        var files = units.Count == 0 ? null : UnitFileIndex.ScanLocal(UnitFileIndex.SearchPath(context.GetEnv), TenantNames.AgentFileGlob(context.Roster.Tenant));
        var list = await listTask.ConfigureAwait(false);
        var listed = unitsTask is null ? null : await unitsTask.ConfigureAwait(false);
        return Interpret(host, tmux, nonce, list, listed, files, units, TenantNames.Mark(context.Roster.Tenant));
    }

    private async Task<HostState> ReadRemoteHostAsync(FleetHost host, TmuxCommand tmux, IReadOnlyList<string> units, CancellationToken ct)
    {
        var nonce = RemoteHostQuery.NewNonce();
        var pattern = units.Count == 0 ? null : TenantNames.AgentPattern(context.Roster.Tenant);
        var result = await context.Runner.RunAsync(host, RemoteHostQuery.Command(nonce, tmux.SocketName, pattern, context.CommandTimeout, TenantNames.AgentFileGlob(context.Roster.Tenant)), ct).ConfigureAwait(false);
        var report = RemoteHostQuery.Parse(result, nonce, tmux, pattern);
        if (report is null)
        {
            if (result.Unreached(remote: true))
            {
                var why = result.TimedOut ? $"no answer within {result.Spec.Timeout.TotalSeconds:0.#} s" : result.NotFound ? "ssh was not found" : FirstLines(result.Stderr);
                throw new FleetHostException(host.Name, FleetErrorIds.FleetHostUnreachable, $"Cannot reach host {host.Name}: {why}");
            }
            throw new FleetHostException(host.Name, FleetErrorIds.FleetHostCommandFailed, $"The remote shell on {host.Name} did not run the fleet query: exit {result.ExitCode}: {FirstLines(result.Stderr.Trim().Length > 0 ? result.Stderr : result.Stdout)}");
        }
        return Interpret(host, tmux, nonce, report, units);
    }

    /// <summary>A host's state from one run of <see cref="RemoteHostQuery.Script"/> (here or there): records the remote
    /// $HOME; throws <see cref="FleetHostException"/> as a query would.</summary>
    public HostState Interpret(FleetHost host, TmuxCommand tmux, string nonce, RemoteHostReport report, IReadOnlyList<string> units)
    {
        context.RecordHome(host.Name, report.Home);
        return Interpret(host, tmux, nonce, report.ListPanes, report.ListUnits, report.UnitFiles, units, TenantNames.Mark(context.Roster.Tenant));
    }

    private static string FirstLines(string text)
    {
        var t = text.Trim();
        if (t.Length == 0) return "(no message)";
        var lines = t.Split('\n');
        return string.Join(" ", lines.Take(3).Select(l => l.Trim()));
    }

    private static HostState Interpret(FleetHost host, TmuxCommand tmux, string nonce, CommandResult list, CommandResult? listUnits, UnitFileIndex? files, IReadOnlyList<string> units, string tenantMark)
    {
        var hostName = host.Name;
        IReadOnlyList<TmuxPane> panes = [];
        IReadOnlyList<string> rejected = [];
        var serverRunning = false;
        if (list.Success)
        {
            panes = ListPanes.Parse(list.Stdout, nonce, out rejected);
            serverRunning = true;
            // The server's holder marked it for its tenant: another tenant's fleet on the same socket is not this
            // roster's to read, start, stop or type into (an unmarked server, older than the mark, is taken as ours).
            if (panes.Select(p => p.TenantMark).FirstOrDefault(m => m is not null && m != tenantMark) is { } other)
                throw new FleetHostException(hostName, FleetErrorIds.FleetTmuxSocketInUse,
                    $"The tmux server on {hostName} (socket {tmux.SocketName}) runs the fleet of tenant '{other}', not of tenant '{tenantMark}': give this roster a socketName of its own (tmux: socketName:).");
        }
        else if (list.FailureOn(host) == CommandFailure.CommandFailed && ListPanes.IsNoServer(list.Stderr))
        {
            serverRunning = false;
        }
        else if (list.FailureOn(host) == CommandFailure.ProgramNotFound)
        {
            throw NotRun(host, list)!;
        }
        else
        {
            throw new FleetHostException(hostName, FleetErrorIds.TmuxQueryFailed, $"Cannot read the tmux server on {hostName} (socket {tmux.SocketName}): {list.Describe()}");
        }

        IReadOnlyDictionary<string, UnitState>? unitStates = null;
        string? unavailable = null;
        if (listUnits is not null)
        {
            if (listUnits.Success) unitStates = UnitStates.Complete(UnitStates.ParseList(listUnits.Stdout), units, (files ?? new UnitFileIndex()).Kind);
            else unavailable = listUnits.Describe();
        }
        return new HostState(panes, serverRunning, unitStates, unavailable, rejected);
    }

    private FleetAgent Build(FleetAgentSpec spec, HostState? state, DateTimeOffset now)
    {
        var runtime = context.RuntimeOf(spec);
        var agent = new FleetAgent
        {
            Name = spec.Name,
            Runtime = spec.Runtime,
            ClassName = spec.ClassName,
            Tenant = context.Roster.Tenant,
            Host = spec.Host,
            Session = spec.Name,
            Socket = context.TmuxOf(spec.Host).SocketName,
            Model = spec.Model,
            Effort = spec.Effort,
            WorkingDirectory = context.WorkingDirectoryOf(spec),
            RosterPath = context.Roster.Path,
        };
        if (state is null)
        {
            agent.Status = FleetAgentStatus.Unreachable;
            return agent;
        }
        state.FirstPaneBySession.TryGetValue(spec.Name, out var pane);
        UnitState? unit = null;
        if (state.Units is not null && state.Units.TryGetValue(SystemctlShow.AgentUnit(context.Roster.Tenant, spec.Name), out unit)) agent.ServiceState = unit.Display;
        // Failed: the unit hit its start limit or ended badly under restart policy never, whatever the pane shows.
        var failed = unit is { ActiveState: "failed" };
        agent.Supervised = unit is { ActiveState: "active" or "activating" or "reloading" } && unit.LoadState == "loaded";
        if (pane is null)
        {
            agent.Status = failed ? FleetAgentStatus.Failed : FleetAgentStatus.Missing;
            return agent;
        }
        // A live pane of a failed unit was started some other way (-Direct): it runs, unsupervised.
        agent.Status = !pane.Dead ? FleetAgentStatus.Running : failed ? FleetAgentStatus.Failed : FleetAgentStatus.Dead;
        agent.Restarts = pane.Restarts;
        agent.LastExitStatus = pane.Dead ? pane.DeadStatus : pane.LastExit;
        agent.PaneId = pane.PaneId;
        agent.PanePid = pane.PanePid;
        agent.PaneCommand = pane.PaneCommand.Length == 0 ? null : pane.PaneCommand;
        agent.PanePath = pane.PanePath.Length == 0 ? null : pane.PanePath;
        agent.DeadStatus = pane.DeadStatus;
        agent.LastActivity = pane.WindowActivity;
        if (pane.WindowActivity is { } act) agent.IdleSeconds = Math.Max(0, Math.Round((now - act).TotalSeconds));
        var (drift, reason) = DriftRules.Evaluate(runtime, agent.PaneCommand, !pane.Dead);
        agent.Drift = drift;
        agent.DriftReason = reason;
        return agent;
    }
}
