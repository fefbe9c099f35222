using MosaicFleet.Engine.Errors;
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

