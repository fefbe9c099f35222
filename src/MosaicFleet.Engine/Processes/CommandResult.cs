using System.Diagnostics;
using System.Text;

namespace MosaicFleet.Engine.Processes;

/// <summary>What a command did. The exit code is the truth; stderr is kept for the error.</summary>
public sealed record CommandResult(CommandSpec Spec, int ExitCode, string Stdout, string Stderr, bool TimedOut, bool NotFound, TimeSpan Elapsed)
{
    public bool Success => ExitCode == 0 && !TimedOut && !NotFound;

    /// <summary>A one-line description of a failure, with stderr.</summary>
    public string Describe()
    {
        if (NotFound) return $"'{Spec.Argv[0]}' was not found";
        var shown = Shorten(Spec.Display);
        if (TimedOut) return $"'{shown}' timed out after {Spec.Timeout.TotalSeconds:0.#} s";
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
