using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>Start-, Stop- and Restart-FleetAgent: the same parameters and flow, a different action.</summary>
public abstract class AgentLifecycleCommand : LifecycleCmdlet
{
    private readonly List<string> _names = [];

    /// <summary>Agent names; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[] Name { get; set; } = [];

    /// <summary>Act directly in tmux even where the systemd units are installed.</summary>
    [Parameter]
    public SwitchParameter Direct { get; set; }

    /// <summary>Emit the refreshed FleetAgent for each agent acted on.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected abstract string ActionName { get; }

    /// <summary>Whether the action starts a runtime (so stale installed settings are worth a warning).</summary>
    protected virtual bool Launches => true;

    protected abstract Task<IReadOnlyList<string>> ActAsync(AgentControl control, AgentState state, LifecycleMode mode, CancellationToken ct);

    protected override void ProcessRecord() => _names.AddRange(Name);

    // Names from the pipeline are gathered so the whole call reads the fleet once.
    protected override void EndProcessing()
    {
        var selected = SelectAgents(_names.Distinct(StringComparer.OrdinalIgnoreCase).ToList());
        if (selected.Count == 0) return;
        var control = new AgentControl(new LaunchBuilder(Context, Paths), FilesOf(Engine.Processes.FleetHost.LocalName));
        IReadOnlyList<AgentState> states;
        try
        {
            states = Await(control.ReadAsync(selected, StopToken));
        }
        catch (FleetHostException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.ConnectionError, ex.Host));
            return;
        }
        var done = new List<FleetAgentSpec>();
        foreach (var state in states)
        {
            var mode = AgentControl.ModeFor(state, Direct);
            var how = mode == LifecycleMode.Systemd ? $"through systemd ({Engine.Systemd.SystemctlShow.AgentUnit(state.Agent.Name)})" : "directly in tmux";
            if (!ShouldProcess(state.Agent.Name, $"{ActionName} {how}")) continue;
            try
            {
                if (mode == LifecycleMode.Systemd && Launches && !state.Running && Await(control.CheckInstalledAsync(state.Agent, StopToken)) is { } stale)
                {
                    WriteWarning(stale);
                }
                foreach (var note in Await(ActAsync(control, state, mode, StopToken))) WriteVerbose(note);
                done.Add(state.Agent);
            }
            catch (LifecycleException ex)
            {
                WriteError(LifecycleError(ex));
            }
        }
        if (PassThru && done.Count > 0)
        {
            var snapshot = Await(new FleetQuery(Context).GetAgentsAsync(done, StopToken));
            WriteSnapshotDiagnostics(snapshot);
            foreach (var agent in snapshot.Agents) WriteObject(agent);
        }
    }
}

/// <summary>Starts agents: through systemd where the units are installed and a user manager answers, else directly in tmux.</summary>
[Cmdlet(VerbsLifecycle.Start, "FleetAgent", SupportsShouldProcess = true)]
[OutputType(typeof(FleetAgent))]
public sealed class StartFleetAgentCommand : AgentLifecycleCommand
{
    protected override string ActionName => "Start";

    protected override Task<IReadOnlyList<string>> ActAsync(AgentControl control, AgentState state, LifecycleMode mode, CancellationToken ct)
        => control.StartAsync(state, mode, ct);
}

/// <summary>Stops agents: their unit, or their tmux session. Never another agent's session or the tmux server.</summary>
[Cmdlet(VerbsLifecycle.Stop, "FleetAgent", SupportsShouldProcess = true)]
[OutputType(typeof(FleetAgent))]
public sealed class StopFleetAgentCommand : AgentLifecycleCommand
{
    protected override string ActionName => "Stop";

    protected override bool Launches => false;

    protected override Task<IReadOnlyList<string>> ActAsync(AgentControl control, AgentState state, LifecycleMode mode, CancellationToken ct)
        => control.StopAsync(state, mode, ct);
}

/// <summary>Restarts agents with a new pane.</summary>
[Cmdlet(VerbsLifecycle.Restart, "FleetAgent", SupportsShouldProcess = true)]
[OutputType(typeof(FleetAgent))]
public sealed class RestartFleetAgentCommand : AgentLifecycleCommand
{
    protected override string ActionName => "Restart";

    protected override Task<IReadOnlyList<string>> ActAsync(AgentControl control, AgentState state, LifecycleMode mode, CancellationToken ct)
        => control.RestartAsync(state, mode, ct);
}
