using System.Management.Automation;
using MosaicFleet.Engine.Worktrees;

namespace MosaicFleet.Internal;

/// <summary>ErrorRecords shared by the worktree cmdlets.</summary>
internal static class WorktreeCmdlets
{
    public static ErrorRecord NoWorktreeError(string agent, string rosterPath)
    {
        var message = $"Agent '{agent}' has no worktree in the roster {rosterPath} (add a worktree: block with a repository).";
        return new ErrorRecord(new ItemNotFoundException(message), WorktreeErrorIds.NoWorktree, ErrorCategory.ObjectNotFound, agent)
        {
            ErrorDetails = new ErrorDetails(message),
        };
    }
}
