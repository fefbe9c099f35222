using System.Management.Automation;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Internal;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Cmdlets;

/// <summary>Sends each agent's runtime resetCommand (e.g. /clear), with the same delivery and verification as Send-FleetMessage.</summary>
[Cmdlet(VerbsCommon.Reset, "FleetAgent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(FleetSendResult))]
public sealed class ResetFleetAgentCommand : FleetSendCmdlet
{
    /// <summary>Agent names; wildcards allowed.</summary>
    [Parameter(ParameterSetName = ByNameSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[]? Name { get; set; }

    /// <summary>Every agent of the roster. Without it, only the agents named or piped.</summary>
    [Parameter(ParameterSetName = AllSet, Mandatory = true)]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord() => GatherNames(Name);

    protected override void EndProcessing()
    {
        foreach (var _ in EachRoster()) Reset();
    }

    private void Reset()
    {
        var source = MessageText.DefaultSource(Environment.UserName, Environment.MachineName);
        var requests = new List<SendRequest>();
        foreach (var agent in ResolveAgents(All, wholeRosterWhenUnnamed: false))
        {
            var runtime = Context.RuntimeOf(agent);
            if (string.IsNullOrEmpty(runtime.ResetCommand))
            {
                WriteError(new ErrorRecord(
                    new InvalidOperationException($"The runtime '{runtime.Name}' of {agent.Name} has no resetCommand."),
                    FleetErrorIds.NoResetCommand, FleetErrors.For(FleetErrorIds.NoResetCommand), agent.Name)
                {
                    ErrorDetails = new ErrorDetails($"The runtime '{runtime.Name}' of {agent.Name} has no resetCommand.")
                    {
                        RecommendedAction = $"Set runtimes.{runtime.Name}.resetCommand in the roster, or restart the agent.",
                    },
                });
                continue;
            }
            if (!ShouldProcess(agent.Name, $"Reset with '{runtime.ResetCommand}'")) continue;
            // The reset command is typed as is: a source label would turn "/clear" into a prompt.
            requests.Add(new SendRequest(agent, runtime.ResetCommand, null, "reset") { LogSource = source });
        }
        Deliver(requests);
    }
}
