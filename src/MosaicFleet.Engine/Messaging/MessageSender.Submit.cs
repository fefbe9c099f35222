using System.Diagnostics;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Messaging;

public sealed partial class MessageSender
{
    /// <summary>The first submit key of several panes of one host in one call per chunk, each right after a capture of its
    /// pane when verifying, each confirmed by a marker line. After a failure the panes before it are done, the failing one
    /// is failed (the capture or the key, whichever did not run), and the rest is submitted in a new call.</summary>
    private async Task<IReadOnlyList<(PaneProbe? Probe, bool KeySent)>> SubmitBatchAsync(string host, IReadOnlyList<Delivery> batch, CancellationToken ct)
    {
        var done = new Dictionary<Delivery, (PaneProbe?, bool)>();
        var verify = options.Verify;
        var costMarker = SendCommands.NewMarker();
        var chunks = SendCommands.Chunk(batch, d => SendCommands.PackedSize(SendCommands.SubmitMany(d.Tmux, [(d.PaneId!, d.Runtime.SubmitKeys[0])], costMarker, verify)));
        await Task.WhenAll(chunks.Select(async chunk =>
        {
            var rest = chunk.ToList();
            while (rest.Count > 0)
            {
                var marker = SendCommands.NewMarker();
                var r = await RunAsync(rest[0], SendCommands.SubmitMany(rest[0].Tmux, rest.Select(d => (d.PaneId!, d.Runtime.SubmitKeys[0])).ToList(), marker, verify), ct).ConfigureAwait(false);
                var parsed = SendCommands.ParseSubmitMany(r.Stdout, marker, verify);
                var sent = parsed.TakeWhile(p => p.KeySent).Count();
                lock (done) for (var i = 0; i < Math.Min(parsed.Count, rest.Count); i++) done[rest[i]] = parsed[i];
                if (sent >= rest.Count) break;
                if (r.Success)
                {
                    foreach (var d in rest.Skip(sent)) d.Fail(FleetSendStatus.NotAccepted, "the submit key was not confirmed");
                    break;
                }
                if (r.TimedOut || Unreached(rest[sent], r) is not null)
                {
                    // The call timed out or its ssh dropped: the keys after the last confirmed one may or may not have
                    // been sent. No failure yet: the verification looks at each pane (and re-sends a key only for a
                    // draft provably still ours; an unreachable host fails there as Unreachable).
                    foreach (var d in rest.Skip(sent)) d.KeyUncertain = true;
                    break;
                }
                var failing = rest[sent];
                if (!verify || parsed.Count > sent) FailKey(failing, r);
                else FailProbe(failing, r);
                if (TmuxFailures.Classify(r.Stderr) != TmuxFailure.PaneGone)
                {
                    // Not about that one pane (the server went away): the rest would fail the same way, one call each.
                    foreach (var d in rest.Skip(sent + 1)) FailProbe(d, r);
                    break;
                }
                rest = rest.Skip(sent + 1).ToList();
            }
        })).ConfigureAwait(false);
        return batch.Select(d => done.TryGetValue(d, out var x) ? x : (null, false)).ToList();
    }

    private async Task<bool> SubmitAsync(Delivery d, CancellationToken ct, int first = 0)
    {
        for (var i = first; i < d.Runtime.SubmitKeys.Length; i++)
        {
            if (i > 0) await Task.Delay(50, ct).ConfigureAwait(false);
            var key = await RunAsync(d, SendCommands.SendKey(d.Tmux, d.PaneId!, d.Runtime.SubmitKeys[i]), ct).ConfigureAwait(false);
            if (!key.Success)
            {
                FailKey(d, key);
                return false;
            }
        }
        return true;
    }
}
