using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Lifecycle;

/// <summary>The look Start-/Restart-FleetAgent take at what they launched.</summary>
public class StartCheckTests
{
    [Fact]
    public async Task The_settled_read_first_makes_tmux_reap_a_dead_pane_then_reads_each_host_once()
    {
        var roster = RosterLoader.Parse("version: 1\ntmux: { socketName: sock }\nagents:\n  - { name: a, runtime: pi }\n  - { name: b, runtime: pi }\n", "/r.yaml");
        var runner = new FakeRunner();
        var context = new FleetContext(roster, runner, k => k == "HOME" ? "/home/op" : null);
        await StartCheck.ReadSettledAsync(context, roster.Agents, CancellationToken.None);
        var tmux = runner.Calls.Where(c => c[0] == "tmux").Select(c => string.Join(' ', c.Skip(4).Take(2))).ToList();
        // One run-shell for the host (tmux 3.3a reaps a dead pane's process only when another child exits), then the query.
        Assert.Equal(["run-shell true", "list-panes -a"], tmux);
    }

    [Theory]
    [InlineData(127, "exit status 127: its command was not found")]
    [InlineData(5, "exit status 5")]
    [InlineData(null, "its exit status was not recorded")]
    public void A_dead_pane_right_after_the_start_says_its_exit_status(int? status, string expected)
        => Assert.Contains(expected, StartCheck.ExitedAtStart(new FleetAgent { Name = "a", Status = FleetAgentStatus.Dead, DeadStatus = status }));
}
