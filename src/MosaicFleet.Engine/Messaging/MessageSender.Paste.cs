using System.Diagnostics;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Messaging;

public sealed partial class MessageSender
{
    /// <summary>Steps under the lock, once the pane was judged safe to type into: paste, wait for the draft, submit.</summary>
    private async Task TypeUnderLockAsync(Delivery d, SendRun run, CancellationToken ct)
    {
        var host = d.Request.Agent.Host;
        {
            // From the paste on, the body is never sent again, whatever happens (see PasteBatchAsync).
            if (!await run.Paste.RunAsync((host, d.Request.TypedText), d).ConfigureAwait(false)) return;

            if (d.Verification is { } v)
            {
                var until = Stopwatch.StartNew();
                while (until.Elapsed < options.DraftWait)
                {
                    var (probe, failure) = await run.Probe.RunAsync(host, d).ConfigureAwait(false);
                    if (probe is null)
                    {
                        // The text is in the box: a pane that is gone is PaneDead, but a capture that merely failed
                        // (a slow host, ssh hiccup) must not strand the draft unsubmitted. The submit list looks again.
                        if (TmuxFailures.Classify(failure!.Stderr) is TmuxFailure.PaneGone or TmuxFailure.NoSession) { FailProbe(d, failure); return; }
                        Verbose?.Invoke($"{d.Request.Agent.Name}: could not read the pane while waiting for the draft ({failure.DescribeWithoutOutput()}); submitting anyway.");
                        break;
                    }
                    if (probe.Dead) { d.Fail(FleetSendStatus.PaneDead, $"pane {d.PaneId} died"); return; }
                    if (v.ObserveDraft(InputArea.Find(probe, d.Runtime.InputPattern))) break;
                    await Task.Delay(50, ct).ConfigureAwait(false);
                }
                if (!v.DraftSeen) Verbose?.Invoke($"{d.Request.Agent.Name}: the draft did not show in the input area within {options.DraftWait.TotalSeconds:0.#} s; submitting anyway.");
            }
            // Let the application finish reading the paste before the submit key arrives.
            await Task.Delay(100, ct).ConfigureAwait(false);

            // The first submit key, with verification right after a capture of the area as it stands (a retry needs it
            // unchanged afterwards); a capture that fails ends the list before the key.
            var (before, _) = await run.Submit.RunAsync(host, d).ConfigureAwait(false);
            if (d.Status is not null) return;
            if (d.KeyUncertain) Verbose?.Invoke($"{d.Request.Agent.Name}: the submit call timed out; the verification decides whether the key arrived.");
            else if (d.Verification is { } seen)
            {
                if (before is null) { d.Fail(FleetSendStatus.NotAccepted, "could not read the pane before the submit key"); return; }
                if (before.Dead) { d.Fail(FleetSendStatus.PaneDead, $"pane {d.PaneId} died"); return; }
                seen.ObserveDraft(InputArea.Find(before, d.Runtime.InputPattern));
            }
            if (!await SubmitAsync(d, ct, first: 1).ConfigureAwait(false)) return;
            d.SentAt = context.Clock.GetUtcNow();
            d.SinceSubmit = Stopwatch.StartNew();
            if (!options.Verify)
            {
                if (d.KeyUncertain) d.Complete(FleetSendStatus.NotAccepted, "the text was typed, but the call that sent the submit key timed out; whether the key arrived is unknown (-NoVerify: not checked)");
                else d.Complete(FleetSendStatus.Submitted, "submitted, not verified (-NoVerify)");
            }
        }
    }

    /// <summary>The same text to several panes of one host: one buffer loaded once (the text on stdin), pasted into each
    /// pane, then deleted, in one tmux call per chunk (<see cref="SendCommands.LoadAndPasteMany"/>: each paste guarded by
    /// the server's own dead-pane check and confirmed by its own marker line). Nothing is ever retried: a pane without
    /// its confirmation whose turn ran got nothing (it was dead or gone); when the call timed out or lost its transport,
    /// the panes after the last turn seen may or may not have been pasted, so they fail and the body is never sent twice.</summary>
    private async Task<IReadOnlyList<bool>> PasteBatchAsync((string Host, string Text) key, IReadOnlyList<Delivery> batch, CancellationToken ct)
    {
        var pasted = new Dictionary<Delivery, bool>();
        var (costBuffer, costMarker) = (SendCommands.NewBufferName(), SendCommands.NewMarker());
        var chunks = SendCommands.Chunk(batch, d => SendCommands.PackedSize(SendCommands.LoadAndPasteMany(d.Tmux, costBuffer, [d.PaneId!], costMarker, [d.PanePid], [d.PaneCommand])));
        await Task.WhenAll(chunks.Select(async chunk =>
        {
            var buffer = SendCommands.NewBufferName();
            var marker = SendCommands.NewMarker();
            CommandResult r;
            try
            {
                // Typed from the moment the process starts (not while it waits for a throttle slot): from then on the
                // message may be in the pane, and after Ctrl+C it is logged.
                r = await RunAsync(chunk[0], SendCommands.LoadAndPasteMany(chunk[0].Tmux, buffer, chunk.Select(d => d.PaneId!).ToList(), marker, chunk.Select(d => d.PanePid).ToList(), chunk.Select(d => d.PaneCommand).ToList()), ct, key.Text,
                    started: () => { foreach (var d in chunk) d.Typed = true; }).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: the buffer may be loaded and not yet deleted.
                if (chunk[0].Typed) await DeleteBufferAsync(chunk[0], buffer).ConfigureAwait(false);
                throw;
            }
            var (visited, confirmed) = SendCommands.ParsePasteMany(r.Stdout, marker, chunk.Count);
            if (!r.Success) await DeleteBufferAsync(chunk[0], buffer).ConfigureAwait(false);
            var unreached = r.Success ? null : Unreached(chunk[0], r);
            // A call that timed out or lost its transport, or one that "succeeded" without all its turn lines (its output
            // was lost), may have pasted into the panes whose turns we did not see.
            var uncertain = unreached is not null || r.TimedOut || r.Success;
            for (var i = 0; i < chunk.Count; i++)
            {
                var d = chunk[i];
                if (confirmed[i]) { lock (pasted) pasted[d] = true; continue; }
                if (i < visited)
                    d.Fail(FleetSendStatus.PaneDead, $"pane {d.PaneId} was dead, gone or running another process (or another command than when resolved) when the paste came; nothing was pasted" + SendCommands.ErrorsAbout(r.Stderr, d.PaneId!));
                else if (uncertain)
                    d.Fail(unreached ?? FleetSendStatus.NotAccepted, "the paste may or may not have run (not retried): " + r.DescribeWithoutOutput());
                else
                    d.Fail(FleetSendStatus.NotSent, "nothing was typed: the paste did not run: " + r.DescribeWithoutOutput());
            }
        })).ConfigureAwait(false);
        return batch.Select(d => pasted.ContainsKey(d)).ToList();
    }

    private async Task DeleteBufferAsync(Delivery d, string buffer)
    {
        // Cleanup runs even after Ctrl+C: its own short timeout, no cancellation. A buffer already deleted by paste -d is fine.
        try
        {
            await context.Runner.RunAsync(d.Host, new CommandSpec(SendCommands.DeleteBuffer(d.Tmux, buffer), TimeSpan.FromSeconds(3)), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
        }
    }
}
