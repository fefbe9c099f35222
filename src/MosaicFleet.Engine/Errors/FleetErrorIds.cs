// The one list of the module's error ids (issue 19): each id with its ErrorCategory (by name: the Engine has no
// PowerShell) and what it means. Cmdlets take the category from here (FleetErrors.Record), the help generator writes
// the list into about_MosaicFleet, and the tests check every ErrorRecord against it.
namespace MosaicFleet.Engine.Errors;

/// <summary>Marks a const of <see cref="FleetErrorIds"/>: its group in help, its ErrorCategory (by name) and what it means.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class FleetErrorAttribute(string group, string category, string meaning) : Attribute
{
    /// <summary>The heading the id is listed under in help.</summary>
    public string Group { get; } = group;

    public string Category { get; } = category;

    public string Meaning { get; } = meaning;
}

/// <summary>One error id of the list.</summary>
public sealed record FleetErrorInfo(string Id, string Category, string Meaning, string Group);

/// <summary>Every stable error id the module reports. Ids never change once released; new ones are added here.</summary>
public static class FleetErrorIds
{
    // Choosing agents
    [FleetError("Choosing agents", "InvalidArgument", "A command that changes state got no names and no -All (an empty pipeline acts on nothing).")]
    public const string AgentNameRequired = "AgentNameRequired";
    [FleetError("Choosing agents", "ObjectNotFound", "No agent of that name in the roster.")]
    public const string AgentNotFound = "AgentNotFound";
    [FleetError("Choosing agents", "ObjectNotFound", "No runtime of that name in the roster, nor built in.")]
    public const string RuntimeNotFound = "RuntimeNotFound";
    [FleetError("Choosing agents", "ObjectNotFound", "No agent in the roster has that class.")]
    public const string ClassNameNotFound = "ClassNameNotFound";
    [FleetError("Choosing agents", "ObjectNotFound", "No host of that name in the roster.")]
    public const string HostNotFound = "HostNotFound";
    [FleetError("Choosing agents", "InvalidArgument", "A name or option is not a valid wildcard pattern.")]
    public const string InvalidWildcardPattern = "InvalidWildcardPattern";

    // The roster
    [FleetError("The roster", "ObjectNotFound", "No roster at the path (or at any default path).")]
    public const string RosterNotFound = "RosterNotFound";
    [FleetError("The roster", "ReadError", "The roster file exists but cannot be read.")]
    public const string RosterReadError = "RosterReadError";
    [FleetError("The roster", "InvalidData", "The roster is not valid YAML (line and column in the message).")]
    public const string RosterSyntaxError = "RosterSyntaxError";
    [FleetError("The roster", "InvalidData", "The roster has a key this version does not know.")]
    public const string RosterUnknownKey = "RosterUnknownKey";
    [FleetError("The roster", "InvalidData", "A required roster key is missing.")]
    public const string RosterMissingKey = "RosterMissingKey";
    [FleetError("The roster", "InvalidData", "A roster value has the wrong type or is out of range.")]
    public const string RosterInvalidValue = "RosterInvalidValue";
    [FleetError("The roster", "InvalidData", "The roster's version is not 1.")]
    public const string RosterUnsupportedVersion = "RosterUnsupportedVersion";
    [FleetError("The roster", "InvalidData", "The roster's transport is not tmux.")]
    public const string RosterUnsupportedTransport = "RosterUnsupportedTransport";
    [FleetError("The roster", "InvalidData", "Two agents of the roster have the same name.")]
    public const string RosterDuplicateAgent = "RosterDuplicateAgent";
    [FleetError("The roster", "InvalidData", "An agent name cannot name a tmux session or a unit.")]
    public const string RosterInvalidAgentName = "RosterInvalidAgentName";
    [FleetError("The roster", "InvalidData", "An agent names a runtime that is neither in the roster nor built in.")]
    public const string RosterUnknownRuntime = "RosterUnknownRuntime";
    [FleetError("The roster", "InvalidData", "An agent names a host that is not in the roster's hosts.")]
    public const string RosterUnknownHost = "RosterUnknownHost";
    [FleetError("The roster", "InvalidData", "A runtime pattern is not a valid regular expression.")]
    public const string RosterInvalidPattern = "RosterInvalidPattern";
    [FleetError("The roster", "InvalidData", "The roster nests mappings and lists too deep.")]
    public const string RosterTooDeep = "RosterTooDeep";
    [FleetError("The roster", "InvalidData", "An agent is named like the tmux holder session of its socket.")]
    public const string RosterHolderNameConflict = "RosterHolderNameConflict";
    [FleetError("The roster", "WriteError", "Initialize-Fleet could not write the roster.")]
    public const string RosterWriteFailed = "RosterWriteFailed";

    // Hosts and tmux
    [FleetError("Hosts and tmux", "ConnectionError", "The host could not be reached over ssh (the host is the target).")]
    public const string FleetHostUnreachable = "FleetHostUnreachable";
    [FleetError("Hosts and tmux", "InvalidResult", "The host was reached but the command run there failed.")]
    public const string FleetHostCommandFailed = "FleetHostCommandFailed";
    [FleetError("Hosts and tmux", "ObjectNotFound", "tmux is not installed here or on the host (or MOSAIC_TMUX does not point to it).")]
    public const string TmuxNotFound = "TmuxNotFound";
    [FleetError("Hosts and tmux", "ResourceUnavailable", "tmux ran but failed to list the fleet's panes.")]
    public const string TmuxQueryFailed = "TmuxQueryFailed";
    [FleetError("Hosts and tmux", "ObjectNotFound", "No POSIX shell to run the pane command with.")]
    public const string ShellNotFound = "ShellNotFound";

    // Sending, resetting, reading panes
    [FleetError("Sending, resetting, reading panes", "InvalidResult", "The text was typed but is still in the input box: the submit key was swallowed.")]
    public const string MessageNotSubmitted = "MessageNotSubmitted";
    [FleetError("Sending, resetting, reading panes", "OperationTimeout", "The text was typed and submitted but not seen leaving the input area by the timeout.")]
    public const string MessageNotAccepted = "MessageNotAccepted";
    [FleetError("Sending, resetting, reading panes", "ResourceUnavailable", "Nothing was typed (lock timeout, pane not readable, text refused, or -WaitForIdle ran out).")]
    public const string MessageNotSent = "MessageNotSent";
    [FleetError("Sending, resetting, reading panes", "ObjectNotFound", "The agent has no tmux session.")]
    public const string AgentNoSession = "AgentNoSession";
    [FleetError("Sending, resetting, reading panes", "ResourceUnavailable", "The agent's pane is dead.")]
    public const string AgentPaneDead = "AgentPaneDead";
    [FleetError("Sending, resetting, reading panes", "InvalidOperation", "The agent's pane runs something other than its runtime (a shell): nothing was typed.")]
    public const string AgentDrifted = "AgentDrifted";
    [FleetError("Sending, resetting, reading panes", "ResourceBusy", "The agent's pane shows a dialog or menu: nothing was typed.")]
    public const string AgentBlocked = "AgentBlocked";
    [FleetError("Sending, resetting, reading panes", "ResourceBusy", "The agent's input area holds an operator's draft: nothing was typed.")]
    public const string AgentDraftPresent = "AgentDraftPresent";
    [FleetError("Sending, resetting, reading panes", "InvalidOperation", "The agent's runtime has no resetCommand.")]
    public const string NoResetCommand = "NoResetCommand";
    [FleetError("Sending, resetting, reading panes", "ReadError", "The agent's pane could not be read.")]
    public const string PaneCaptureFailed = "PaneCaptureFailed";
    [FleetError("Sending, resetting, reading panes", "ReadError", "The message log cannot be read.")]
    public const string MessageLogUnreadable = "MessageLogUnreadable";

    // Waiting and watching
    [FleetError("Waiting and watching", "ResourceUnavailable", "The agent is not running, so there is nothing to wait for or read.")]
    public const string AgentNotRunning = "AgentNotRunning";
    [FleetError("Waiting and watching", "OperationTimeout", "The agent did not reach the awaited activity by the timeout.")]
    public const string AgentWaitTimeout = "AgentWaitTimeout";
    [FleetError("Waiting and watching", "ResourceUnavailable", "The agent has no tmux session to watch.")]
    public const string WatchAgentNotRunning = "WatchAgentNotRunning";
    [FleetError("Waiting and watching", "InvalidOperation", "Watch-FleetAgent needs a terminal, and input or output is redirected.")]
    public const string WatchNeedsTerminal = "WatchNeedsTerminal";
    [FleetError("Waiting and watching", "InvalidOperation", "The viewer session could not be made or shown.")]
    public const string WatchViewerFailed = "WatchViewerFailed";

    // Prompts
    [FleetError("Prompts", "InvalidOperation", "The agent shows no prompt: nothing was pressed.")]
    public const string AgentNotWaiting = "AgentNotWaiting";
    [FleetError("Prompts", "ObjectNotFound", "The prompt has no option matching -Option: nothing was pressed.")]
    public const string PromptOptionNotFound = "PromptOptionNotFound";
    [FleetError("Prompts", "ObjectNotFound", "The prompt has no option the runtime's profile names as the default: nothing was pressed.")]
    public const string PromptNoDefaultOption = "PromptNoDefaultOption";
    [FleetError("Prompts", "OperationTimeout", "The prompt was still being drawn: nothing was pressed.")]
    public const string PromptNotSettled = "PromptNotSettled";
    [FleetError("Prompts", "OperationTimeout", "The selection did not reach the chosen option: Enter was not pressed.")]
    public const string PromptSelectionDidNotMove = "PromptSelectionDidNotMove";
    [FleetError("Prompts", "OperationTimeout", "The prompt was still shown after the answer.")]
    public const string PromptStillShown = "PromptStillShown";
    [FleetError("Prompts", "ResourceUnavailable", "The runtime exited after the answer.")]
    public const string AgentExitedAfterAnswer = "AgentExitedAfterAnswer";

    // Lifecycle and units
    [FleetError("Lifecycle and units", "InvalidOperation", "Starting the agent (its unit or its tmux session) failed.")]
    public const string StartFailed = "StartFailed";
    [FleetError("Lifecycle and units", "InvalidOperation", "Stopping the agent failed.")]
    public const string StopFailed = "StopFailed";
    [FleetError("Lifecycle and units", "InvalidOperation", "The tmux holder session of the socket could not be started.")]
    public const string HolderStartFailed = "HolderStartFailed";
    [FleetError("Lifecycle and units", "InvalidResult", "The runtime exited right after it was started.")]
    public const string AgentExitedAtStart = "AgentExitedAtStart";
    [FleetError("Lifecycle and units", "InvalidData", "The runtime's command cannot be run (empty, or not a command).")]
    public const string InvalidRuntimeCommand = "InvalidRuntimeCommand";
    [FleetError("Lifecycle and units", "InvalidData", "The roster sets an environment variable the module sets itself.")]
    public const string ReservedEnvironmentName = "ReservedEnvironmentName";
    [FleetError("Lifecycle and units", "InvalidData", "An agent's settings cannot be written to its unit files.")]
    public const string InvalidAgentSettings = "InvalidAgentSettings";
    [FleetError("Lifecycle and units", "InvalidData", "The tenant cannot name a directory.")]
    public const string InvalidTenant = "InvalidTenant";
    [FleetError("Lifecycle and units", "WriteError", "The agent's env file could not be written.")]
    public const string EnvFileWriteFailed = "EnvFileWriteFailed";
    [FleetError("Lifecycle and units", "WriteError", "A unit file could not be written.")]
    public const string UnitFileWriteFailed = "UnitFileWriteFailed";
    [FleetError("Lifecycle and units", "ReadError", "The installed unit files could not be read.")]
    public const string UnitFileReadFailed = "UnitFileReadFailed";
    [FleetError("Lifecycle and units", "ReadError", "A file the agent's settings name could not be read.")]
    public const string AgentFileReadFailed = "AgentFileReadFailed";
    [FleetError("Lifecycle and units", "PermissionDenied", "A file the agent's settings name may not be read.")]
    public const string AgentFileAccessDenied = "AgentFileAccessDenied";
    [FleetError("Lifecycle and units", "ObjectNotFound", "The agent has no units installed on the host.")]
    public const string AgentNotInstalled = "AgentNotInstalled";
    [FleetError("Lifecycle and units", "ResourceExists", "Another roster of the same tenant is installed: nothing of it was changed.")]
    public const string FleetOtherRosterInstalled = "FleetOtherRosterInstalled";
    [FleetError("Lifecycle and units", "ResourceExists", "Another roster's agents use the same tmux socket.")]
    public const string FleetTmuxSocketInUse = "FleetTmuxSocketInUse";
    [FleetError("Lifecycle and units", "ReadError", "A crash file could not be read.")]
    public const string CrashFileReadFailed = "CrashFileReadFailed";

    // Files we own
    [FleetError("Files we own", "SecurityError", "A file the module writes is a symbolic link it did not make: nothing was written through it.")]
    public const string FileIsSymlink = "FileIsSymlink";
    [FleetError("Files we own", "SecurityError", "The lock folder is not private to this user (another owner, not 0700, or a symlink).")]
    public const string LockDirectoryUnsafe = "LockDirectoryUnsafe";

    // Worktrees
    [FleetError("Worktrees", "ObjectNotFound", "The agent has no worktree in the roster.")]
    public const string AgentHasNoWorktree = "AgentHasNoWorktree";
    [FleetError("Worktrees", "ObjectNotFound", "The agent's repository is not there (on its host).")]
    public const string WorktreeRepositoryNotFound = "WorktreeRepositoryNotFound";
    [FleetError("Worktrees", "ResourceBusy", "The agent's branch is checked out elsewhere.")]
    public const string WorktreeBranchInUse = "WorktreeBranchInUse";
    [FleetError("Worktrees", "ResourceBusy", "The worktree path holds something that is not the agent's worktree.")]
    public const string WorktreePathInUse = "WorktreePathInUse";
    [FleetError("Worktrees", "ResourceBusy", "The agent runs in the worktree: stop it first.")]
    public const string WorktreeAgentRunning = "WorktreeAgentRunning";
    [FleetError("Worktrees", "OperationTimeout", "Another command held the repository's worktree lock past the timeout.")]
    public const string WorktreeLockTimeout = "WorktreeLockTimeout";
    [FleetError("Worktrees", "InvalidOperation", "The worktree has uncommitted or untracked changes: -Force discards them.")]
    public const string WorktreeHasChanges = "WorktreeHasChanges";
    [FleetError("Worktrees", "InvalidResult", "git could not make the worktree.")]
    public const string WorktreeCreateFailed = "WorktreeCreateFailed";
    [FleetError("Worktrees", "InvalidResult", "git could not remove the worktree.")]
    public const string WorktreeRemoveFailed = "WorktreeRemoveFailed";
    [FleetError("Worktrees", "InvalidResult", "The worktrees could not be read.")]
    public const string WorktreeQueryFailed = "WorktreeQueryFailed";

    // Events
    [FleetError("Events", "ReadError", "The event record cannot be read.")]
    public const string EventRecordUnreadable = "EventRecordUnreadable";
    [FleetError("Events", "WriteError", "The event record could not be written.")]
    public const string EventRecordWriteFailed = "EventRecordWriteFailed";
    [FleetError("Events", "ResourceBusy", "Another recorder writes this roster's event record.")]
    public const string EventRecorderAlreadyRunning = "EventRecorderAlreadyRunning";
    [FleetError("Events", "InvalidArgument", "The event recorder is installed on the local host only.")]
    public const string EventRecorderLocalOnly = "EventRecorderLocalOnly";
    [FleetError("Events", "InvalidOperation", "Following the fleet's events failed.")]
    public const string FleetEventFollowFailed = "FleetEventFollowFailed";

    private static readonly Lazy<IReadOnlyList<FleetErrorInfo>> s_all = new(() =>
    {
        var list = new List<FleetErrorInfo>();
        foreach (var field in typeof(FleetErrorIds).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
        {
            if (field.IsLiteral && field.GetRawConstantValue() is string id
                && field.GetCustomAttributes(typeof(FleetErrorAttribute), false) is [FleetErrorAttribute a])
                list.Add(new FleetErrorInfo(id, a.Category, a.Meaning, a.Group));
        }
        return list;
    });

    /// <summary>The whole list, in the order above.</summary>
    public static IReadOnlyList<FleetErrorInfo> All => s_all.Value;

    private static readonly Lazy<Dictionary<string, FleetErrorInfo>> s_byId = new(() => All.ToDictionary(e => e.Id, StringComparer.Ordinal));

    /// <summary>The entry of <paramref name="id"/>, or null for an id not in the list (a defect the tests catch).</summary>
    public static FleetErrorInfo? Find(string id) => s_byId.Value.GetValueOrDefault(id);

    /// <summary>The ErrorCategory name of <paramref name="id"/>; InvalidOperation for an id not in the list.</summary>
    public static string CategoryOf(string id) => Find(id)?.Category ?? "InvalidOperation";
}
