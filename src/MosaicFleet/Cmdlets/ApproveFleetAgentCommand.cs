using System.Management.Automation;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>Answers a Waiting agent's prompt with a yes: the runtime's one-time affirmative option, or -Option.</summary>
[Cmdlet(VerbsLifecycle.Approve, "FleetAgent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(FleetPromptAnswer))]
public sealed class ApproveFleetAgentCommand : AnswerCmdlet
{
    protected override bool Approve => true;
}
