using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Prompts;
using MosaicFleet.Engine.Errors;

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

    protected static ErrorRecord PromptError(PromptException ex) => new(ex, ex.ErrorId, FleetErrors.For(ex.ErrorId), ex.Agent)
    {
        ErrorDetails = new ErrorDetails(ex.Message),
    };

    protected static ErrorRecord NotRunning(FleetAgent agent)
    {
        var message = $"Agent '{agent.Name}' has no live pane (status {agent.Status}), so it asks nothing.";
        return new ErrorRecord(new InvalidOperationException(message), FleetErrorIds.AgentNotRunning, FleetErrors.For(FleetErrorIds.AgentNotRunning), agent.Name) { ErrorDetails = new ErrorDetails(message) };
    }
}
