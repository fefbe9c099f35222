using MosaicFleet.Engine.Fleet;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>The look Start-/Restart-FleetAgent take at the agents they launched, a moment after: a runtime that is not
/// installed (or crashes at once) leaves a dead pane, which must not pass for a successful start.</summary>
public static class StartCheck
{
    /// <summary>Long enough for "command not found" (or an immediate crash) to end the pane; short enough to go unnoticed.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);

    /// <summary>The launched agents as they are <see cref="Settle"/> after the launch: one list-panes (and systemctl show)
    /// per host.</summary>
    public static async Task<FleetSnapshot> ReadSettledAsync(FleetContext context, IReadOnlyList<FleetAgentSpec> launched, CancellationToken ct)
    {
        await Task.Delay(Settle, context.Clock, ct).ConfigureAwait(false);
        // tmux 3.3a can leave a dead pane's process unreaped (no exit status yet) until another child of the server
        // exits: a run-shell makes one, as the agent unit's own launch script does, so the status read next is there.
        await Task.WhenAll(launched.Select(a => a.Host).Distinct(StringComparer.Ordinal).Select(host =>
            context.Runner.RunAsync(context.HostOf(host), new Processes.CommandSpec(context.TmuxFor(host).Build("run-shell", "true"), context.CommandTimeout), ct))).ConfigureAwait(false);
        return await new FleetQuery(context).GetAgentsAsync(launched, ct).ConfigureAwait(false);
    }

    /// <summary>Why <paramref name="agent"/> counts as having exited right after its start, or null when it did not.</summary>
    public static string? ExitedAtStart(FleetAgent agent)
    {
        if (agent.Status is not (FleetAgentStatus.Dead or FleetAgentStatus.Failed)) return null;
        var status = agent.DeadStatus switch
        {
            null => "its exit status was not recorded",
            127 => "exit status 127: its command was not found",
            126 => "exit status 126: its command could not be run",
            var s => $"exit status {s}",
        };
        return $"Agent '{agent.Name}' exited right after it started ({status}); its pane is kept dead for inspection.";
    }
}
