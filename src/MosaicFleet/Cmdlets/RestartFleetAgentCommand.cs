using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>Restarts agents with a new pane.</summary>
[Cmdlet(VerbsLifecycle.Restart, "FleetAgent", SupportsShouldProcess = true, DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(FleetAgent))]
public sealed class RestartFleetAgentCommand : AgentLifecycleCommand
{
    protected override string ActionName => "Restart";

    protected override Task<IReadOnlyList<string>> ActAsync(AgentControl control, AgentState state, LifecycleMode mode, CancellationToken ct)
        => control.RestartAsync(state, mode, ct);
}
