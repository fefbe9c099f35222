using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Tests.Messaging;

namespace MosaicFleet.Tests.Observation;

public class ViewerTests
{
    /// <summary>Answers `tmux list-clients` with <paramref name="clients"/>, every other command with exit 0.</summary>
    private static Func<string[], (int, string, string)> ListClients(string clients)
        => argv => argv.SkipWhile(w => w != "-L").Skip(2).FirstOrDefault() == "list-clients" ? (0, clients, "") : (0, "", "");

    private static FleetContext Context(FakeRunner runner, Dictionary<string, string>? env = null)
    {
        var roster = RosterLoader.Parse("version: 1\ntmux: { socketName: fleet }\nagents:\n  - { name: coder1, runtime: pi }\n", "r.yaml");
        return new FleetContext(roster, runner, n => env is not null && env.TryGetValue(n, out var v) ? v : null);
    }

    private static readonly System.Text.RegularExpressions.Regex AgentName = new(RosterLoader.AgentNamePattern);

    [Fact]
    public void Viewer_names_can_never_be_agent_names()
    {
        for (var i = 0; i < 50; i++)
        {
            var name = ViewerNames.New("coder1");
            Assert.Matches("^_view-coder1-[0-9a-f]{8}$", name);
            Assert.DoesNotMatch(AgentName, name);
            Assert.True(ViewerNames.IsViewer(name));
            Assert.Equal("coder1", ViewerNames.AgentOf(name));
        }
        Assert.False(ViewerNames.IsViewer("coder1"));
        Assert.False(ViewerNames.IsViewer("_holder"));
        Assert.Null(ViewerNames.AgentOf("view-coder1-0badf00d"));
    }

    [Theory]
    [InlineData("/tmp/tmux-0/fleet,1234,0", "/tmp/tmux-0/fleet")]
    [InlineData("/tmp/odd,dir/fleet,1234,5", "/tmp/odd,dir/fleet")]
    [InlineData("", null)]
    [InlineData(null, null)]
    [InlineData("garbage", null)]
    public void The_socket_of_a_TMUX_value(string? tmux, string? expected)
        => Assert.Equal(expected, ViewerService.SocketOfTmuxEnv(tmux));

    [Fact]
    public void Switches_only_inside_a_client_of_the_same_server_and_only_for_local_agents()
    {
        var runner = new FakeRunner();
        var inside = new ViewerService(Context(runner, new() { ["TMUX"] = "/tmp/tmux-0/fleet,99,1" }));
        Assert.Equal(WatchMode.Switch, inside.ChooseMode("local", "/tmp/tmux-0/fleet"));
        Assert.Equal(WatchMode.Attach, inside.ChooseMode("local", "/tmp/tmux-0/other"));
        Assert.Equal(WatchMode.Attach, inside.ChooseMode("remote1", "/tmp/tmux-0/fleet"));
        var outside = new ViewerService(Context(runner));
        Assert.Equal(WatchMode.Attach, outside.ChooseMode("local", "/tmp/tmux-0/fleet"));
    }

    [Fact]
    public async Task Creates_the_viewer_in_the_agents_group_after_pinning_its_window_size()
    {
        var runner = new FakeRunner();
        var svc = new ViewerService(Context(runner));
        var viewer = await svc.CreateAsync(new FleetAgent { Name = "coder1", Session = "coder1", Host = "local" }, CancellationToken.None);
        var call = Assert.Single(runner.Calls);
        Assert.Equal(["tmux", "-u", "-L", "fleet", "set-option", "-w", "-t", "=coder1:", "window-size", "manual", ";",
            "new-session", "-d", "-s", viewer, "-t", "=coder1"], call);
        // destroy-unattached is NOT set here: on an unattached session tmux would destroy it at once.
        Assert.DoesNotContain("destroy-unattached", call);
    }

    [Fact]
    public void Attaches_read_only_by_default_and_sets_destroy_unattached_once_attached()
    {
        var svc = new ViewerService(Context(new FakeRunner()));
        // The attach draws on the operator's terminal: no -u, tmux follows that terminal's locale.
        Assert.Equal(["tmux", "-L", "fleet", "attach-session", "-f", "read-only,ignore-size", "-t", "=_view-coder1-0badf00d", ";",
            "set-option", "-t", "=_view-coder1-0badf00d:", "destroy-unattached", "on"], svc.AttachArgv("local", "_view-coder1-0badf00d", takeover: false));
        var takeover = svc.AttachArgv("local", "_view-coder1-0badf00d", takeover: true);
        Assert.Equal("ignore-size", takeover[takeover.ToList().IndexOf("-f") + 1]);
        Assert.DoesNotContain("read-only,ignore-size", takeover);
    }

    [Fact]
    public void A_remote_attach_requests_a_tty_after_every_other_ssh_option()
    {
        // ssh takes the last of -t/-T: "-t" before the transport's "-T" gives no tty (ssh -G -t -T => requesttty false).
        var roster = RosterLoader.Parse("version: 1\ntmux: { socketName: fleet }\nhosts:\n  far: { ssh: me@far.example }\nagents:\n  - { name: coder1, runtime: pi, host: far }\n", "r.yaml");
        var svc = new ViewerService(new FleetContext(roster, new FakeRunner(), _ => null));
        var argv = svc.AttachArgv("far", "_view-coder1-0badf00d", takeover: false).ToList();
        Assert.Equal("ssh", Path.GetFileName(argv[0]));
        var end = argv.IndexOf("--");
        Assert.True(end > 0);
        var options = argv.Take(end).Where((a, i) => i == 0 || argv[i - 1] != "-o").ToList();
        var ttyFlags = options.Where(a => a is "-t" or "-T" or "-tt").ToList();
        Assert.Equal(["-tt"], ttyFlags);
        Assert.Equal("-tt", argv[end - 1]);
        Assert.Contains("attach-session", argv[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Removes_only_unattached_viewer_sessions()
    {
        var runner = new FakeRunner();
        var svc = new ViewerService(Context(runner));
        var sessions = ViewerService.ParseSessions(
            "coder1\u001f0\u001f/tmp/tmux-0/fleet\n_view-coder1-0badf00d\u001f0\u001f/tmp/tmux-0/fleet\n_view-coder1-12345678\u001f1\u001f/tmp/tmux-0/fleet\n_holder\u001f0\u001f/tmp/tmux-0/fleet\n",
            out var path);
        Assert.Equal("/tmp/tmux-0/fleet", path);
        Assert.Equal(4, sessions.Count);
        var removed = await svc.RemoveLeftoversAsync("local", sessions, CancellationToken.None);
        Assert.Equal(["_view-coder1-0badf00d"], removed);
        Assert.Equal(["tmux", "-u", "-L", "fleet", "kill-session", "-t", "=_view-coder1-0badf00d"], Assert.Single(runner.Calls));
    }

    [Fact]
    public async Task Switches_the_client_showing_this_pane_read_only_with_a_self_removing_restore_hook()
    {
        var runner = new FakeRunner();
        runner.AnswerArgv = ListClients("/dev/pts/7\u001fops\u001f%9\u001f0\n/dev/pts/3\u001fops\u001f%4\u001f0\n");
        var svc = new ViewerService(Context(runner, new() { ["TMUX_PANE"] = "%4" }));
        var client = await svc.SwitchAsync("_view-coder1-0badf00d", takeover: false, CancellationToken.None);
        Assert.Equal("/dev/pts/3", client);
        var call = runner.Calls[1];
        Assert.Equal(["tmux", "-u", "-L", "fleet", "switch-client", "-c", "/dev/pts/3", "-t", "=_view-coder1-0badf00d", "-r", ";",
            "set-option", "-t", "=_view-coder1-0badf00d:", "destroy-unattached", "on", ";", "set-hook", "-g"], call.Take(19));
        var slot = $"client-session-changed[{ViewerService.HookSlot("/dev/pts/3")}]";
        Assert.Equal(slot, call[19]);
        Assert.Contains("#{==:#{client_name},/dev/pts/3}", call[20]);
        Assert.Contains($"set-hook -gu {slot}", call[20]);
    }

    [Fact]
    public async Task Takeover_switch_keeps_the_client_writable_and_sets_no_hook()
    {
        var runner = new FakeRunner();
        runner.AnswerArgv = ListClients("/dev/pts/3\u001fops\u001f%4\u001f0\n");
        var svc = new ViewerService(Context(runner, new() { ["TMUX_PANE"] = "%4" }));
        await svc.SwitchAsync("_view-coder1-0badf00d", takeover: true, CancellationToken.None);
        Assert.DoesNotContain("-r", runner.Calls[1]);
        Assert.DoesNotContain("set-hook", runner.Calls[1]);
    }

    [Fact]
    public void Picks_no_client_when_none_shows_this_pane()
    {
        var clients = ViewerService.ParseClients("/dev/pts/7\u001fops\u001f%9\u001f0\n");
        Assert.Null(ViewerService.PickClient(clients, "%4"));
        Assert.Equal("/dev/pts/7", ViewerService.PickClient(clients, null)?.Name);
    }
}
