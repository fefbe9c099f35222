using System.Management.Automation;
using MosaicFleet.Engine.Worktrees;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>Lists agents' git worktrees as git sees them now: branch, base, commits ahead and behind, uncommitted and
/// untracked changes, the last commit. One process per host, whatever the number of agents.</summary>
[Cmdlet(VerbsCommon.Get, "FleetWorktree")]
[OutputType(typeof(FleetWorktree))]
public sealed class GetFleetWorktreeCommand : FleetCmdlet
{
    /// <summary>Agent names; wildcards allowed. Default: every agent that has a worktree.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[]? Name { get; set; }

    protected override void ProcessRecord() => GatherNames(Name);

    // Names from the pipeline are gathered so the whole call costs one process per host.
    protected override void EndProcessing()
    {
        foreach (var _ in EachRoster())
        {
            var selected = ResolveAgents(all: false, wholeRosterWhenUnnamed: true);
            var withWorktree = WorktreeCmdlets.WithWorktree(this, selected, GatheredNames, Roster.Path);
            if (withWorktree.Count == 0) continue;
            var (worktrees, failures) = Await(new WorktreeService(Context).QueryAsync(withWorktree, StopToken));
            foreach (var f in failures) WriteError(FleetErrors.HostRecord(f.Host, f.ErrorId, f.Message));
            foreach (var w in worktrees) WriteObject(w);
        }
    }
}
