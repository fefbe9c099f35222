using MosaicFleet.Engine.IO;
using System.Diagnostics;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Messaging;

public sealed partial class MessageSender
{
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

    private Task<IReadOnlyList<CaptureOutcome>> ProbeBatchAsync(string host, IReadOnlyList<Delivery> batch, CancellationToken ct)
        => PaneCaptures.CaptureAsync(batch[0].Host, batch[0].Tmux, batch.Select(d => d.PaneId!).ToList(), (argv, c) => RunAsync(batch[0], argv, c), ct);
}
