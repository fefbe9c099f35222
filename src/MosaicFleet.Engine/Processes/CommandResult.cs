using System.Diagnostics;
using System.Text;

namespace MosaicFleet.Engine.Processes;

/// <summary>What a command did. The exit code is the truth; stderr is kept for the error.</summary>
public sealed record CommandResult(CommandSpec Spec, int ExitCode, string Stdout, string Stderr, bool TimedOut, bool NotFound, TimeSpan Elapsed)
{
    public bool Success => ExitCode == 0 && !TimedOut && !NotFound && !OutputIncomplete;

    /// <summary>True when the process exited but its output pipes stayed open (a child it left behind holds them) until
    /// the timeout: what was read is kept, but it may be cut short, so the result is not a success.</summary>
    public bool OutputIncomplete { get; init; }

    /// <summary>Why this command failed when it ran on <paramref name="host"/> (<see cref="CommandFailure.None"/> when it
    /// succeeded). On a remote host ssh's own failure (exit 255, no ssh) is <see cref="CommandFailure.TransportLost"/> and
    /// exit 127 (the remote shell's "command not found") is <see cref="CommandFailure.ProgramNotFound"/>; here a program
    /// the runner could not start is <see cref="CommandFailure.ProgramNotFound"/>.</summary>
    public CommandFailure FailureOn(FleetHost host)
    {
        if (Success) return CommandFailure.None;
        if (TimedOut || OutputIncomplete) return CommandFailure.TimedOut;
        if (host.IsLocal) return NotFound ? CommandFailure.ProgramNotFound : CommandFailure.CommandFailed;
        if (NotFound || ExitCode == SshHost.SshFailureExitCode) return CommandFailure.TransportLost;
        return ExitCode == 127 ? CommandFailure.ProgramNotFound : CommandFailure.CommandFailed;
    }

    /// <summary>A one-line description of a failure, with stderr.</summary>
    public string Describe()
    {
        if (NotFound) return $"'{Spec.Argv[0]}' was not found";
        var shown = Shorten(Spec.Display);
        if (TimedOut) return $"'{shown}' timed out after {Spec.Timeout.TotalSeconds:0.#} s";
        if (OutputIncomplete) return $"'{shown}' exited with {ExitCode}, but its output did not end within {Spec.Timeout.TotalSeconds:0.#} s (a process it left behind holds the output open)";
        var err = Stderr.Trim();
        if (err.Length == 0) err = Stdout.Trim();
        return err.Length == 0
            ? $"'{shown}' exited with {ExitCode}"
            : $"'{shown}' exited with {ExitCode}: {Shorten(err, 2000)}";
    }

    /// <summary>As <see cref="Describe"/>, but never with stdout: the output of a batched call holds other agents' screens.</summary>
    public string DescribeWithoutOutput() => (this with { Stdout = "" }).Describe();

    /// <summary>A batched command line (one tmux call for a hundred panes) is kilobytes long: an error message shows its
    /// start and says how much was left out.</summary>
    internal static string Shorten(string text, int max = 300)
        => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), $" ... ({text.Length - max} more characters)");
}
