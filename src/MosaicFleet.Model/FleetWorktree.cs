namespace MosaicFleet;

/// <summary>The roster's <c>worktree:</c> block (under defaults or an agent): a git worktree the agent works in.
/// Only <see cref="Repository"/> is required; the others have defaults (see about_MosaicFleet).</summary>
public sealed class FleetWorktreeSpec
{
    /// <summary>The repository the worktree belongs to, on the agent's host ('~' and relative paths are under home).</summary>
    public string Repository { get; set; } = "";
    /// <summary>The branch; default fleet/&lt;tenant&gt;/&lt;agent&gt;. {agent} and {tenant} are replaced.</summary>
    public string? Branch { get; set; }
    /// <summary>Where a new branch starts; default the repository's HEAD when the worktree is made (recorded in
    /// git config branch.&lt;branch&gt;.mosaicBase).</summary>
    public string? Base { get; set; }
    /// <summary>The worktree's directory; default $XDG_DATA_HOME/mosaic/fleet/worktrees/&lt;tenant&gt;/&lt;agent&gt;.
    /// {agent} and {tenant} are replaced.</summary>
    public string? Path { get; set; }

    public override string ToString() => Repository;
}

/// <summary>One agent's git worktree as git sees it now (Get-FleetWorktree).</summary>
public sealed class FleetWorktree
{
    public string Agent { get; set; } = "";
    public string Host { get; set; } = "local";
    public string Path { get; set; } = "";
    public string Repository { get; set; } = "";
    /// <summary>The branch checked out in the worktree (null when its HEAD is detached or the worktree is missing).</summary>
    public string? Branch { get; set; }
    /// <summary>What Ahead and Behind count against: branch.&lt;branch&gt;.mosaicBase, else the roster's base.</summary>
    public string? Base { get; set; }
    /// <summary>Commits on the branch that are not on Base.</summary>
    public int? Ahead { get; set; }
    /// <summary>Commits on Base that are not on the branch.</summary>
    public int? Behind { get; set; }
    /// <summary>Changed (staged or not) tracked files, as git status counts them.</summary>
    public int? Uncommitted { get; set; }
    /// <summary>Untracked files and directories (ignored ones not counted).</summary>
    public int? Untracked { get; set; }
    /// <summary>When the worktree's HEAD commit was made.</summary>
    public DateTimeOffset? LastCommit { get; set; }
    /// <summary>The HEAD commit's abbreviated id.</summary>
    public string? Commit { get; set; }
    /// <summary>The HEAD commit's subject line.</summary>
    public string? Subject { get; set; }
    /// <summary>Present, Missing (no directory: Start-FleetAgent makes it), NotAWorktree (the directory is something
    /// else), RepositoryMissing, or Unreachable (the host did not answer).</summary>
    public FleetWorktreeState State { get; set; }
    /// <summary>The full path of the roster this object came from: the next cmdlet in a pipeline binds it (-RosterPath by
    /// property name), so a pipeline acts on the roster it started from.</summary>
    public string RosterPath { get; set; } = "";

    public override string ToString() => Agent;
}

/// <summary>Where an agent's worktree stands.</summary>
// long, not int: ConvertTo-Json writes a long-based enum by name ("Status": "Running"), an int-based one as a number.
public enum FleetWorktreeState : long
{
    /// <summary>The directory is a worktree of the agent's repository.</summary>
    Present,
    /// <summary>No directory yet (Start-FleetAgent creates it).</summary>
    Missing,
    /// <summary>The directory exists but is not a worktree of the agent's repository.</summary>
    NotAWorktree,
    /// <summary>The repository is gone (or is not a git repository).</summary>
    RepositoryMissing,
    /// <summary>The agent's host could not be reached.</summary>
    Unreachable,
}
