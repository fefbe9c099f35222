using MosaicFleet.Engine.Roster;
using System.Diagnostics;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Messaging;

public sealed partial class MessageSender
{
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
                else if (TmuxFailures.Classify(r.Stderr) == TmuxFailure.NoSession) d.Fail(FleetSendStatus.NoSession, NoSession(d) + ": " + r.Stderr.Trim());
                else d.Fail(FleetSendStatus.NotSent, "nothing was typed: the pane could not be resolved: " + r.DescribeWithoutOutput());
            }
            return batch.Select(_ => (PaneRef?)null).ToList();
        }
        var panes = SendCommands.ParseResolveAll(r.Stdout, marker);
        foreach (var d in batch)
        {
            // Panes in a mode nobody looks at (or -Force): leave the mode first, one call for each.
            if (!panes.TryGetValue(d.Request.Agent.Name, out var p) || !p.InMode || (p.AttachedClients > 0 && !options.Force)) continue;
            var cancel = await RunAsync(d, SendCommands.CancelMode(d.Tmux, p.PaneId), ct).ConfigureAwait(false);
            Verbose?.Invoke($"{d.Request.Agent.Name}: pane {p.PaneId} was in copy mode; left it" + (cancel.Success ? "." : $": {cancel.DescribeWithoutOutput()}"));
            if (cancel.Success) panes = new Dictionary<string, PaneRef>(panes) { [d.Request.Agent.Name] = p with { InMode = false } };
        }
        return batch.Select(d =>
        {
            if (panes.TryGetValue(d.Request.Agent.Name, out var pane))
            {
                var mine = TenantNames.Mark(context.Roster.Tenant);
                if (pane.TenantMark is null || pane.TenantMark == mine)
                {
                    // A pane left in copy mode (scrolled back, then detached) takes the paste's keys and the submit key
                    // into the mode. Nobody looking: leave the mode, as q would. Someone looking at it: theirs.
                    if (pane.InMode)
                    {
                        d.Fail(FleetSendStatus.Blocked, pane.AttachedClients > 0 && !options.Force
                            ? $"the pane {pane.PaneId} is in copy mode (a mode) and {pane.AttachedClients} client(s) show it, so someone may be scrolling its history; nothing was typed (press q in the pane, or send with -Force to leave the mode)"
                            : $"the pane {pane.PaneId} is in copy mode (a mode) and could not be taken out of it; nothing was typed");
                        return null;
                    }
                    return pane;
                }
                // Another tenant's fleet on the same socket: its session of this name is not this agent.
                d.Fail(FleetSendStatus.NotSent, $"nothing was typed: the tmux server on socket {d.Tmux.SocketName} ({d.Request.Agent.Host}) runs the fleet of tenant '{pane.TenantMark}', not of tenant '{mine}'; give this roster a socketName of its own");
                return null;
            }
            d.Fail(FleetSendStatus.NoSession, NoSession(d));
            return null;
        }).ToList();
    }

    private static string NoSession(Delivery d) => $"no session '{d.Request.Agent.Name}' on tmux socket {d.Tmux.SocketName} ({d.Request.Agent.Host})";
}
