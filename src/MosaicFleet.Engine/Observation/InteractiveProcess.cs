using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Observation;

/// <summary>Runs an interactive program in this terminal.
/// Why not <see cref="IProcessRunner"/>: the runner redirects stdin, stdout and stderr to capture them, and a tmux client
/// needs the real terminal (it reads keys from it and draws on it). So this one command is a direct Process that inherits
/// the terminal; it is still an argv list (ArgumentList, no shell).</summary>
public static class InteractiveProcess
{
    /// <summary>Runs <paramref name="argv"/> with the terminal inherited and <paramref name="unset"/> removed from its
    /// environment; returns its exit code. Cancellation kills it.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> argv, IEnumerable<string> unset, CancellationToken ct)
    {
        var psi = new ProcessStartInfo { FileName = argv[0], UseShellExecute = false };
        for (var i = 1; i < argv.Count; i++) psi.ArgumentList.Add(argv[i]);
        foreach (var name in unset) psi.Environment.Remove(name);
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new WatchException(FleetErrorIds.WatchViewerFailed, $"Cannot start {argv[0]}: {ex.Message}");
        }
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
            throw;
        }
        return process.ExitCode;
    }
}
