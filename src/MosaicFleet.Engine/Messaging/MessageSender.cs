using System.Diagnostics;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Messaging;

/// <summary>One thing to deliver to one agent.</summary>
/// <param name="Agent">The roster agent.</param>
/// <param name="Message">The message as given (logged and reported).</param>
/// <param name="Source">The source label; null or empty types <paramref name="Message"/> unlabelled (a reset command).</param>
/// <param name="Kind">"message" or "reset" (the log's kind).</param>
public sealed record SendRequest(FleetAgentSpec Agent, string Message, string? Source, string Kind = "message")
{
    /// <summary>Exactly what is pasted into the pane.</summary>
    public string TypedText => MessageText.Compose(Source, Message);

    /// <summary>Who sent it, for the result and the log, when nothing is typed as a label (a reset).</summary>
    public string? LogSource { get; init; }
}

public sealed class SendOptions
{
    /// <summary>False: submit and report Submitted without looking at the pane (-NoVerify).</summary>
    public bool Verify { get; init; } = true;

    /// <summary>How long after the submit key the text may take to leave the input area.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How many tmux (or ssh) commands of a send run at once. Waits (for a lock, for the draft to show, before
    /// the submit key) hold no slot.</summary>
    public int ThrottleLimit { get; init; } = 8;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>How long to wait for the per-agent lock another sender holds.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Before the submit key: how long to wait for the pasted draft to show in the input area.
    /// A submit key that arrives in the same read as the paste's end marker is swallowed by some TUIs.</summary>
    public TimeSpan DraftWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Our draft still in the input area this long after the submit key: the key is re-sent, once.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>The lock directory (default: $XDG_RUNTIME_DIR/mosaic-fleet/locks).</summary>
    public string? LockDirectory { get; init; }

    /// <summary>-Force: type into a drifted pane that runs no known shell (a runtime whose pane command the profile lacks),
    /// and over a draft already in the input area. Never into a shell, never into a dialog.</summary>
    public bool Force { get; init; }

    /// <summary>-WaitForIdle: before typing, wait (without the agent's lock) until the agent is Idle and shows no dialog.</summary>
    public bool WaitForIdle { get; init; }

    /// <summary>Text found in the input area before typing is looked at again for this long: a message submitted just
    /// before another sender let go of the lock leaves it; an operator's draft stays (DraftPresent).</summary>
    public TimeSpan DraftSettle { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long -WaitForIdle waits.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>Where a send stands: deliveries ended of the total, and the agents still pending (in request order).</summary>
public sealed record SendProgress(int Done, int Total, IReadOnlyList<string> Pending);

/// <summary>Delivers messages to agents' panes: paste buffer in, submit key(s), verified by polling the pane.
/// Each delivery walks its own steps (resolve, lock, baseline, paste, draft, submit), and each step's tmux call is shared
/// with every other delivery of the same host at the same step (<see cref="Coalescer{TKey, TItem, TResult}"/>), so fifty
/// agents cost about as many tmux calls as one. Every call passes one throttle (-ThrottleLimit); the verification of every
/// agent runs in ONE shared poll loop. One instance runs one <see cref="SendAsync"/> at a time.</summary>
public sealed class MessageSender(FleetContext context, SendOptions options, MessageLog? log = null)
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
                Status = r.Status.ToString(),
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

    /// <summary>Step: the agent's lock (another sender's keystrokes never mix with ours). Null when it was not taken: the
    /// delivery is NotSent, and says nothing was typed.</summary>
    private async Task<FileLock?> LockAsync(Delivery d, SendRun run, CancellationToken ct)
    {
        try
        {
            return await FileLock.AcquireAsync(AgentLocks.PathFor(run.LockDir, context.Roster.Tenant, d.Request.Agent.Host, d.Request.Agent.Name), options.LockTimeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            d.Fail(FleetSendStatus.NotSent, "nothing was typed: another sender held the agent's lock: " + ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            d.Fail(FleetSendStatus.NotSent, "nothing was typed: the agent's lock file cannot be opened: " + ex.Message);
        }
        return null;
    }

    /// <summary>Step, under the lock, on the screen as it is right before typing: what must stop the delivery. A dialog or
    /// menu (the runtime's waitingPattern) is Blocked: text and a submit key there would pick an option. After
    /// -WaitForIdle (<paramref name="idleScreen"/>: the screen the wait saw idle) a screen that changed since is NotSent
    /// (the agent is busy again). Text already in the input area (<see cref="OperatorDraft"/>) is DraftPresent: the
    /// message would join someone's unsent draft; -Force types anyway.</summary>
    private (FleetSendStatus Status, string Detail)? LookBeforeTyping(Delivery d, PaneProbe probe, string? idleScreen)
    {
        if (Dialog(d.Runtime, probe.Screen) is { } dialog)
            return (FleetSendStatus.Blocked, "the pane shows a dialog or menu (the runtime's waitingPattern matched); nothing was typed. It shows: " + dialog);
        if (idleScreen is not null && !string.Equals(ActivityRules.Hash(idleScreen), ActivityRules.Hash(probe.Screen), StringComparison.Ordinal))
            return (FleetSendStatus.NotSent, "the agent was busy again when its lock was taken; nothing was typed");
        if (OperatorDraft.Find(probe, d.Runtime.InputPattern) is { } draft)
        {
            var shown = draft.Length <= 80 ? draft : draft[..79] + "…";
            if (!options.Force) return (FleetSendStatus.DraftPresent, $"the input area already holds text (an unsent draft): \"{shown}\"; nothing was typed, since the message would join it (-Force types anyway)");
            Verbose?.Invoke($"{d.Request.Agent.Name}: the input area already holds \"{shown}\"; typing after it (-Force).");
        }
        return null;
    }

    /// <summary>The dialog's text when the runtime's waitingPattern matches the screen's bottom lines (as Get-FleetAgent's
    /// Activity Waiting): those lines, blank ones and box borders dropped, joined with " | "; else null.</summary>
    public static string? Dialog(FleetRuntime runtime, string screen)
    {
        if (!ActivityRules.Matches(runtime.WaitingPattern, screen)) return null;
        var lines = ActivityRules.BottomLines(screen).Split('\n')
            .Select(l => l.Trim().Trim('│', '┃', '║', '╭', '╮', '╰', '╯', '─', '━', '═', '┌', '┐', '└', '┘').Trim())
            .Where(l => l.Length > 0);
        return string.Join(" | ", lines);
    }

    /// <summary>Step (-WaitForIdle): polls the pane, without the agent's lock, until it is Idle (unchanged between two
    /// looks, no busy or waiting pattern, and stable for the runtime's idleAfterSeconds) and shows no dialog. Returns the
    /// idle screen; null when the delivery ended: Blocked if a dialog was still up at the timeout, NotSent if the agent
    /// stayed busy.</summary>
    private async Task<string?> WaitForIdleAsync(Delivery d, SendRun run, Stopwatch wait, CancellationToken ct)
    {
        var tracker = new WaitTracker(FleetAgentActivity.Idle, sentAt: null, ActivityRules.IdleAfterSeconds(d.Runtime), d.Runtime.IdleAfterSeconds ?? 0);
        string? previous = null;
        while (true)
        {
            var (probe, failure) = await run.Probe.RunAsync(d.Request.Agent.Host, d).ConfigureAwait(false);
            if (probe is null) { FailProbe(d, failure!, typed: false); return null; }
            if (probe.Dead) { d.Fail(FleetSendStatus.PaneDead, $"pane {d.PaneId} died"); return null; }
            var activity = ActivityRules.ClassifyAfter(d.Runtime, previous is null ? null : ActivityRules.Hash(previous), probe.Screen);
            previous = probe.Screen;
            if (tracker.Observe(activity, context.Clock.GetUtcNow())) return probe.Screen;
            if (wait.Elapsed >= options.IdleTimeout)
            {
                var waited = $"{options.IdleTimeout.TotalSeconds:0.#} s";
                if (Dialog(d.Runtime, probe.Screen) is { } dialog)
                    d.Fail(FleetSendStatus.Blocked, $"the pane still showed a dialog or menu after {waited} (-WaitForIdle); nothing was typed. It shows: " + dialog);
                else
                    d.Fail(FleetSendStatus.NotSent, $"the agent did not become idle within {waited} (-WaitForIdle; last seen {activity}); nothing was typed");
                return null;
            }
            await Task.Delay(ActivityRules.SampleInterval, ct).ConfigureAwait(false);
        }
    }

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
                        if (SendCommands.Classify(failure!.Stderr) is TmuxFailure.PaneGone or TmuxFailure.NoSession) { FailProbe(d, failure); return; }
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

    /// <summary>Step: text that could act in the pane instead of arriving as text (a control byte other than tab and a line
    /// break: ESC would end the bracketed paste early, ^C would interrupt) is never typed (see <see cref="MessageText"/>).
    /// The cmdlets refuse such text before it gets here; this holds for every caller (a roster's resetCommand too).</summary>
    private static bool RefuseControlBytes(Delivery d)
    {
        var why = MessageText.Refusal(d.Request.TypedText) ?? (d.Request.Source is { } s ? MessageText.Refusal(s, singleLine: true) : null);
        if (why is null) return true;
        d.Fail(FleetSendStatus.NotSent, $"nothing was typed: the text holds {why}; control characters other than tab and line breaks are refused");
        return false;
    }

    /// <summary>Step: a drifted pane (not running one of its runtime's paneCommands) gets nothing, whatever it runs: a shell
    /// under any name would run the message as a command line. -Force types anyway into a pane whose command the runtime's
    /// profile lacks (a Python launcher seen as python3), but never into a known shell.</summary>
    private bool RefuseDrift(Delivery d, PaneRef pane)
    {
        if (DriftRules.Evaluate(d.Runtime, pane.Command, paneAlive: true) is not (true, var drift)) return true;
        if (DriftRules.Shells.Contains(pane.Command!))
        {
            d.Fail(FleetSendStatus.Drifted, $"pane {pane.PaneId} runs the shell {drift}; nothing was typed, since the shell would run it as a command");
            return false;
        }
        if (options.Force)
        {
            Verbose?.Invoke($"{d.Request.Agent.Name}: pane {pane.PaneId} runs {drift}; typing anyway (-Force).");
            return true;
        }
        d.Fail(FleetSendStatus.Drifted, $"pane {pane.PaneId} runs {drift}; nothing was typed, since it is not the runtime (add it to the runtime's paneCommands if it is, or use -Force)");
        return false;
    }

    /// <summary>One call per host resolves every session of the batch (list-panes -a): a session that is not there is
    /// NoSession, and a failed call fails each delivery as it reads.</summary>
    private async Task<IReadOnlyList<PaneRef?>> ResolveBatchAsync(string host, IReadOnlyList<Delivery> batch, CancellationToken ct)
    {
        var first = batch[0];
        var marker = SendCommands.NewMarker();
        var r = await RunAsync(first, SendCommands.ResolveAll(first.Tmux, marker), ct).ConfigureAwait(false);
        if (!r.Success)
        {
            foreach (var d in batch)
            {
                if (Unreached(d, r) is { } unreached) d.Fail(unreached, r.DescribeWithoutOutput());
                else if (SendCommands.Classify(r.Stderr) == TmuxFailure.NoSession) d.Fail(FleetSendStatus.NoSession, NoSession(d) + ": " + r.Stderr.Trim());
                else d.Fail(FleetSendStatus.NotSent, "nothing was typed: the pane could not be resolved: " + r.DescribeWithoutOutput());
            }
            return batch.Select(_ => (PaneRef?)null).ToList();
        }
        var panes = SendCommands.ParseResolveAll(r.Stdout, marker);
        return batch.Select(d =>
        {
            if (panes.TryGetValue(d.Request.Agent.Name, out var pane)) return pane;
            d.Fail(FleetSendStatus.NoSession, NoSession(d));
            return null;
        }).ToList();
    }

    private static string NoSession(Delivery d) => $"no session '{d.Request.Agent.Name}' on tmux socket {d.Tmux.SocketName} ({d.Request.Agent.Host})";

    private Task<IReadOnlyList<CaptureOutcome>> ProbeBatchAsync(string host, IReadOnlyList<Delivery> batch, CancellationToken ct)
        => PaneCaptures.CaptureAsync(batch[0].Host, batch[0].Tmux, batch.Select(d => d.PaneId!).ToList(), (argv, c) => RunAsync(batch[0], argv, c), ct);

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
                if (SendCommands.Classify(r.Stderr) != TmuxFailure.PaneGone)
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

    private static void FailKey(Delivery d, CommandResult key)
    {
        var failure = SendCommands.Classify(key.Stderr) == TmuxFailure.PaneGone ? FleetSendStatus.PaneDead : Unreached(d, key) ?? FleetSendStatus.NotSubmitted;
        d.Fail(failure, "the submit key failed: " + key.DescribeWithoutOutput());
    }

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

    /// <summary>A capture that failed. Before anything was typed (<paramref name="typed"/> false) a failure that is not
    /// about the pane or the host is NotSent, and says so.</summary>
    private static void FailProbe(Delivery d, CommandResult r, bool typed = true)
    {
        var (other, prefix) = typed ? (FleetSendStatus.NotAccepted, "") : (FleetSendStatus.NotSent, "nothing was typed: ");
        if (r.Success) { d.Fail(other, prefix + "could not read the pane"); return; }
        var kind = SendCommands.Classify(r.Stderr);
        var status = kind is TmuxFailure.PaneGone or TmuxFailure.NoSession ? FleetSendStatus.PaneDead : Unreached(d, r) ?? other;
        d.Fail(status, (status == other ? prefix : "") + r.DescribeWithoutOutput());
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

    /// <summary>Unreachable when the transport itself failed (ssh exits 255, or a remote call timed out); TmuxNotFound when
    /// there is no tmux to run (here or on the host): either way the command never ran (<see cref="CommandResult.FailureOn"/>).</summary>
    private static FleetSendStatus? Unreached(Delivery d, CommandResult r)
        => r.FailureOn(d.Host) switch
        {
            CommandFailure.ProgramNotFound => FleetSendStatus.TmuxNotFound,
            CommandFailure.TransportLost => FleetSendStatus.Unreachable,
            CommandFailure.TimedOut when !d.Host.IsLocal => FleetSendStatus.Unreachable,
            _ => null,
        };

    private sealed class Delivery
    {
        private readonly Stopwatch _elapsed = Stopwatch.StartNew();

        public Delivery(SendRequest request, FleetContext context, SemaphoreSlim throttle)
        {
            Request = request;
            Throttle = throttle;
            Runtime = context.RuntimeOf(request.Agent);
            Host = context.HostOf(request.Agent.Host);
            Tmux = context.TmuxFor(request.Agent.Host);
        }

        public SendRequest Request { get; }

        /// <summary>The throttle of the send this delivery belongs to (every tmux call of that send passes it).</summary>
        public SemaphoreSlim Throttle { get; }
        public FleetRuntime Runtime { get; }
        public FleetHost Host { get; }
        public TmuxCommand Tmux { get; }
        public string? PaneId { get; set; }

        /// <summary>The pane's process when resolved: the paste goes only into that pane still running it.</summary>
        public int? PanePid { get; set; }

        /// <summary>The pane's current command when resolved (not drifted): the paste goes only into the pane still running it.</summary>
        public string? PaneCommand { get; set; }
        public DraftVerification? Verification { get; set; }
        public DateTimeOffset? SentAt { get; set; }
        public Stopwatch? SinceSubmit { get; set; }
        public FleetSendStatus? Status { get; private set; }
        public string? Detail { get; private set; }
        public TimeSpan Elapsed { get; private set; }

        /// <summary>The paste was started: the message may be in the pane.</summary>
        public bool Typed { get; set; }

        /// <summary>The call that sent the first submit key timed out before confirming it: it may or may not have arrived.</summary>
        public bool KeyUncertain { get; set; }

        private int _ended, _logged;

        /// <summary>Thread-safe: the delivery has a final status.</summary>
        public bool Ended => Volatile.Read(ref _ended) == 1;

        /// <summary>True the first time only: the caller writes the log line.</summary>
        public bool MarkLogged() => Interlocked.Exchange(ref _logged, 1) == 0;

        public void Fail(FleetSendStatus status, string detail) => Complete(status, detail);

        public void Complete(FleetSendStatus status, string detail)
        {
            if (Status is not null) return;
            Status = status;
            Detail = detail;
            Elapsed = _elapsed.Elapsed;
            Volatile.Write(ref _ended, 1);
        }

        public FleetSendResult ToResult() => new()
        {
            Agent = Request.Agent.Name,
            Host = Request.Agent.Host,
            Status = Status ?? FleetSendStatus.NotAccepted,
            ElapsedSeconds = (Status is null ? _elapsed.Elapsed : Elapsed).TotalSeconds,
            Source = string.IsNullOrEmpty(Request.Source) ? Request.LogSource ?? "" : Request.Source,
            Message = Request.Message,
            SentAt = SentAt,
            SubmitRetried = Verification?.Retried ?? false,
            Detail = Detail,
        };
    }
}
