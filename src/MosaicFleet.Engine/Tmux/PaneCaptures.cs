using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Engine.Tmux;

/// <summary>What one pane's capture gave: the probe, or the failed call that should have made it.</summary>
/// <param name="Probe">The pane's screen, dead flag and cursor; null when the capture did not run.</param>
/// <param name="Failure">The tmux call that failed at this pane (or could not reach the host); null on success.</param>
public sealed record CaptureOutcome(PaneProbe? Probe, CommandResult? Failure);

/// <summary>Captures many panes of ONE host with as few tmux calls as tmux accepts: per chunk (a list stays under tmux's
/// command size, <see cref="SendCommands.MaxListBytes"/>) one list of capture-pane + marker line per pane
/// (<see cref="SendCommands.ProbeMany"/>). tmux stops a list at its first failing command (a pane that closed): the
/// panes before it keep their probes, that pane gets the failure, and the panes after it are captured again in a new
/// call. Any other failure (ssh could not connect, the program is missing, a timeout, the server went away) ends the
/// chunk: every pane left gets that failure.</summary>
public static class PaneCaptures
{
    public static async Task<IReadOnlyList<CaptureOutcome>> CaptureAsync(
        FleetHost host, TmuxCommand tmux, IReadOnlyList<string> paneIds,
        Func<string[], CancellationToken, Task<CommandResult>> run, CancellationToken ct)
    {
        var outcomes = new CaptureOutcome?[paneIds.Count];
        if (paneIds.Count == 0) return [];
        var costMarker = SendCommands.NewMarker();
        var indexes = Enumerable.Range(0, paneIds.Count).ToList();
        var chunks = SendCommands.Chunk(indexes, i => SendCommands.PackedSize(SendCommands.ProbeMany(tmux, [paneIds[i]], costMarker)));
        await Task.WhenAll(chunks.Select(async chunk =>
        {
            var rest = chunk.ToList();
            while (rest.Count > 0)
            {
                var marker = SendCommands.NewMarker();
                var r = await run(SendCommands.ProbeMany(tmux, rest.Select(i => paneIds[i]).ToList(), marker), ct).ConfigureAwait(false);
                var probes = SendCommands.ParseProbeMany(r.Stdout, marker);
                var ran = Math.Min(probes.Count, rest.Count);
                for (var k = 0; k < ran; k++) outcomes[rest[k]] = new CaptureOutcome(probes[k], null);
                if (ran == rest.Count) break;
                if (r.Success || r.Unreached(host) || TmuxFailures.Classify(r.Stderr) != TmuxFailure.PaneGone)
                {
                    // Output that does not parse, no capture could run on this host, or a failure that is not about this
                    // one pane (the server went away): every pane left gets it, rather than one call per pane.
                    foreach (var i in rest.Skip(ran)) outcomes[i] = new CaptureOutcome(null, r);
                    break;
                }
                outcomes[rest[ran]] = new CaptureOutcome(null, r);
                rest = rest.Skip(ran + 1).ToList();
            }
        })).ConfigureAwait(false);
        return outcomes.Select(o => o!).ToList();
    }
}
