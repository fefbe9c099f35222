using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Internal;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Cmdlets;

/// <summary>Start-, Stop- and Restart-FleetAgent: the same parameters and flow, a different action.</summary>
public abstract class AgentLifecycleCommand : LifecycleCmdlet
{
    protected const string ByNameSet = "ByName";
    protected const string AllSet = "All";

    /// <summary>Agent names; wildcards allowed.</summary>
    [Parameter(ParameterSetName = ByNameSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[]? Name { get; set; }

    /// <summary>Every agent of the roster. Without it, the cmdlet acts only on the agents named or piped to it.</summary>
    [Parameter(ParameterSetName = AllSet, Mandatory = true)]
    public SwitchParameter All { get; set; }

    /// <summary>Act directly in tmux even where the systemd units are installed.</summary>
    [Parameter]
    public SwitchParameter Direct { get; set; }

    /// <summary>Emit the refreshed FleetAgent for each agent acted on.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected abstract string ActionName { get; }

    /// <summary>Whether the action starts a runtime (so stale installed settings are worth a warning).</summary>
    protected virtual bool Launches => true;

    /// <summary>Whether acting on this agent launches its runtime (Start leaves a running agent alone).</summary>
    protected virtual bool LaunchesFor(AgentState state) => Launches;

    /// <summary>The gap between one launch and the next (Start-FleetAgent -Spacing); zero for none.</summary>
    protected virtual TimeSpan LaunchSpacing => TimeSpan.Zero;

    protected abstract Task<IReadOnlyList<string>> ActAsync(AgentControl control, AgentState state, LifecycleMode mode, CancellationToken ct);

    protected override void ProcessRecord() => GatherNames(Name);

    // Names from the pipeline are gathered so the whole call reads the fleet once.
    protected override void EndProcessing()
    {
        foreach (var _ in EachRoster()) ActOnRoster();
    }

    private void ActOnRoster()
    {
        var selected = ResolveAgents(All, wholeRosterWhenUnnamed: false);
        if (selected.Count == 0) return;
        var done = new List<FleetAgentSpec>();
        var launched = new List<FleetAgentSpec>();
        // Host by host, in the order the agents were selected: a host that cannot be reached is one
        // error (its name as target) and its agents are skipped; the other hosts go ahead.
        foreach (var group in selected.GroupBy(a => a.Host, StringComparer.Ordinal))
        {
            try
            {
                var setup = HostSetup(group.Key);
                // Start/stop/restart through systemd are queued, then run as ONE systemctl call per verb for the host.
                // With -Spacing each start is its own call, the gap between them.
                var control = new AgentControl(setup.Builder, setup.Files) { Batch = LaunchSpacing == TimeSpan.Zero };
                var states = Await(control.ReadAsync(group.ToList(), StopToken));
                var queued = new List<AgentState>();
                foreach (var state in states)
                {
                    if (Act(control, state) is not { } acted) continue;
                    if (control.IsQueued(state.Agent)) queued.Add(acted);
                    else Done(acted, done, launched);
                }
                var (notes, failures) = Await(control.FlushAsync(StopToken));
                foreach (var note in notes) WriteVerbose(note);
                foreach (var state in queued)
                {
                    if (failures.TryGetValue(state.Agent, out var failure)) WriteError(LifecycleError(failure));
                    else Done(state, done, launched);
                }
            }
            catch (FleetHostException ex)
            {
                WriteError(HostError(ex));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Reading the host's installed units failed (an agent's own file problem is that agent's error, in Act).
                WriteError(new ErrorRecord(ex, FleetErrorIds.UnitFileReadFailed, FleetErrors.For(FleetErrorIds.UnitFileReadFailed), group.Key));
            }
        }
        // In the order the agents were selected, whichever way each was acted on.
        var order = new Dictionary<FleetAgentSpec, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < selected.Count; i++) order.TryAdd(selected[i], i);
        done.Sort((x, y) => order[x].CompareTo(order[y]));
        launched.Sort((x, y) => order[x].CompareTo(order[y]));
        // One more read: of every agent acted on for -PassThru, else of the launched ones only. After a launch it comes a
        // moment later, so a runtime that is not installed, or crashes at once, is an error, not a start.
        var read = PassThru ? done : launched;
        if (read.Count == 0) return;
        var snapshot = Await(launched.Count > 0
            ? StartCheck.ReadSettledAsync(Context, read, StopToken)
            : new FleetQuery(Context).GetAgentsAsync(read, StopToken));
        WriteSnapshotDiagnostics(snapshot);
        var judged = new HashSet<string>(launched.Select(a => a.Name), StringComparer.Ordinal);
        foreach (var agent in snapshot.Agents.Where(a => judged.Contains(a.Name)))
        {
            if (StartCheck.ExitedAtStart(agent) is not { } message) continue;
            WriteError(new ErrorRecord(new InvalidOperationException(message), FleetErrorIds.AgentExitedAtStart, FleetErrors.For(FleetErrorIds.AgentExitedAtStart), agent.Name)
            {
                ErrorDetails = new ErrorDetails(message)
                {
                    RecommendedAction = $"Read its last output (Get-FleetAgentOutput {agent.Name}) and check the runtime's command and PATH (Initialize-Fleet checks them).",
                },
            });
        }
        if (PassThru) foreach (var agent in snapshot.Agents) WriteObject(agent);
    }


    private int _launching;

    private void Done(AgentState state, List<FleetAgentSpec> done, List<FleetAgentSpec> launched)
    {
        done.Add(state.Agent);
        if (LaunchesFor(state)) launched.Add(state.Agent);
    }

    /// <summary>Acts on one agent (its systemctl call may wait in the control's queue); null when it was not acted on.</summary>
    private AgentState? Act(AgentControl control, AgentState state)
    {
        var mode = AgentControl.ModeFor(state, Direct);
        var how = mode == LifecycleMode.Systemd ? $"through systemd ({Engine.Systemd.SystemctlShow.AgentUnit(Roster.Tenant, state.Agent.Name)})" : "directly in tmux";
        var where = state.Agent.Host == Engine.Processes.FleetHost.LocalName ? "" : $" on host {state.Agent.Host}";
        if (!ShouldProcess(state.Agent.Name, $"{ActionName} {how}{where}")) return null;
        try
        {
            // Whatever launches a runtime through systemd (a Start of a stopped agent, every Restart) uses the installed
            // files: say so when the roster gives something else now.
            if (mode == LifecycleMode.Systemd && LaunchesFor(state) && Await(control.CheckInstalledAsync(state.Agent, StopToken)) is { } stale)
            {
                WriteWarning(stale);
            }
            else if (mode == LifecycleMode.Direct && !Direct && LaunchesFor(state) && !state.UnitInstalled && state.Unit is not null)
            {
                // The user manager answered, but this agent has no unit: it joined the roster after the last install.
                WriteWarning($"Agent '{state.Agent.Name}' has no installed unit{where} (it joined the roster after the last Install-FleetUnit), so it starts directly in tmux and nothing restarts it if it ends. Run Install-FleetUnit to have systemd supervise it.");
            }
            if (LaunchSpacing > TimeSpan.Zero && LaunchesFor(state) && _launching++ > 0)
            {
                // Runtimes sharing one login race to refresh it when they all start at once: one after another.
                WriteVerbose($"Waiting {LaunchSpacing.TotalSeconds:0.###} s before starting {state.Agent.Name} (-Spacing).");
                Await(Task.Delay(LaunchSpacing, StopToken));
            }
            foreach (var note in Await(ActAsync(control, state, mode, StopToken))) WriteVerbose(note);
            return state;
        }
        catch (Exception ex) when (AgentError(ex, state.Agent.Name) is { } record)
        {
            // This agent's problem (its settings, its env file): its error; the other agents still go ahead.
            WriteError(record);
            return null;
        }
    }
}
