using MosaicFleet.Engine.Errors;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Fleet;

public class FleetQueryTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static FleetRoster Roster(int agents = 3)
    {
        var yaml = "version: 1\ntenant: acme\ntmux: { socketName: sock }\nagents:\n"
            + string.Concat(Enumerable.Range(0, agents).Select(i => $"  - {{ name: a{i}, runtime: pi, className: worker }}\n"));
        return RosterLoader.Parse(yaml, "/r.yaml");
    }

    private static string Pane(string session, string id, string cmd, bool dead = false, int? status = null, long activity = 1_800_000_000 - 65, int window = 0, int pane = 0)
        => string.Join('\x1f', session, window.ToString(), pane.ToString(), id, "4242", cmd, dead ? "1" : "0", status?.ToString() ?? "", activity.ToString(), "/work/" + session) + "\x1e\n";

    // SYSTEMD_UNIT_PATH: the unit files of this machine's real search path do not take part.
    private static FleetContext Context(FleetRoster roster, FakeRunner runner, string unitPath = "/nonexistent/mft-units")
        => new(roster, runner, k => k switch { "HOME" => "/home/op", "SYSTEMD_UNIT_PATH" => unitPath, _ => null }, new FixedClock(Now));

    [Fact]
    public async Task One_list_panes_and_one_systemctl_list_units_for_any_number_of_agents()
    {
        var runner = new FakeRunner();
        var roster = Roster(50);
        await new FleetQuery(Context(roster, runner)).GetAgentsAsync(roster.Agents, default);
        Assert.Equal(2, runner.Specs.Count);
        Assert.Equal(["tmux", "-u", "-L", "sock", "list-panes", "-a", "-F"], runner.Specs.Single(c => c.Argv[0] == "tmux").Argv.Take(7));
        var units = runner.Specs.Single(c => c.Argv[0] == "systemctl");
        Assert.Equal(["systemctl", "--user", "list-units", "--all", "--plain", "--no-legend", "--full", "--no-pager", "--", "mosaic-agent.acme@*"], units.Argv);  // the roster's tenant (acme) keys the unit names
    }

    [Fact]
    public async Task A_unit_the_manager_does_not_hold_is_inactive_when_its_template_is_installed()
    {
        var dir = Directory.CreateTempSubdirectory("mft-fq-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "mosaic-agent.acme@.service"), "[Service]\nExecStart=/bin/true\n");
            File.CreateSymbolicLink(Path.Combine(dir, "mosaic-agent.acme@a2.service"), "/dev/null");
            var runner = new FakeRunner(spec => spec.Argv[0] == "tmux" ? FakeRunner.Ok(spec)
                : FakeRunner.Ok(spec, "mosaic-agent.acme@a0.service loaded failed failed Agent a0\n"));
            var roster = Roster(3);
            var snap = await new FleetQuery(Context(roster, runner, dir)).GetAgentsAsync(roster.Agents, default);
            Assert.Equal(["failed/failed", "inactive/dead", "masked"], snap.Agents.Select(a => a.ServiceState));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task Joins_panes_and_units_to_agents()
    {
        var runner = new FakeRunner(spec => spec.Argv[0] switch
        {
            "tmux" => FakeRunner.Ok(spec, Pane("a0", "%1", "pi") + Pane("a1", "%2", "bash") + Pane("a10", "%3", "pi") + Pane("other", "%4", "vim")),
            _ => FakeRunner.Ok(spec, "mosaic-agent.acme@a0.service loaded active exited Agent a0\n"),
        });
        var roster = Roster(3);
        var snap = await new FleetQuery(Context(roster, runner)).GetAgentsAsync(roster.Agents, default);
        var a = snap.Agents.ToDictionary(x => x.Name);
        Assert.Equal(FleetAgentStatus.Running, a["a0"].Status);
        Assert.Equal("%1", a["a0"].PaneId);
        Assert.Equal(65, a["a0"].IdleSeconds);
        Assert.Equal("active/exited", a["a0"].ServiceState);
        Assert.Equal("acme", a["a0"].Tenant);
        Assert.Equal("local", a["a0"].Host);
        Assert.False(a["a0"].Drift);
        Assert.True(a["a1"].Drift);
        Assert.Equal("bash (expected pi or node)", a["a1"].DriftReason);
        Assert.Equal("%2", a["a1"].PaneId); // not a10's pane: exact session names
        Assert.Equal(FleetAgentStatus.Missing, a["a2"].Status);
        Assert.Equal("not-found", a["a2"].ServiceState);
        Assert.Empty(snap.HostFailures);
    }

    [Fact]
    public async Task The_first_pane_of_the_first_window_represents_the_agent()
    {
        var runner = new FakeRunner(spec => spec.Argv[0] == "tmux"
            ? FakeRunner.Ok(spec, Pane("a0", "%9", "bash", window: 1) + Pane("a0", "%7", "bash", pane: 1) + Pane("a0", "%5", "pi"))
            : FakeRunner.Ok(spec));
        var roster = Roster(1);
        var snap = await new FleetQuery(Context(roster, runner)).GetAgentsAsync(roster.Agents, default);
        Assert.Equal("%5", snap.Agents[0].PaneId);
        Assert.False(snap.Agents[0].Drift);
    }

    [Fact]
    public async Task Dead_pane_is_Dead_with_status_and_no_drift()
    {
        var runner = new FakeRunner(spec => spec.Argv[0] == "tmux" ? FakeRunner.Ok(spec, Pane("a0", "%1", "bash", dead: true, status: 127)) : FakeRunner.Ok(spec));
        var roster = Roster(1);
        var agent = (await new FleetQuery(Context(roster, runner)).GetAgentsAsync(roster.Agents, default)).Agents[0];
        Assert.Equal(FleetAgentStatus.Dead, agent.Status);
        Assert.Equal(127, agent.DeadStatus);
        Assert.False(agent.Drift);
    }

    [Fact]
    public async Task No_tmux_server_means_every_agent_is_Missing_without_failure()
    {
        var runner = new FakeRunner(spec => spec.Argv[0] == "tmux"
            ? FakeRunner.Fail(spec, 1, "no server running on /tmp/tmux-0/sock\n")
            : FakeRunner.Fail(spec, 1, "Failed to connect to bus: No medium found\n"));
        var roster = Roster(2);
        var snap = await new FleetQuery(Context(roster, runner)).GetAgentsAsync(roster.Agents, default);
        Assert.All(snap.Agents, a => Assert.Equal(FleetAgentStatus.Missing, a.Status));
        Assert.All(snap.Agents, a => Assert.Null(a.ServiceState));
        Assert.Empty(snap.HostFailures);
        Assert.Single(snap.Notes, n => n.Contains("no systemd user manager", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_tmux_failure_is_a_host_failure_with_stderr()
    {
        var runner = new FakeRunner(spec => spec.Argv[0] == "tmux" ? FakeRunner.Fail(spec, 1, "error connecting to /tmp/tmux-0/sock (Permission denied)\n") : FakeRunner.Ok(spec));
        var roster = Roster(1);
        var snap = await new FleetQuery(Context(roster, runner)).GetAgentsAsync(roster.Agents, default);
        var f = Assert.Single(snap.HostFailures);
        Assert.Equal("local", f.Host);
        Assert.Contains("Permission denied", f.Message);
        Assert.Equal(FleetAgentStatus.Unreachable, snap.Agents[0].Status);
    }

    [Fact]
    public async Task Rejected_records_become_notes_not_agents()
    {
        var runner = new FakeRunner(spec => spec.Argv[0] == "tmux" ? FakeRunner.Ok(spec, Pane("a0", "%1", "pi") + "garbage\x1e\n") : FakeRunner.Ok(spec));
        var roster = Roster(1);
        var snap = await new FleetQuery(Context(roster, runner)).GetAgentsAsync(roster.Agents, default);
        Assert.Equal(FleetAgentStatus.Running, snap.Agents[0].Status);
        Assert.Contains(snap.Notes, n => n.Contains("garbage", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tmux_program_can_be_overridden()
    {
        var runner = new FakeRunner();
        var roster = Roster(1);
        var ctx = new FleetContext(roster, runner, k => k == "MOSAIC_TMUX" ? "/opt/tmux/bin/tmux" : null, new FixedClock(Now));
        await new FleetQuery(ctx).GetAgentsAsync(roster.Agents, default);
        Assert.Contains(runner.Specs, c => c.Argv[0] == "/opt/tmux/bin/tmux");
    }

    [Fact]
    public async Task Working_directory_expands_tilde_for_local_agents()
    {
        var roster = RosterLoader.Parse("version: 1\ndefaults: { workingDirectory: ~/src }\nagents:\n  - { name: a, runtime: pi }\n", "/r.yaml");
        var snap = await new FleetQuery(Context(roster, new FakeRunner())).GetAgentsAsync(roster.Agents, default);
        Assert.Equal("/home/op/src", snap.Agents[0].WorkingDirectory);
    }

    [Fact]
    public async Task A_server_marked_for_another_tenant_is_that_hosts_error_and_no_agent_of_it_is_read()
    {
        var roster = Roster(2);   // tenant acme
        var theirs = Pane("a0", "%1", "sleep", status: null).Replace("\u001f0\u001f\u001f", "\u001f0\u001f@other\u001f", StringComparison.Ordinal);
        Assert.Contains("@other", theirs);
        var runner = new FakeRunner(spec => spec.Argv.Contains("list-panes") ? FakeRunner.Ok(spec, theirs) : null);
        var snapshot = await new FleetQuery(Context(roster, runner)).GetAgentsAsync(roster.Agents, default);
        var failure = Assert.Single(snapshot.HostFailures);
        Assert.Equal(FleetErrorIds.FleetTmuxSocketInUse, failure.ErrorId);
        Assert.Contains("tenant 'other'", failure.Message);
        Assert.DoesNotContain(snapshot.Agents, a => a.Status == FleetAgentStatus.Running);

        var ours = theirs.Replace("@other", "@acme", StringComparison.Ordinal);
        runner = new FakeRunner(spec => spec.Argv.Contains("list-panes") ? FakeRunner.Ok(spec, ours) : null);
        snapshot = await new FleetQuery(Context(roster, runner)).GetAgentsAsync(roster.Agents, default);
        Assert.Empty(snapshot.HostFailures);
        Assert.Equal(FleetAgentStatus.Running, snapshot.Agents.Single(a => a.Name == "a0").Status);
    }
}
