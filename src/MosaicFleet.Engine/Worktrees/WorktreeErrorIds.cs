using MosaicFleet.Engine.Roster;
using System.Globalization;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Engine.Worktrees;

/// <summary>Stable error ids of worktree failures (each is that agent's own error; other agents go ahead).</summary>
public static class WorktreeErrorIds
{
    public const string RepositoryNotFound = "WorktreeRepositoryNotFound";
    public const string BranchInUse = "WorktreeBranchInUse";
    public const string PathInUse = "WorktreePathInUse";
    public const string LockTimeout = "WorktreeLockTimeout";
    public const string CreateFailed = "WorktreeCreateFailed";
    public const string HasChanges = "WorktreeHasChanges";
    public const string RemoveFailed = "WorktreeRemoveFailed";
    public const string AgentRunning = "WorktreeAgentRunning";
    public const string NoWorktree = "AgentHasNoWorktree";
    public const string QueryFailed = "WorktreeQueryFailed";
}
