using System.Management.Automation;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>Answers a Waiting agent's prompt with a no: its first negative option, or -Option.</summary>
[Cmdlet(VerbsLifecycle.Deny, "FleetAgent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(FleetPromptAnswer))]
public sealed class DenyFleetAgentCommand : AnswerCmdlet
{
    protected override bool Approve => false;
}
