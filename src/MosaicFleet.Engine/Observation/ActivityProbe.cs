using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Observation;

/// <summary>Captures agents' panes (tmux capture-pane -p -t %pane_id, batched per host, through the context's runner) and
/// sets their Activity.</summary>
public sealed class ActivityProbe(FleetContext context)
{
    /// <summary>The visible text of each agent's pane (null when the agent has no live pane or its capture failed):
    /// ONE tmux call per host (per chunk of panes) captures every live agent of that host, by exact %pane_id.</summary>
    public async Task<string?[]> CaptureAllAsync(IReadOnlyList<FleetAgent> agents, CancellationToken ct)
    {
        var screens = new string?[agents.Count];
        var live = Enumerable.Range(0, agents.Count).Where(i => agents[i].Status == FleetAgentStatus.Running && agents[i].PaneId is not null);
        await Task.WhenAll(live.GroupBy(i => agents[i].Host, StringComparer.Ordinal).Select(async group =>
        {
            var indexes = group.ToList();
            var host = context.HostOf(group.Key);
            var outcomes = await PaneCaptures.CaptureAsync(host, context.TmuxFor(group.Key), indexes.Select(i => agents[i].PaneId!).ToList(),
                (argv, c) => context.Runner.RunAsync(host, new CommandSpec(argv, context.CommandTimeout), c), ct).ConfigureAwait(false);
            for (var k = 0; k < indexes.Count; k++) screens[indexes[k]] = outcomes[k].Probe?.Screen;
        })).ConfigureAwait(false);
        return screens;
    }

    /// <summary>Two captures per agent, <paramref name="interval"/> apart, each a batched call per host; sets each agent's Activity.</summary>
    public async Task ProbeAsync(IReadOnlyList<FleetAgent> agents, TimeSpan interval, CancellationToken ct)
    {
        var live = agents.Where(a => a.Status == FleetAgentStatus.Running && a.PaneId is not null).ToList();
        foreach (var a in agents) a.Activity = FleetAgentActivity.Unknown;
        if (live.Count == 0) return;
        var first = await CaptureAllAsync(live, ct).ConfigureAwait(false);
        await Task.Delay(interval, context.Clock, ct).ConfigureAwait(false);
        var second = await CaptureAllAsync(live, ct).ConfigureAwait(false);
        for (var i = 0; i < live.Count; i++)
        {
            if (!context.Roster.Runtimes.TryGetValue(live[i].Runtime, out var runtime)) continue;
            live[i].Activity = ActivityRules.Classify(runtime, first[i], second[i]);
        }
    }
}
