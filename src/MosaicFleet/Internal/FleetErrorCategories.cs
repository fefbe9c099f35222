using System.Management.Automation;
using MosaicFleet.Engine.Fleet;

namespace MosaicFleet.Internal;

/// <summary>The one mapping from an engine error id to its ErrorCategory, used by every cmdlet that reports host and
/// lifecycle failures (so a local tmux failure is never a ConnectionError, and an unreachable host always is).</summary>
public static class FleetErrorCategories
{
    public const string InvalidAgentSettingsId = "InvalidAgentSettings";
    public const string AgentFileReadFailedId = "AgentFileReadFailed";
    public const string AgentFileAccessDeniedId = "AgentFileAccessDenied";

    public static ErrorCategory For(string errorId) => errorId switch
    {
        FleetQuery.UnreachableId => ErrorCategory.ConnectionError,
        FleetQuery.TmuxFailedId => ErrorCategory.ResourceUnavailable,
        FleetQuery.RemoteCommandFailedId => ErrorCategory.InvalidResult,
        "RemoteInstallNotSupported" or "RemoteLifecycleNotSupported" => ErrorCategory.NotImplemented,
        FleetQuery.TmuxNotFoundId or "ShellNotFound" => ErrorCategory.ObjectNotFound,
        "ReservedEnvironmentName" or "InvalidRuntimeCommand" or InvalidAgentSettingsId => ErrorCategory.InvalidData,
        "EnvFileWriteFailed" or "UnitFileWriteFailed" or "RosterWriteFailed" => ErrorCategory.WriteError,
        "UnitFileReadFailed" or AgentFileReadFailedId => ErrorCategory.ReadError,
        AgentFileAccessDeniedId => ErrorCategory.PermissionDenied,
        Engine.Lifecycle.UnitInstaller.OtherRosterId => ErrorCategory.ResourceExists,
        _ => ErrorCategory.InvalidOperation,
    };

    /// <summary>One host's failure (unreachable, its remote shell, or its tmux), the host as target.</summary>
    public static ErrorRecord HostRecord(string host, string errorId, string message, Exception? exception = null)
        => new(exception ?? new InvalidOperationException(message), errorId, For(errorId), host);
}
