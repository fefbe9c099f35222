using System.Diagnostics;
using System.Text;

namespace MosaicFleet.Engine.Processes;

/// <summary>One external command: an argv list (never a shell string), optional stdin, a timeout.</summary>
public sealed record CommandSpec(IReadOnlyList<string> Argv, TimeSpan Timeout, string? Stdin = null)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public static CommandSpec Of(params string[] argv) => new(argv, DefaultTimeout);

    public CommandSpec WithStdin(string stdin) => this with { Stdin = stdin };

    public CommandSpec WithTimeout(TimeSpan timeout) => this with { Timeout = timeout };

    /// <summary>The argv as a POSIX-quoted line, for messages and -Verbose only.</summary>
    public string Display => PosixShell.Join(Argv);
}
