using System.Diagnostics;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Messaging;

/// <summary>Delivers messages to agents' panes: paste buffer in, submit key(s), verified by polling the pane.
/// Each delivery walks its own steps (resolve, lock, baseline, paste, draft, submit), and each step's tmux call is shared
/// with every other delivery of the same host at the same step (<see cref="Coalescer{TKey, TItem, TResult}"/>), so fifty
/// agents cost about as many tmux calls as one. Every call passes one throttle (-ThrottleLimit); the verification of every
/// agent runs in ONE shared poll loop. One instance runs one <see cref="SendAsync"/> at a time.</summary>
public sealed partial class MessageSender(FleetContext context, SendOptions options, MessageLog? log = null)
{
    /// <summary>Progress lines for -Verbose (called from worker threads; must be thread-safe).</summary>
    public Action<string>? Verbose { get; init; }

    /// <summary>Problems that do not change a delivery's status (the message log could not be written).</summary>
    public Action<string>? Warning { get; init; }

    private volatile IReadOnlyList<Delivery> _deliveries = [];

    /// <summary>A thread-safe snapshot of the current send: how many deliveries have ended, of how many, and the agents
    /// still pending (in request order). Meant to be polled from the pipeline thread while <see cref="SendAsync"/> runs.</summary>
    public SendProgress Progress
    {
        get
        {
            var all = _deliveries;
            var pending = all.Where(d => !d.Ended).Select(d => d.Request.Agent.Name).ToList();
            return new SendProgress(all.Count - pending.Count, all.Count, pending);
        }
    }

    public async Task<IReadOnlyList<FleetSendResult>> SendAsync(IReadOnlyList<SendRequest> requests, CancellationToken ct)
    {
        using var throttle = new SemaphoreSlim(Math.Max(1, options.ThrottleLimit));
        var deliveries = requests.Select(r => new Delivery(r, context, throttle)).ToList();
        _deliveries = deliveries;
        var run = new SendRun(this, options.LockDirectory ?? AgentLocks.Directory(context.GetEnv), ct);

        var submitted = new Submitted();
        var typing = Task.WhenAll(deliveries.Select(async d =>
        {
            await TypeAsync(d, run, ct).ConfigureAwait(false);
            // A delivery that ended while typing (failed, or not verified) is logged now; a submitted one is verified
            // from now on, while the others may still be typing (or waiting for another sender's lock).
            if (d.Status is not null) await LogAsync(d).ConfigureAwait(false);
            else submitted.Add(d);
        }));
        try
        {
            await VerifyAllAsync(submitted, typing, run, ct).ConfigureAwait(false);
            await typing.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: first let every delivery stop (its processes killed, its paste buffer deleted, its lock released).
            await StoppedAsync(typing).ConfigureAwait(false);
            // What was already typed must still be in the log; a delivery never typed is not logged.
            foreach (var d in deliveries.Where(d => d.Typed))
            {
                d.Complete(FleetSendStatus.NotAccepted, "cancelled");
                await LogAsync(d).ConfigureAwait(false);
            }
            throw;
        }
        catch
        {
            // Nothing of the send may outlive it, whatever went wrong.
            await StoppedAsync(typing).ConfigureAwait(false);
            throw;
        }
        return deliveries.Select(d => d.ToResult()).ToList();
    }

    /// <summary>Deliveries handed from typing to the verification loop, with a signal the loop waits on when idle.</summary>
    private sealed class Submitted
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<Delivery> _queue = new();
        private readonly SemaphoreSlim _signal = new(0);

        public void Add(Delivery d)
        {
            _queue.Enqueue(d);
            _signal.Release();
        }

        public bool TryTake(out Delivery d) => _queue.TryDequeue(out d!);

        /// <summary>Completes when something was added (possibly already taken).</summary>
        public Task WaitAsync(CancellationToken ct) => _signal.WaitAsync(ct);
    }

    // Waits for a task to end, whatever its outcome (the caller already has an exception to report).
    private static async Task StoppedAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
        }
    }

    /// <summary>The state of one <see cref="SendAsync"/>: the agents' lock directory and the per-host coalescers that
    /// turn the deliveries reaching the same step together into one tmux call. (The send's throttle is on each
    /// <see cref="Delivery"/>, so nothing of one send lives in a field of the sender.)</summary>
    private sealed class SendRun
    {
        public SendRun(MessageSender sender, string lockDir, CancellationToken ct)
        {
            LockDir = lockDir;
            Resolve = new(sender.ResolveBatchAsync, ct);
            Probe = new(sender.ProbeBatchAsync, ct);
            Paste = new(sender.PasteBatchAsync, ct);
            Submit = new(sender.SubmitBatchAsync, ct);
        }

        public string LockDir { get; }
        public Coalescer<string, Delivery, PaneRef?> Resolve { get; }
        public Coalescer<string, Delivery, CaptureOutcome> Probe { get; }
        public Coalescer<(string Host, string Text), Delivery, bool> Paste { get; }
        public Coalescer<string, Delivery, (PaneProbe? Probe, bool KeySent)> Submit { get; }
    }

    // Each delivery's log line is written once, as soon as it ends; a log that cannot be written is a warning.
    private async Task LogAsync(Delivery d)
    {
        if (log is null || !d.MarkLogged()) return;
        var r = d.ToResult();
        try
        {
            await log.AppendAsync(new FleetMessageLogEntry
            {
                Time = r.SentAt ?? context.Clock.GetUtcNow(),
                Tenant = context.Roster.Tenant,
                Host = r.Host,
                Agent = r.Agent,
                Source = r.Source,
                Status = r.Status,
                Message = r.Message,
                Kind = d.Request.Kind,
                RosterPath = context.Roster.Path,
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TimeoutException)
        {
            Warning?.Invoke($"{r.Agent}: the message log {log.Path} was not written: {ex.Message}");
        }
    }

    // Resolve the pane once, lock, baseline, paste, wait for the draft, submit, unlock. Every tmux step goes through a
    // per-host coalescer: deliveries that reach the same step together share one tmux call.
    private async Task TypeAsync(Delivery d, SendRun run, CancellationToken ct)
    {
        var host = d.Request.Agent.Host;
        if (!RefuseControlBytes(d)) return;
        var pane = await run.Resolve.RunAsync(host, d).ConfigureAwait(false);
        if (pane is null) return;
        d.PaneId = pane.PaneId;
        d.PanePid = pane.Pid;
        d.PaneCommand = pane.Command;
        if (pane.Dead) { d.Fail(FleetSendStatus.PaneDead, $"pane {pane.PaneId} is dead"); return; }
        if (!RefuseDrift(d, pane)) return;

        var wait = options.WaitForIdle ? Stopwatch.StartNew() : null;
        while (true)
        {
            // -WaitForIdle: wait for Idle (and no dialog) WITHOUT the agent's lock, so another sender is not held up.
            string? idleScreen = null;
            if (wait is not null && (idleScreen = await WaitForIdleAsync(d, run, wait, ct).ConfigureAwait(false)) is null) return;
            if (await LockAsync(d, run, ct).ConfigureAwait(false) is not { } held) return;
            using (held)
            {
                // The look before typing is taken under the lock, so no other sender's draft is in it; it is also the
                // verification's baseline.
                var (baseline, failure) = await run.Probe.RunAsync(host, d).ConfigureAwait(false);
                if (baseline is null) { FailProbe(d, failure!, typed: false); return; }
                if (baseline.Dead) { d.Fail(FleetSendStatus.PaneDead, $"pane {d.PaneId} died"); return; }
                var refused = LookBeforeTyping(d, baseline, idleScreen);
                // Text in the input area may be the previous sender's message on its way out (submitted right before
                // that sender let go of the lock): it leaves within moments, while an operator's draft stays.
                var settle = Stopwatch.StartNew();
                while (refused is { Status: FleetSendStatus.DraftPresent } && settle.Elapsed < options.DraftSettle)
                {
                    await Task.Delay(100, ct).ConfigureAwait(false);
                    (baseline, failure) = await run.Probe.RunAsync(host, d).ConfigureAwait(false);
                    if (baseline is null) { FailProbe(d, failure!, typed: false); return; }
                    if (baseline.Dead) { d.Fail(FleetSendStatus.PaneDead, $"pane {d.PaneId} died"); return; }
                    refused = LookBeforeTyping(d, baseline, idleScreen);
                }
                if (refused is { } stop)
                {
                    // With -WaitForIdle and time left, a pane that changed again (a dialog came up, the agent got busy)
                    // since the wait saw it idle is waited for again, the lock released meanwhile.
                    if (wait is not null && stop.Status is FleetSendStatus.Blocked or FleetSendStatus.NotSent && wait.Elapsed < options.IdleTimeout)
                    {
                        Verbose?.Invoke($"{d.Request.Agent.Name}: {stop.Detail}; waiting again.");
                        continue;
                    }
                    d.Fail(stop.Status, stop.Detail);
                    return;
                }
                if (options.Verify)
                {
                    var area = InputArea.Find(baseline, d.Runtime.InputPattern);
                    var needle = InputArea.Needle(d.Request.TypedText);
                    var count = InputArea.Count(area, needle);
                    d.Verification = new DraftVerification(needle, count, provable: count.Needles == 0 && needle.Length > 0);
                }
                await TypeUnderLockAsync(d, run, ct).ConfigureAwait(false);
                return;
            }
        }
    }

    // Every tmux call of a send passes the throttle: -ThrottleLimit bounds the tmux (or ssh) processes running at once.
    private async Task<CommandResult> RunAsync(Delivery d, string[] argv, CancellationToken ct, string? stdin = null, Action? started = null)
    {
        var throttle = d.Throttle;
        await throttle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ct.ThrowIfCancellationRequested();
            started?.Invoke();
            return await context.Runner.RunAsync(d.Host, new CommandSpec(argv, context.CommandTimeout, stdin), ct).ConfigureAwait(false);
        }
        finally
        {
            throttle.Release();
        }
    }
}
