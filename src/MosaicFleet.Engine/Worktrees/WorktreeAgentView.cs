using MosaicFleet.Engine.Roster;
using System.Globalization;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Engine.Worktrees;

/// <summary>Get-FleetAgent -Worktree: Branch and Uncommitted from the worktrees onto the agents.</summary>
public static class WorktreeAgentView
{
    public static void Add(IEnumerable<FleetAgent> agents, IEnumerable<FleetWorktree> worktrees)
    {
        var byName = worktrees.ToDictionary(w => w.Agent, StringComparer.Ordinal);
        foreach (var agent in agents)
        {
            if (!byName.TryGetValue(agent.Name, out var w)) continue;
            agent.Branch = w.Branch;
            agent.Uncommitted = w.Uncommitted;
        }
    }
}
