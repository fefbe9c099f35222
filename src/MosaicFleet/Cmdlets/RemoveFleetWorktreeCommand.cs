using MosaicFleet.Engine.Roster;
using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Worktrees;
using MosaicFleet.Internal;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Cmdlets;

/// <summary>Removes stopped agents' git worktrees (git worktree remove). The branch and its commits always stay, so the
/// next Start-FleetAgent makes the worktree again on the same branch.</summary>
[Cmdlet(VerbsCommon.Remove, "FleetWorktree", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(FleetWorktree))]
public sealed class RemoveFleetWorktreeCommand : FleetCmdlet
{
    private const string ByNameSet = "ByName";
    private const string AllSet = "All";

    /// <summary>Agent names; wildcards allowed.</summary>
    [Parameter(ParameterSetName = ByNameSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[]? Name { get; set; }

    /// <summary>Every agent of the roster that has a worktree. Without it, only the agents named or piped.</summary>
    [Parameter(ParameterSetName = AllSet, Mandatory = true)]
    public SwitchParameter All { get; set; }

    /// <summary>Remove the worktree even with uncommitted or untracked changes (they are lost; commits are not).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Emit each acted-on agent's FleetWorktree, read again afterwards (State Missing once removed).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => GatherNames(Name);

    protected override void EndProcessing()
    {
        foreach (var _ in EachRoster()) RemoveInRoster();
    }

    private void RemoveInRoster()
    {
        var candidates = WorktreeCmdlets.WithWorktree(this, ResolveAgents(All, wholeRosterWhenUnnamed: false), GatheredNames, Roster.Path);
        if (candidates.Count == 0) return;
        // Whether each agent runs: one list-panes per host. An unreachable host is one error; its agents are skipped.
        var snapshot = Await(new FleetQuery(Context).GetAgentsAsync(candidates, StopToken));
        WriteSnapshotDiagnostics(snapshot);
        var status = snapshot.Agents.ToDictionary(a => a.Name, a => a.Status, StringComparer.Ordinal);
        var service = new WorktreeService(Context);
        var tenant = Roster.Tenant;
        var done = new List<FleetAgentSpec>();
        foreach (var agent in candidates)
        {
            var state = status.GetValueOrDefault(agent.Name, FleetAgentStatus.Unreachable);
            if (state == FleetAgentStatus.Unreachable) continue;
            if (state == FleetAgentStatus.Running)
            {
                var message = $"Agent '{agent.Name}' is running in its worktree; stop it first (Stop-FleetAgent {agent.Name}).";
                WriteError(new ErrorRecord(new InvalidOperationException(message), FleetErrorIds.WorktreeAgentRunning, FleetErrors.For(FleetErrorIds.WorktreeAgentRunning), agent.Name)
                {
                    ErrorDetails = new ErrorDetails(message) { RecommendedAction = $"Stop-FleetAgent {agent.Name}" },
                });
                continue;
            }
            var spec = agent.Worktree!;
            var path = Context.WorkingDirectoryOf(agent) ?? (WorktreeSpecs.PathSpecFor(spec, tenant, agent.Name) is { Length: > 0 } p ? p : "its default worktree path");
            var branch = WorktreeSpecs.BranchFor(spec, tenant, agent.Name);
            var where = agent.Host == Engine.Processes.FleetHost.LocalName ? "" : $" on host {agent.Host}";
            var what = Force ? "Remove the worktree, discarding uncommitted and untracked changes" : "Remove the worktree";
            if (!ShouldProcess($"{path}{where}", $"{what} of agent {agent.Name} (branch {branch} and its commits are kept)")) continue;
            try
            {
                WriteVerbose(Await(service.RemoveAsync(agent, Force, StopToken)));
                done.Add(agent);
            }
            catch (LifecycleException ex)
            {
                var record = new ErrorRecord(ex, ex.ErrorId, FleetErrors.For(ex.ErrorId), agent.Name);
                if (ex.ErrorId == FleetErrorIds.WorktreeHasChanges)
                {
                    record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = $"Commit or stash the changes in {path}, or run Remove-FleetWorktree {agent.Name} -Force to discard them." };
                }
                WriteError(record);
            }
            catch (FleetHostException ex)
            {
                WriteError(FleetErrors.HostRecord(ex.Host, ex.ErrorId, ex.Message, ex));
            }
        }
        if (!PassThru || done.Count == 0) return;
        var (worktrees, failures) = Await(service.QueryAsync(done, StopToken));
        foreach (var f in failures) WriteError(FleetErrors.HostRecord(f.Host, f.ErrorId, f.Message));
        foreach (var w in worktrees) WriteObject(w);
    }
}
