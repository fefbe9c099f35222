using MosaicFleet.Engine.IO;
using System.Diagnostics;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Messaging;

public sealed partial class MessageSender
{
    // The one shared poll loop: every interval, one batched probe call per host for every submitted agent. It runs while
    // the others are still typing, so one agent that waits for another sender's lock delays nobody else's result.
    private async Task VerifyAllAsync(Submitted submitted, Task typing, SendRun run, CancellationToken ct)
    {
        var pending = new List<Delivery>();
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            await PollAsync().ConfigureAwait(false);
        }
        finally
        {
            // A wait for the next submission that is still pending ends here.
            idle.Cancel();
        }

        async Task PollAsync()
        {
            while (true)
            {
                var typingDone = typing.IsCompleted;
                while (submitted.TryTake(out var d)) pending.Add(d);
                if (pending.Count == 0)
                {
                    if (typingDone) return;
                    // Nothing submitted yet: wake at the next submission or at the end of typing.
                    await Task.WhenAny(typing, submitted.WaitAsync(idle.Token)).ConfigureAwait(false);
                    ct.ThrowIfCancellationRequested();
                    continue;
                }
                await Task.Delay(options.PollInterval, ct).ConfigureAwait(false);
                // The agents submitted during that interval join this round: a look that comes early only finds the
                // text not gone yet (no decision is taken on it before RetryAfter), and waiting a whole extra round for
                // them would make a fan-out slower than the slowest submission needs.
                while (submitted.TryTake(out var late)) pending.Add(late);
                var probes = await ProbeAllAsync(pending, ct).ConfigureAwait(false);
                await Task.WhenAll(pending.Select(async d =>
                {
                    if (d.Status is not null || !probes.TryGetValue(d, out var probe))
                    {
                        await LogAsync(d).ConfigureAwait(false);
                        return;
                    }
                    var area = InputArea.Find(probe, d.Runtime.InputPattern, out var missing);
                    var step = d.Verification!.Step(area, d.SinceSubmit!.Elapsed, options.RetryAfter, options.Timeout, missing);
                    switch (step)
                    {
                        case VerifyStep.Accepted: d.Complete(FleetSendStatus.Accepted, d.Verification.LastSeen); break;
                        case VerifyStep.NotSubmitted: d.Complete(FleetSendStatus.NotSubmitted, d.Verification.LastSeen + $" {options.Timeout.TotalSeconds:0.#} s after the submit key"); break;
                        case VerifyStep.NotAccepted: d.Complete(FleetSendStatus.NotAccepted, d.Verification.LastSeen + $" within {options.Timeout.TotalSeconds:0.#} s"); break;
                        case VerifyStep.ResendSubmit:
                            // Re-send the submit key (never the body) under the agent's lock, so it cannot submit another sender's draft half-typed.
                            try
                            {
                                using var _ = await FileLock.AcquireAsync(AgentLocks.PathFor(run.LockDir, context.Roster.Tenant, d.Request.Agent.Host, d.Request.Agent.Name), TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
                                Verbose?.Invoke($"{d.Request.Agent.Name}: our draft is still in the input area; re-sending the submit key once.");
                                await SubmitAsync(d, ct).ConfigureAwait(false);
                            }
                            catch (TimeoutException)
                            {
                                Verbose?.Invoke($"{d.Request.Agent.Name}: another sender holds the lock; the submit key is not re-sent.");
                            }
                            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                            {
                                Verbose?.Invoke($"{d.Request.Agent.Name}: the agent's lock file cannot be opened ({ex.Message}); the submit key is not re-sent.");
                            }
                            break;
                    }
                    if (d.Status is not null) await LogAsync(d).ConfigureAwait(false);
                })).ConfigureAwait(false);
                pending.RemoveAll(d => d.Status is not null);
            }
        }
    }

    /// <summary>One look at every given pane: ONE tmux call per host (per chunk under tmux's command size) through
    /// <see cref="PaneCaptures"/>. A pane whose capture failed (it closed mid-list, or the host could not be reached) fails
    /// its delivery as a single probe would; a dead pane is PaneDead; the others get their probe.</summary>
    private async Task<Dictionary<Delivery, PaneProbe>> ProbeAllAsync(IReadOnlyList<Delivery> deliveries, CancellationToken ct)
    {
        var seen = new Dictionary<Delivery, PaneProbe>();
        await Task.WhenAll(deliveries.GroupBy(d => d.Request.Agent.Host, StringComparer.Ordinal).Select(async group =>
        {
            var list = group.ToList();
            var outcomes = await ProbeBatchAsync(group.Key, list, ct).ConfigureAwait(false);
            for (var i = 0; i < list.Count; i++)
            {
                var (probe, failure) = outcomes[i];
                if (probe is null) FailProbe(list[i], failure!);
                else if (probe.Dead) list[i].Fail(FleetSendStatus.PaneDead, $"pane {list[i].PaneId} died");
                else lock (seen) seen[list[i]] = probe;
            }
        })).ConfigureAwait(false);
        return seen;
    }
}
