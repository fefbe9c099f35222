using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Lifecycle;

namespace MosaicFleet.Tests.Lifecycle;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class AgentControlTests
{
    private static string Pane(string session, bool dead) =>
        string.Join('\x1f', session, "0", "0", "%7", "4242", dead ? "pi" : "pi", dead ? "1" : "0", dead ? "3" : "", "1700000000", "/w") + "\x1e\n";

    // A line of `systemctl --user list-units --all --plain --no-legend`.
    private static string Unit(string name, string load, string active) =>
        $"mosaic-agent@{name}.service {load} {active} x MosaicFleet agent {name}\n";

    private static async Task<(List<string> Calls, IReadOnlyList<string> Notes)> RunAsync(
        string verb, string panes, string units, bool installed, bool direct = false)
    {
        using var t = new TempFleet();
        var agent = new FleetAgentSpec { Name = "a", Runtime = "pi" };
        var roster = TempFleet.Roster(agent);
        var runner = new FakeRunner
        {
            AnswerArgv = argv => argv switch
            {
                // Like tmux, end each record with the call's nonce (the end of its -F format).
                [_, "-u", "-L", _, "list-panes", "-a", "-F", var f] => (0, panes.Replace("\x1e\n", f[f.LastIndexOf('\x1e')..] + "\n", StringComparison.Ordinal), ""),
                ["systemctl", "--user", "list-units", ..] => (0, units, ""),
                _ => (0, "", ""),
            },
        };
        var builder = new LaunchBuilder(t.Context(roster, runner), t.Paths);
        if (installed)
        {
            var installer = new UnitInstaller(builder, LocalHostFiles.Instance);
            foreach (var f in (await installer.PlanInstallAsync(roster.Agents, false, CancellationToken.None)).Files) installer.Apply(f);
        }
        var control = new AgentControl(builder, LocalHostFiles.Instance);
        var state = (await control.ReadAsync(roster.Agents, CancellationToken.None)).Single();
        runner.Clear();
        var mode = AgentControl.ModeFor(state, direct);
        var notes = verb switch
        {
            "start" => await control.StartAsync(state, mode, CancellationToken.None),
            "stop" => await control.StopAsync(state, mode, CancellationToken.None),
            _ => await control.RestartAsync(state, mode, CancellationToken.None),
        };
        var calls = runner.Calls.Select(c => string.Join(' ', c.Select(a => a.StartsWith(t.Root, StringComparison.Ordinal) ? Path.GetFileName(a) : a))).ToList();
        return (calls, notes);
    }

    [Fact]
    public async Task Start_through_systemd_when_installed_and_loaded()
    {
        var (calls, _) = await RunAsync("start", "", Unit("a", "loaded", "inactive"), installed: true);
        Assert.Equal(["systemctl --user start mosaic-agent@a.service"], calls);
    }

    [Fact]
    public async Task Start_of_a_dead_agent_removes_the_dead_pane_and_restarts_its_still_active_oneshot_unit()
    {
        var (calls, _) = await RunAsync("start", Pane("a", dead: true), Unit("a", "loaded", "active"), installed: true);
        Assert.Equal(["tmux -u -L sock kill-session -t =a", "systemctl --user restart mosaic-agent@a.service"], calls);
    }

    [Fact]
    public async Task Start_of_a_running_agent_does_nothing_and_says_so()
    {
        var (calls, notes) = await RunAsync("start", Pane("a", dead: false), Unit("a", "loaded", "active"), installed: true);
        Assert.Empty(calls);
        Assert.Contains(notes, n => n.Contains("already running", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_installed_units_start_goes_directly_through_the_units_own_exec_lines()
    {
        var (calls, _) = await RunAsync("start", "", Unit("a", "not-found", "inactive"), installed: false);
        Assert.Equal(4, calls.Count);
        Assert.StartsWith("/bin/sh -c ", calls[0]); // the holder unit's ExecStartPost, told it is a direct launch
        Assert.EndsWith(" tmux sock _holder direct local", calls[0]); // the default tenant's mark for the server
        Assert.Equal("tmux -L sock has-session -t =_holder", calls[1]);
        // The worktree line (an agent without a worktree: empty arguments, the script does nothing).
        Assert.StartsWith("/bin/sh -c ", calls[2]);
        Assert.EndsWith(" mosaic-worktree    ", calls[2]);
        Assert.StartsWith("/bin/sh -c ", calls[3]); // the agent unit's launch script (not its waiter)
        Assert.Contains(" tmux sock a =a =a: ", calls[3]);
        Assert.Contains(" /bin/sh exec mosaic yolo pi direct ", calls[3]);
        Assert.DoesNotContain("wait-for", calls[3]);
    }

    [Fact]
    public async Task Direct_wins_over_installed_units()
    {
        var (calls, _) = await RunAsync("stop", Pane("a", dead: false), Unit("a", "loaded", "active"), installed: true, direct: true);
        Assert.Equal(["tmux -u -L sock kill-session -t =a"], calls);
    }

    [Fact]
    public async Task Stop_through_systemd_and_stop_of_a_stopped_agent()
    {
        // After the stop, a pane left dead by a crash during a restart wait would be ended too: none here.
        Assert.Equal(["systemctl --user stop mosaic-agent@a.service", "tmux -u -L sock list-sessions -F #{session_name}"],
            (await RunAsync("stop", Pane("a", false), Unit("a", "loaded", "active"), installed: true)).Calls);
        var (calls, notes) = await RunAsync("stop", "", Unit("a", "loaded", "inactive"), installed: true);
        Assert.Empty(calls);
        Assert.Contains(notes, n => n.Contains("already stopped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restart_through_systemd_restarts_an_active_unit_and_replaces_a_directly_started_session()
    {
        Assert.Equal(["systemctl --user restart mosaic-agent@a.service"], (await RunAsync("restart", Pane("a", false), Unit("a", "loaded", "active"), installed: true)).Calls);
        Assert.Equal(["tmux -u -L sock kill-session -t =a", "systemctl --user start mosaic-agent@a.service"],
            (await RunAsync("restart", Pane("a", false), Unit("a", "loaded", "inactive"), installed: true)).Calls);
    }

    [Fact]
    public async Task Installed_settings_that_no_longer_match_the_roster_are_reported()
    {
        using var t = new TempFleet();
        var agent = new FleetAgentSpec { Name = "a", Runtime = "pi", WorkingDirectory = "/w1" };
        var roster = TempFleet.Roster(agent);
        var builder = new LaunchBuilder(t.Context(roster, new FakeRunner()), t.Paths);
        var installer = new UnitInstaller(builder, LocalHostFiles.Instance);
        foreach (var f in (await installer.PlanInstallAsync(roster.Agents, false, CancellationToken.None)).Files) installer.Apply(f);
        var control = new AgentControl(builder, LocalHostFiles.Instance);
        Assert.Null(await control.CheckInstalledAsync(agent, CancellationToken.None));
        agent.WorkingDirectory = "/w2";
        var message = await control.CheckInstalledAsync(agent, CancellationToken.None);
        Assert.NotNull(message);
        Assert.Contains(t.Paths.EnvFile("a"), message);
        Assert.Contains("Install-FleetUnit", message);
    }

    /// <summary>Three installed, inactive agents started with <see cref="AgentControl.Batch"/>; systemctl answers
    /// <paramref name="answer"/> to every start.</summary>
    private static async Task<(List<string> Calls, IReadOnlyDictionary<FleetAgentSpec, LifecycleException> Failures, IReadOnlyList<string> Notes)> BatchStartAsync(
        Func<string[], (int, string, string)> answer)
    {
        using var t = new TempFleet();
        var agents = new[] { "a", "b", "c" }.Select(n => new FleetAgentSpec { Name = n, Runtime = "pi" }).ToArray();
        var roster = TempFleet.Roster(agents);
        var runner = new FakeRunner
        {
            AnswerArgv = argv => argv switch
            {
                ["systemctl", "--user", "list-units", ..] => (0, Unit("a", "loaded", "inactive"), ""),
                ["systemctl", "--user", "start", ..] => answer(argv),
                _ => (0, "", ""),
            },
        };
        var builder = new LaunchBuilder(t.Context(roster, runner), t.Paths);
        var installer = new UnitInstaller(builder, LocalHostFiles.Instance);
        foreach (var f in (await installer.PlanInstallAsync(roster.Agents, false, CancellationToken.None)).Files) installer.Apply(f);
        var control = new AgentControl(builder, LocalHostFiles.Instance) { Batch = true };
        var states = await control.ReadAsync(roster.Agents, CancellationToken.None);
        runner.Clear();
        foreach (var s in states)
        {
            Assert.Equal(LifecycleMode.Systemd, AgentControl.ModeFor(s, false));
            await control.StartAsync(s, LifecycleMode.Systemd, CancellationToken.None);
            Assert.True(control.IsQueued(s.Agent));
        }
        Assert.Empty(runner.Calls);
        var (notes, failures) = await control.FlushAsync(CancellationToken.None);
        return (runner.Calls.Select(c => string.Join(' ', c)).ToList(), failures, notes);
    }

    [Fact]
    public async Task Batch_starts_every_queued_agent_in_one_systemctl_call()
    {
        var (calls, failures, notes) = await BatchStartAsync(_ => (0, "", ""));
        Assert.Equal(["systemctl --user start mosaic-agent@a.service mosaic-agent@b.service mosaic-agent@c.service"], calls);
        Assert.Empty(failures);
        Assert.Contains("Run: systemctl --user start mosaic-agent@a.service mosaic-agent@b.service mosaic-agent@c.service", notes);
    }

    [Fact]
    public async Task Batch_a_failure_that_names_a_unit_is_that_agents_error_only_with_no_second_call()
    {
        var (calls, failures, _) = await BatchStartAsync(_ => (1, "",
            "Job for mosaic-agent@b.service failed because the control process exited with error code.\nSee \"systemctl --user status mosaic-agent@b.service\" for details.\n"));
        Assert.Single(calls);
        var (agent, error) = Assert.Single(failures);
        Assert.Equal("b", agent.Name);
        Assert.Equal("StartFailed", error.ErrorId);
        Assert.Equal("b", error.Target);
        Assert.Contains("Job for mosaic-agent@b.service failed", error.Message);
        Assert.DoesNotContain("mosaic-agent@a.service", error.Message);
    }

    [Fact]
    public async Task Batch_a_failure_that_names_no_unit_is_retried_one_unit_at_a_time()
    {
        var (calls, failures, notes) = await BatchStartAsync(argv => argv.Length > 4
            ? (1, "", "Failed to connect to bus: Connection refused\n")
            : argv[3] == "mosaic-agent@c.service" ? (1, "", "Unit mosaic-agent@c.service is masked.\n") : (0, "", ""));
        Assert.Equal([
            "systemctl --user start mosaic-agent@a.service mosaic-agent@b.service mosaic-agent@c.service",
            "systemctl --user start mosaic-agent@a.service",
            "systemctl --user start mosaic-agent@b.service",
            "systemctl --user start mosaic-agent@c.service"], calls);
        var (agent, error) = Assert.Single(failures);
        Assert.Equal("c", agent.Name);
        Assert.Contains("is masked", error.Message);
        Assert.Contains(notes, n => n.Contains("trying each unit alone", StringComparison.Ordinal));
    }
}
