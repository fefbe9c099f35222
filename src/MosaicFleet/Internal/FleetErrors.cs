using System.Management.Automation;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Internal;

/// <summary>Makes the module's ErrorRecords: the id from the one list (<see cref="FleetErrorIds"/>), the category
/// that list gives it, so an id has the same category whichever cmdlet reports it.</summary>
public static class FleetErrors
{
    /// <summary>The whole list (id, category name, meaning, group), as about_MosaicFleet's ERROR IDS shows it; from
    /// PowerShell: [MosaicFleet.Internal.FleetErrors]::All.</summary>
    public static IReadOnlyList<FleetErrorInfo> All => FleetErrorIds.All;

    /// <summary>The ErrorCategory of <paramref name="errorId"/> in <see cref="FleetErrorIds"/> (InvalidOperation for an
    /// id not in the list; the tests check that none is missing).</summary>
    public static ErrorCategory For(string errorId)
        => Enum.TryParse<ErrorCategory>(FleetErrorIds.CategoryOf(errorId), out var category) ? category : ErrorCategory.InvalidOperation;

    /// <summary>An ErrorRecord for <paramref name="errorId"/> with its listed category and <paramref name="target"/>;
    /// ErrorDetails carries the message when <paramref name="recommendedAction"/> is given.</summary>
    public static ErrorRecord Record(Exception exception, string errorId, object? target, string? recommendedAction = null)
    {
        var record = new ErrorRecord(exception, errorId, For(errorId), target);
        if (recommendedAction is not null) record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = recommendedAction };
        return record;
    }

    /// <summary>One host's failure (unreachable, its remote shell, or its tmux), the host as target.</summary>
    public static ErrorRecord HostRecord(string host, string errorId, string message, Exception? exception = null)
        => new(exception ?? new InvalidOperationException(message), errorId, For(errorId), host);
}
