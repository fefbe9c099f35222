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
    private readonly List<string> _names = [];

    /// <summary>Agent names; wildcards allowed. Default: every agent that has a worktree.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        if (Name is not null) _names.AddRange(Name);
    }

    protected override void EndProcessing()
    {
        var selected = SelectAgents(_names.Distinct(StringComparer.OrdinalIgnoreCase).ToList());
        foreach (var agent in selected.Where(a => a.Worktree is null))
        {
            // A name given in full that has no worktree is an error; a wildcard just passes it by.
            if (_names.Any(n => !WildcardPattern.ContainsWildcardCharacters(n) && string.Equals(n, agent.Name, StringComparison.OrdinalIgnoreCase)))
            {
                WriteError(WorktreeCmdlets.NoWorktreeError(agent.Name, Roster.Path));
            }
            else
            {
                WriteVerbose($"{agent.Name} has no worktree in the roster.");
            }
        }
        var withWorktree = selected.Where(a => a.Worktree is not null).ToList();
        if (withWorktree.Count == 0) return;
        var (worktrees, failures) = Await(new WorktreeService(Context).QueryAsync(withWorktree, StopToken));
        foreach (var f in failures) WriteError(FleetErrorCategories.HostRecord(f.Host, f.ErrorId, f.Message));
        foreach (var w in worktrees) WriteObject(w);
    }
}
