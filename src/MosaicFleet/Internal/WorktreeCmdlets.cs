using System.Management.Automation;
using MosaicFleet.Engine.Worktrees;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Internal;

/// <summary>Shared by the worktree cmdlets.</summary>
internal static class WorktreeCmdlets
{
    /// <summary>The agents that have a worktree. One named without wildcards that has none is an AgentHasNoWorktree error
    /// (ObjectNotFound, the name as target); a wildcard passes such agents by with a verbose line.</summary>
    public static List<FleetAgentSpec> WithWorktree(Cmdlet cmdlet, IEnumerable<FleetAgentSpec> selected, IReadOnlyCollection<string> names, string rosterPath)
    {
        var list = new List<FleetAgentSpec>();
        foreach (var agent in selected)
        {
            if (agent.Worktree is not null)
            {
                list.Add(agent);
                continue;
            }
            if (names.Any(n => !WildcardPattern.ContainsWildcardCharacters(n) && string.Equals(n, agent.Name, StringComparison.OrdinalIgnoreCase)))
            {
                var message = $"Agent '{agent.Name}' has no worktree in the roster {rosterPath} (add a worktree: block with a repository).";
                cmdlet.WriteError(new ErrorRecord(new ItemNotFoundException(message), FleetErrorIds.AgentHasNoWorktree, FleetErrors.For(FleetErrorIds.AgentHasNoWorktree), agent.Name)
                {
                    ErrorDetails = new ErrorDetails(message),
                });
            }
            else
            {
                cmdlet.WriteVerbose($"{agent.Name} has no worktree in the roster.");
            }
        }
        return list;
    }
}
