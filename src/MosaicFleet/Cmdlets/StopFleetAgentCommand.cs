using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>Stops agents: their unit, or their tmux session. Never another agent's session or the tmux server.</summary>
[Cmdlet(VerbsLifecycle.Stop, "FleetAgent", SupportsShouldProcess = true, DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(FleetAgent))]
public sealed class StopFleetAgentCommand : AgentLifecycleCommand
{
    protected override string ActionName => "Stop";

    protected override bool Launches => false;

    protected override Task<IReadOnlyList<string>> ActAsync(AgentControl control, AgentState state, LifecycleMode mode, CancellationToken ct)
        => control.StopAsync(state, mode, ct);
}
