namespace MosaicFleet.Engine.Roster;

/// <summary>A roster problem, with a stable id for the ErrorRecord and the place in the file.</summary>
public sealed class RosterException : Exception
{
    public RosterException(string errorId, string message, string path, int line = 0, int column = 0, RosterErrorKind kind = RosterErrorKind.InvalidData, Exception? inner = null)
        : base(Format(message, path, line, column), inner)
    {
        ErrorId = errorId;
        Path = path;
        Line = line;
        Column = column;
        Kind = kind;
        Reason = message;
    }

    /// <summary>Stable id, e.g. RosterUnknownKey.</summary>
    public string ErrorId { get; }

    public string Path { get; }

    /// <summary>1-based; 0 when the problem has no place (a missing file).</summary>
    public int Line { get; }

    public int Column { get; }

    public RosterErrorKind Kind { get; }

    /// <summary>The message without the file position.</summary>
    public string Reason { get; }

    /// <summary>Paths tried, for a roster that was not found.</summary>
    public IReadOnlyList<string> TriedPaths { get; init; } = [];

    private static string Format(string message, string path, int line, int column)
        => line > 0 ? $"{path}:{line}:{column}: {message}" : $"{path}: {message}";
}

public enum RosterErrorKind
{
    InvalidData,
    NotFound,
    ReadError,
}

/// <summary>Stable error ids of roster problems.</summary>
public static class RosterErrorIds
{
    public const string NotFound = "RosterNotFound";
    public const string ReadError = "RosterReadError";
    public const string Syntax = "RosterSyntaxError";
    public const string UnknownKey = "RosterUnknownKey";
    public const string MissingKey = "RosterMissingKey";
    public const string InvalidValue = "RosterInvalidValue";
    public const string UnsupportedVersion = "RosterUnsupportedVersion";
    public const string UnsupportedTransport = "RosterUnsupportedTransport";
    public const string DuplicateAgent = "RosterDuplicateAgent";
    public const string InvalidAgentName = "RosterInvalidAgentName";
    public const string UnknownRuntime = "RosterUnknownRuntime";
    public const string UnknownHost = "RosterUnknownHost";
    public const string InvalidPattern = "RosterInvalidPattern";
    /// <summary>Mappings and lists nested deeper than <see cref="RosterLoader.MaxDepth"/>.</summary>
    public const string TooDeep = "RosterTooDeep";
    /// <summary>An agent named like the tmux holder session of its socket.</summary>
    public const string HolderNameConflict = "RosterHolderNameConflict";
}
