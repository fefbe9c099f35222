using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Tests.Messaging;

namespace MosaicFleet.Tests.Observation;

public class ActivityProbeTests
{
    private static readonly FleetRoster Roster = RosterLoader.Parse(
        "version: 1\ntmux: { socketName: fleet }\nagents:\n  - { name: a, runtime: pi }\n  - { name: b, runtime: pi }\n  - { name: c, runtime: pi }\n", "r.yaml");

    private static FleetAgent Live(string name, FakeTmux.Pane pane) => new() { Name = name, Runtime = "pi", Host = "local", Status = FleetAgentStatus.Running, PaneId = pane.Id };

    [Fact]
    public async Task Two_captures_per_live_agent_by_exact_pane_id_and_none_for_others()
    {
        var tmux = new FakeTmux();
        var pane = tmux.Add("a");
        pane.Screen = "> \n";
        var agents = new List<FleetAgent> { Live("a", pane), new() { Name = "b", Runtime = "pi", Host = "local", Status = FleetAgentStatus.Missing } };
        await new ActivityProbe(new FleetContext(Roster, tmux)).ProbeAsync(agents, TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(2, tmux.Calls.Count);
        Assert.All(tmux.Calls, c => Assert.Equal(["tmux", "-u", "-L", "fleet", "display-message", "-p", "-t", pane.Id], c.Argv.Take(8)));
        Assert.All(tmux.Calls, c => Assert.Contains("capture-pane", c.Argv));
        Assert.All(tmux.Calls, c => Assert.All(c.Argv.Select((w, i) => (w, i)).Where(x => x.w == "-t"), x => Assert.Equal(pane.Id, c.Argv[x.i + 1])));
        Assert.Equal(FleetAgentActivity.Idle, agents[0].Activity);
        Assert.Equal(FleetAgentActivity.Unknown, agents[1].Activity);
    }

    [Fact]
    public async Task A_failed_capture_is_unknown()
    {
        var tmux = new FakeTmux();
        var pane = tmux.Add("a");
        pane.Closed = true;
        var agents = new List<FleetAgent> { Live("a", pane) };
        await new ActivityProbe(new FleetContext(Roster, tmux)).ProbeAsync(agents, TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(FleetAgentActivity.Unknown, agents[0].Activity);
    }

    [Fact]
    public async Task Every_agent_of_a_host_is_captured_in_one_call_and_a_closed_pane_costs_only_itself()
    {
        var tmux = new FakeTmux();
        var panes = new[] { "a", "b", "c" }.Select(tmux.Add).ToList();
        foreach (var p in panes) p.Screen = "> \n";
        panes[1].Closed = true;
        var agents = panes.Select((p, i) => Live(new[] { "a", "b", "c" }[i], p)).ToList();
        var screens = await new ActivityProbe(new FleetContext(Roster, tmux)).CaptureAllAsync(agents, CancellationToken.None);
        Assert.Equal(new string?[] { "> \n", null, "> \n" }, screens.AsEnumerable());
        // The first call named all three panes and stopped at the closed one; the second captured the one after it.
        var calls = tmux.Calls.ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal(3, calls[0].Argv.Count(w => w == "capture-pane"));
        Assert.Equal(1, calls[1].Argv.Count(w => w == "capture-pane"));
        Assert.Contains(panes[2].Id, calls[1].Argv);
    }
}
