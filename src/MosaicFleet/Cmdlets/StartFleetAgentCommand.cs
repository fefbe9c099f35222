using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>Starts agents: through systemd where the units are installed and a user manager answers, else directly in tmux.</summary>
[Cmdlet(VerbsLifecycle.Start, "FleetAgent", SupportsShouldProcess = true, DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(FleetAgent))]
public sealed class StartFleetAgentCommand : AgentLifecycleCommand
{
    protected override string ActionName => "Start";

    /// <summary>Seconds between one agent's start and the next (0, the default: all at once).</summary>
    [Parameter]
    [ValidateRange(0.0, 3600.0)]
    public double Spacing { get; set; }

    protected override TimeSpan LaunchSpacing => TimeSpan.FromSeconds(Spacing);

    // Starting a running agent does nothing.
    protected override bool LaunchesFor(AgentState state) => !state.Running;

    protected override Task<IReadOnlyList<string>> ActAsync(AgentControl control, AgentState state, LifecycleMode mode, CancellationToken ct)
        => control.StartAsync(state, mode, ct);
}
