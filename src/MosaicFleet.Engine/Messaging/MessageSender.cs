using System.Diagnostics;
using MosaicFleet.Engine.Fleet;
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

    /// <summary>How many agents are typed to at once.</summary>
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
}

/// <summary>Where a send stands: deliveries ended of the total, and the agents still pending (in request order).</summary>
public sealed record SendProgress(int Done, int Total, IReadOnlyList<string> Pending);

/// <summary>Delivers messages to agents' panes: paste buffer in, submit key(s), verified by polling the pane.
/// Typing is throttled; the verification of every agent runs in ONE shared poll loop.</summary>
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
        var deliveries = requests.Select(r => new Delivery(r, context)).ToList();
        _deliveries = deliveries;
        using var throttle = new SemaphoreSlim(Math.Max(1, options.ThrottleLimit));
        var lockDir = options.LockDirectory ?? AgentLocks.Directory(context.GetEnv);

        try
        {
            await Task.WhenAll(deliveries.Select(async d =>
            {
                await throttle.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    await TypeAsync(d, lockDir, ct).ConfigureAwait(false);
                }
                finally
                {
                    throttle.Release();
                }
                // A delivery that ended while typing (failed, or not verified) is logged now.
                if (d.Status is not null) await LogAsync(d).ConfigureAwait(false);
            })).ConfigureAwait(false);

            await VerifyAllAsync(deliveries.Where(d => d.Status is null).ToList(), lockDir, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: what was already typed must still be in the log; a delivery never typed is not logged.
            foreach (var d in deliveries.Where(d => d.Typed))
            {
                d.Complete(FleetSendStatus.NotAccepted, "cancelled");
                await LogAsync(d).ConfigureAwait(false);
            }
            throw;
        }
        return deliveries.Select(d => d.ToResult()).ToList();
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
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TimeoutException)
        {
            Warning?.Invoke($"{r.Agent}: the message log {log.Path} was not written: {ex.Message}");
        }
    }

    // Resolve the pane once, lock, baseline, load + paste, wait for the draft, submit, unlock.
    private async Task TypeAsync(Delivery d, string lockDir, CancellationToken ct)
    {
        // With verification, the baseline capture rides in the same tmux call as the resolve; it is used only when it
        // is of the pane resolved and no other sender held the lock in between (otherwise it is taken again under the lock).
        var marker = SendCommands.NewMarker();
        var resolve = await RunAsync(d, options.Verify ? SendCommands.ResolveAndProbe(d.Tmux, d.Request.Agent.Name, marker) : SendCommands.ResolvePane(d.Tmux, d.Request.Agent.Name), ct).ConfigureAwait(false);
        PaneRef? pane;
        PaneProbe? baseline = null;
        if (options.Verify)
        {
            (pane, baseline, var probedId) = SendCommands.ParseResolveAndProbe(resolve.Stdout, marker);
            if (pane is null || probedId != pane.PaneId) baseline = null;
        }
        else pane = resolve.Success ? SendCommands.ParseResolve(resolve.Stdout) : null;
        if (pane is null && !resolve.Success)
        {
            if (Unreached(d, resolve) is { } unreached) d.Fail(unreached, resolve.Describe());
            else if (SendCommands.Classify(resolve.Stderr) == TmuxFailure.NoSession) d.Fail(FleetSendStatus.NoSession, $"no session '{d.Request.Agent.Name}' on tmux socket {d.Tmux.SocketName} ({d.Request.Agent.Host}): {resolve.Stderr.Trim()}");
            else d.Fail(FleetSendStatus.NotAccepted, resolve.Describe());
            return;
        }
        if (pane is null) { d.Fail(FleetSendStatus.NotAccepted, $"tmux answered '{resolve.Stdout.Trim()}' instead of a pane id"); return; }
        d.PaneId = pane.PaneId;
        if (pane.Dead) { d.Fail(FleetSendStatus.PaneDead, $"pane {pane.PaneId} is dead"); return; }

        FileLock held;
        try
        {
            var lockPath = AgentLocks.PathFor(lockDir, context.Roster.Tenant, d.Request.Agent.Host, d.Request.Agent.Name);
            try
            {
                held = await FileLock.AcquireAsync(lockPath, TimeSpan.Zero, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Another sender is typing: the early baseline may be stale once we hold the lock.
                baseline = null;
                held = await FileLock.AcquireAsync(lockPath, options.LockTimeout, ct).ConfigureAwait(false);
            }
        }
        catch (TimeoutException ex)
        {
            d.Fail(FleetSendStatus.NotAccepted, "nothing was typed: " + ex.Message);
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            d.Fail(FleetSendStatus.NotAccepted, "nothing was typed: the agent's lock file cannot be opened: " + ex.Message);
            return;
        }
        using (held)
        {
            if (options.Verify)
            {
                if (baseline is { Dead: true }) { d.Fail(FleetSendStatus.PaneDead, $"pane {d.PaneId} died"); return; }
                baseline ??= await ProbeAsync(d, ct).ConfigureAwait(false);
                if (d.Status is not null) return;
                var area = InputArea.Find(baseline!.Screen, d.Runtime.InputPattern);
                var needle = InputArea.Needle(d.Request.TypedText);
                var count = InputArea.Count(area, needle);
                d.Verification = new DraftVerification(needle, count, provable: count.Needles == 0 && needle.Length > 0);
            }

            var buffer = SendCommands.NewBufferName();
            try
            {
                // load-buffer and paste-buffer in one tmux call (the text on its stdin). From its start on the body is
                // never sent again, whatever happens: a failed or timed-out call may still have pasted, and a second
                // paste would type the message twice.
                d.Typed = true;
                var paste = await RunAsync(d, SendCommands.LoadAndPaste(d.Tmux, buffer, pane.PaneId), ct, d.Request.TypedText).ConfigureAwait(false);
                if (!paste.Success)
                {
                    var failure = SendCommands.Classify(paste.Stderr) == TmuxFailure.PaneGone ? FleetSendStatus.PaneDead : Unreached(d, paste) ?? FleetSendStatus.NotAccepted;
                    d.Fail(failure, "the paste failed (not retried): " + paste.Describe());
                    await DeleteBufferAsync(d, buffer).ConfigureAwait(false);
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: the buffer may be loaded but not pasted (paste -d deletes it only when it runs).
                await DeleteBufferAsync(d, buffer).ConfigureAwait(false);
                throw;
            }

            if (d.Verification is { } v)
            {
                var until = Stopwatch.StartNew();
                while (until.Elapsed < options.DraftWait)
                {
                    var probe = await ProbeAsync(d, ct).ConfigureAwait(false);
                    if (d.Status is not null) return;
                    if (v.ObserveDraft(InputArea.Find(probe!.Screen, d.Runtime.InputPattern))) break;
                    await Task.Delay(50, ct).ConfigureAwait(false);
                }
                if (!v.DraftSeen) Verbose?.Invoke($"{d.Request.Agent.Name}: the draft did not show in the input area within {options.DraftWait.TotalSeconds:0.#} s; submitting anyway.");
            }
            // Let the application finish reading the paste before the submit key arrives.
            await Task.Delay(100, ct).ConfigureAwait(false);
            if (d.Verification is { } seen)
            {
                // The area as it stands right before the key (a retry needs it unchanged afterwards) and the first key,
                // in one tmux call: a capture that fails ends the list before the key.
                var m = SendCommands.NewMarker();
                var r = await RunAsync(d, SendCommands.ProbeThenKey(d.Tmux, d.PaneId!, d.Runtime.SubmitKeys[0], m), ct).ConfigureAwait(false);
                var probes = SendCommands.ParseProbeMany(r.Stdout, m);
                if (probes.Count == 0) { FailProbe(d, r); return; }
                if (probes[0].Dead) { d.Fail(FleetSendStatus.PaneDead, $"pane {d.PaneId} died"); return; }
                seen.ObserveDraft(InputArea.Find(probes[0].Screen, d.Runtime.InputPattern));
                if (!r.Success) { FailKey(d, r); return; }
                if (!await SubmitAsync(d, ct, first: 1).ConfigureAwait(false)) return;
            }
            else if (!await SubmitAsync(d, ct).ConfigureAwait(false)) return;
            d.SentAt = context.Clock.GetUtcNow();
            d.SinceSubmit = Stopwatch.StartNew();
            if (!options.Verify) d.Complete(FleetSendStatus.Submitted, "submitted, not verified (-NoVerify)");
        }
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
        d.Fail(failure, "the submit key failed: " + key.Describe());
    }

    // The one shared poll loop: every interval, one probe per pending agent, all in parallel.
    private async Task VerifyAllAsync(List<Delivery> pending, string lockDir, CancellationToken ct)
    {
        while (pending.Count > 0)
        {
            await Task.Delay(options.PollInterval, ct).ConfigureAwait(false);
            var probes = await ProbeAllAsync(pending, ct).ConfigureAwait(false);
            await Task.WhenAll(pending.Select(async d =>
            {
                if (d.Status is not null || !probes.TryGetValue(d, out var probe))
                {
                    await LogAsync(d).ConfigureAwait(false);
                    return;
                }
                var area = InputArea.Find(probe.Screen, d.Runtime.InputPattern, out var missing);
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
                            using var _ = await FileLock.AcquireAsync(AgentLocks.PathFor(lockDir, context.Roster.Tenant, d.Request.Agent.Host, d.Request.Agent.Name), TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
                            Verbose?.Invoke($"{d.Request.Agent.Name}: our draft is still in the input area; re-sending the submit key once.");
                            await SubmitAsync(d, ct).ConfigureAwait(false);
                        }
                        catch (TimeoutException)
                        {
                            Verbose?.Invoke($"{d.Request.Agent.Name}: another sender holds the lock; the submit key is not re-sent.");
                        }
                        break;
                }
                if (d.Status is not null) await LogAsync(d).ConfigureAwait(false);
            })).ConfigureAwait(false);
            pending.RemoveAll(d => d.Status is not null);
        }
    }

    /// <summary>One poll round: ONE tmux call per host captures every pending pane of that host. tmux stops a command
    /// list at its first failing command, so when a pane died the probes before it are kept, that pane is failed as a
    /// single probe would be, and the panes after it are probed again in the next call.</summary>
    private async Task<Dictionary<Delivery, PaneProbe>> ProbeAllAsync(IReadOnlyList<Delivery> deliveries, CancellationToken ct)
    {
        var seen = new Dictionary<Delivery, PaneProbe>();
        await Task.WhenAll(deliveries.GroupBy(d => d.Request.Agent.Host, StringComparer.Ordinal).Select(async group =>
        {
            var rest = group.ToList();
            while (rest.Count > 0)
            {
                var marker = SendCommands.NewMarker();
                var argv = SendCommands.ProbeMany(rest[0].Tmux, rest.Select(d => d.PaneId!).ToList(), marker);
                var r = await RunAsync(rest[0], argv, ct).ConfigureAwait(false);
                var probes = SendCommands.ParseProbeMany(r.Stdout, marker);
                var ran = Math.Min(probes.Count, rest.Count);
                for (var i = 0; i < ran; i++)
                {
                    if (probes[i].Dead) rest[i].Fail(FleetSendStatus.PaneDead, $"pane {rest[i].PaneId} died");
                    else lock (seen) seen[rest[i]] = probes[i];
                }
                if (ran == rest.Count) break;
                if (r.Success)
                {
                    foreach (var d in rest.Skip(ran)) d.Fail(FleetSendStatus.NotAccepted, "could not read the pane");
                    break;
                }
                if (Unreached(rest[ran], r) is not null)
                {
                    // The transport failed: no probe of this host can run this round.
                    foreach (var d in rest.Skip(ran)) FailProbe(d, r);
                    break;
                }
                FailProbe(rest[ran], r);
                rest = rest.Skip(ran + 1).ToList();
            }
        })).ConfigureAwait(false);
        return seen;
    }

    private static void FailProbe(Delivery d, CommandResult r)
    {
        if (r.Success) { d.Fail(FleetSendStatus.NotAccepted, "could not read the pane"); return; }
        var kind = SendCommands.Classify(r.Stderr);
        d.Fail(kind is TmuxFailure.PaneGone or TmuxFailure.NoSession ? FleetSendStatus.PaneDead : Unreached(d, r) ?? FleetSendStatus.NotAccepted, r.Describe());
    }

    private async Task<PaneProbe?> ProbeAsync(Delivery d, CancellationToken ct)
    {
        var r = await RunAsync(d, SendCommands.Probe(d.Tmux, d.PaneId!), ct).ConfigureAwait(false);
        if (!r.Success)
        {
            FailProbe(d, r);
            return null;
        }
        var probe = SendCommands.ParseProbe(r.Stdout);
        if (probe is null) { d.Fail(FleetSendStatus.NotAccepted, "could not read the pane"); return null; }
        if (probe.Dead) { d.Fail(FleetSendStatus.PaneDead, $"pane {d.PaneId} died"); return null; }
        return probe;
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

    private Task<CommandResult> RunAsync(Delivery d, string[] argv, CancellationToken ct, string? stdin = null)
        => context.Runner.RunAsync(d.Host, new CommandSpec(argv, context.CommandTimeout, stdin), ct);

    /// <summary>Unreachable when the transport itself failed (ssh exits 255; a command that never ran).</summary>
    private static FleetSendStatus? Unreached(Delivery d, CommandResult r)
        => !d.Host.IsLocal && (r.ExitCode == 255 || r.TimedOut || r.NotFound) ? FleetSendStatus.Unreachable
        : d.Host.IsLocal && r.NotFound ? FleetSendStatus.Unreachable : null;

    private sealed class Delivery
    {
        private readonly Stopwatch _elapsed = Stopwatch.StartNew();

        public Delivery(SendRequest request, FleetContext context)
        {
            Request = request;
            Runtime = context.RuntimeOf(request.Agent);
            Host = context.HostOf(request.Agent.Host);
            Tmux = context.TmuxFor(request.Agent.Host);
        }

        public SendRequest Request { get; }
        public FleetRuntime Runtime { get; }
        public FleetHost Host { get; }
        public TmuxCommand Tmux { get; }
        public string? PaneId { get; set; }
        public DraftVerification? Verification { get; set; }
        public DateTimeOffset? SentAt { get; set; }
        public Stopwatch? SinceSubmit { get; set; }
        public FleetSendStatus? Status { get; private set; }
        public string? Detail { get; private set; }
        public TimeSpan Elapsed { get; private set; }

        /// <summary>The paste was started: the message may be in the pane.</summary>
        public bool Typed { get; set; }

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
            Elapsed = Status is null ? _elapsed.Elapsed : Elapsed,
            Source = string.IsNullOrEmpty(Request.Source) ? Request.LogSource ?? "" : Request.Source,
            Message = Request.Message,
            SentAt = SentAt,
            SubmitRetried = Verification?.Retried ?? false,
            Detail = Detail,
        };
    }
}
