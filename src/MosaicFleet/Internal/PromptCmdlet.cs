using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Prompts;

namespace MosaicFleet.Internal;

/// <summary>Shared by Get-FleetPrompt, Approve-FleetAgent and Deny-FleetAgent: agents gathered from the pipeline, read
/// in one query, and prompt errors as ErrorRecords.</summary>
public abstract class PromptCmdlet : FleetCmdlet
{
    protected readonly List<string> Names = [];

    protected List<FleetAgent> ReadAgents()
    {
        var selected = SelectAgents(Names);
        if (selected.Count == 0) return [];
        var snapshot = Await(new FleetQuery(Context).GetAgentsAsync(selected, StopToken));
        WriteSnapshotDiagnostics(snapshot);
        return snapshot.Agents.Where(a => a.Status != FleetAgentStatus.Unreachable).ToList();
    }

    protected static ErrorRecord PromptError(PromptException ex) => new(ex, ex.ErrorId, ex.ErrorId switch
    {
        PromptException.OptionNotFoundId or PromptException.NoDefaultId => ErrorCategory.ObjectNotFound,
        PromptException.NotWaitingId => ErrorCategory.InvalidOperation,
        PromptException.NotDrawnId or PromptException.SelectionId or PromptException.StillShownId => ErrorCategory.OperationTimeout,
        PromptException.ExitedId => ErrorCategory.ResourceUnavailable,
        _ => ErrorCategory.ReadError,
    }, ex.Agent)
    {
        ErrorDetails = new ErrorDetails(ex.Message),
    };

    protected static ErrorRecord NotRunning(FleetAgent agent)
    {
        var message = $"Agent '{agent.Name}' has no live pane (status {agent.Status}), so it asks nothing.";
        return new ErrorRecord(new InvalidOperationException(message), "AgentNotRunning", ErrorCategory.ResourceUnavailable, agent.Name) { ErrorDetails = new ErrorDetails(message) };
    }
}
