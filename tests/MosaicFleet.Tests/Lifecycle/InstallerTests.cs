using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Lifecycle;

namespace MosaicFleet.Tests.Lifecycle;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class InstallerTests
{
    private static FleetAgentSpec Agent(string name, string? wd = null, Dictionary<string, string>? env = null)
        => new() { Name = name, Runtime = "pi", WorkingDirectory = wd, Environment = env ?? [] };

    private static async Task<(List<FleetUnitFile> Files, List<string[]> Calls)> InstallAsync(TempFleet t, FleetRoster roster, bool enable, FakeRunner? runner = null)
    {
        runner ??= new FakeRunner();
        var installer = new UnitInstaller(new LaunchBuilder(t.Context(roster, runner), t.Paths), LocalHostFiles.Instance);
        var plan = await installer.PlanInstallAsync(roster.Agents, enable, CancellationToken.None);
        var files = new List<FleetUnitFile>();
        // As LifecycleCmdlet applies a plan: the commands before, the files, the commands after.
        foreach (var c in plan.Before) await installer.RunAsync(c, CancellationToken.None);
        foreach (var f in plan.Files) files.Add(new FleetUnitFile { Path = f.Path, Kind = f.Kind, Agent = f.Agent, Changed = installer.Apply(f) });
        foreach (var c in plan.After) await installer.RunAsync(c, CancellationToken.None);
        return (files, runner.Calls.ToList());
    }

    [Fact]
    public async Task Install_writes_units_and_0600_env_files_then_reloads_enables_and_lingers_in_order()
    {
        using var t = new TempFleet();
        var roster = TempFleet.Roster(Agent("coder0", "~/src/my app/100% $HOME"), Agent("my-agent"));
        var (files, calls) = await InstallAsync(t, roster, enable: true);
        Assert.Equal([t.Paths.HolderUnit, t.Paths.AgentTemplate, t.Paths.EnvFile("coder0"), t.Paths.AgentDropIn("coder0"), t.Paths.EnvFile("my-agent"), t.Paths.AgentDropIn("my-agent")], files.Select(f => f.Path));
        Assert.All(files, f => Assert.True(f.Changed));
        Assert.Equal(AtomicFile.PrivateMode, File.GetUnixFileMode(t.Paths.EnvFile("coder0")));
        Assert.Equal(
            [
                // One enable for every unit (no reload of its own), then one reload: not a process per agent.
                "systemctl --user enable --no-reload mosaic-tmux-holder.service mosaic-agent@coder0.service mosaic-agent@my-agent.service",
                "systemctl --user daemon-reload",
                "loginctl enable-linger fleetop",
            ],
            calls.Select(c => string.Join(' ', c)));
        var env = SystemdSyntax.ParseEnvFile(File.ReadAllText(t.Paths.EnvFile("coder0")));
        Assert.Equal(Path.Combine(t.Home, "src/my app/100% $HOME"), env[UnitRenderer.EnvWorkdir]);
        Assert.Equal("=coder0", env[UnitRenderer.EnvSessionTarget]);
        Assert.Equal("exec mosaic yolo pi", env[UnitRenderer.EnvPaneCommand]);
        var template = File.ReadAllText(t.Paths.AgentTemplate);
        Assert.Contains("EnvironmentFile=%E/mosaic/fleet/agents/%i.env", template);
        Assert.DoesNotContain("%I", string.Join('\n', template.Split('\n').Where(l => !l.StartsWith('#'))));
        // Every Exec line starts with an absolute program: tmux, or sh running one of the constant scripts (with tmux as
        // $0, or the worktree script).
        Assert.All(SystemdSyntax.UnitValues(template, "ExecStart").Concat(SystemdSyntax.UnitValues(template, "ExecStartPre")).Concat(SystemdSyntax.UnitValues(template, "ExecStopPost")),
            l => Assert.True(l.StartsWith(Path.Combine(t.Bin, "tmux") + " ", StringComparison.Ordinal)
                || (l.StartsWith("/bin/sh -c ", StringComparison.Ordinal) && (l.Contains(" " + Path.Combine(t.Bin, "tmux") + " ${MOSAIC_TMUX_SOCKET} ", StringComparison.Ordinal)
                    || l.Contains(" mosaic-worktree ${MOSAIC_WORKTREE_REPOSITORY} ", StringComparison.Ordinal))), l));
    }

    [Fact]
    public void The_agent_unit_lives_as_long_as_the_runtime_and_never_starts_the_server()
    {
        var template = UnitRenderer.AgentTemplate(new LaunchPrograms("/usr/bin/tmux", "/bin/sh"));
        Assert.Equal(["exec"], SystemdSyntax.UnitValues(template, "Type"));
        Assert.Empty(SystemdSyntax.UnitValues(template, "RemainAfterExit"));
        // No BindsTo=: with it a dead server made systemd stop every agent for good; Requires= + After= bring them back.
        Assert.Empty(SystemdSyntax.UnitValues(template, "BindsTo"));
        Assert.Equal(["mosaic-tmux-holder.service"], SystemdSyntax.UnitValues(template, "Requires"));
        Assert.Equal("/usr/bin/tmux -L ${MOSAIC_TMUX_SOCKET} has-session -t ${MOSAIC_HOLDER_TARGET}", SystemdSyntax.UnitValues(template, "ExecStartPre")[0]);
        Assert.EndsWith(" mosaic-worktree ${MOSAIC_WORKTREE_REPOSITORY} ${MOSAIC_WORKTREE_BRANCH} ${MOSAIC_WORKTREE_BASE} ${MOSAIC_WORKTREE_PATH}", SystemdSyntax.UnitValues(template, "ExecStartPre")[1]);
        Assert.Equal(["mosaic-tmux-holder.service"], SystemdSyntax.UnitValues(template, "After"));
        // No ExecStop: its kill-session would destroy a cleanly exited pane before ExecStopPost could keep it.
        Assert.Empty(SystemdSyntax.UnitValues(template, "ExecStop"));
        Assert.Single(SystemdSyntax.UnitValues(template, "ExecStopPost"));
        Assert.Equal("/usr/bin/tmux -L ${MOSAIC_TMUX_SOCKET} has-session -t ${MOSAIC_HOLDER_TARGET}", SystemdSyntax.UnitValues(template, "ExecStartPre")[0]);
        Assert.DoesNotContain("kill-server", template);
        // The start limit sits under [Unit] (252 ignores StartLimitIntervalSec= under [Service]).
        var unitSection = template[template.IndexOf("[Unit]", StringComparison.Ordinal)..template.IndexOf("[Service]", StringComparison.Ordinal)];
        Assert.Contains("StartLimitIntervalSec=600\n", unitSection);
        Assert.Contains("StartLimitBurst=5\n", unitSection);
        // Per-agent data only as whole ${VAR} words: one argument each whatever the value.
        var env = new Dictionary<string, string>
        {
            [UnitRenderer.EnvSocket] = "s", [UnitRenderer.EnvAgent] = "a", [UnitRenderer.EnvWindowTarget] = "=a:", [UnitRenderer.EnvLaunch] = "systemd",
        };
        var start = SystemdSyntax.ResolveExecLine(SystemdSyntax.UnitValues(template, "ExecStart").Single(), new Dictionary<string, string>(), env);
        Assert.Equal(["/bin/sh", "-c", SupervisionScripts.AgentWait, "/usr/bin/tmux", "s", "=a:", "a"], start.Argv);
    }

    [Fact]
    public void The_holder_runs_the_server_as_its_main_process_and_restarts_it()
    {
        var holder = UnitRenderer.Holder(new LaunchPrograms("/usr/bin/tmux", "/bin/sh"), "sock", "_holder", null, "acme");
        Assert.Equal(["exec"], SystemdSyntax.UnitValues(holder, "Type"));
        Assert.Equal(["always"], SystemdSyntax.UnitValues(holder, "Restart"));
        var start = SystemdSyntax.ResolveExecLine(SystemdSyntax.UnitValues(holder, "ExecStart").Single(), new Dictionary<string, string>(), new Dictionary<string, string>());
        Assert.Equal(["/bin/sh", "-c", SupervisionScripts.HolderServe, "/usr/bin/tmux", "sock"], start.Argv);
        Assert.EndsWith("exec \"$0\" -f /dev/null -L \"$1\" -D", SupervisionScripts.HolderServe, StringComparison.Ordinal);
        // The holder's ready step gets the tenant's mark for the server as its last argument.
        var ready = SystemdSyntax.ResolveExecLine(SystemdSyntax.UnitValues(holder, "ExecStartPost").Single(), new Dictionary<string, string>(), new Dictionary<string, string> { [UnitRenderer.EnvLaunch] = "systemd" });
        Assert.Equal(["/usr/bin/tmux", "sock", "_holder", "systemd", "acme"], ready.Argv.Skip(3));
    }

    [Theory]
    [InlineData("on-failure", 10, 5, 600, "Restart=on-failure\nRestartSec=10s", "StartLimitIntervalSec=600s\nStartLimitBurst=5")]
    [InlineData("never", 0.5, 1, 30, "Restart=no\nRestartSec=0.5s", "StartLimitIntervalSec=30s\nStartLimitBurst=1")]
    [InlineData("always", 2, 3, 60.25, "Restart=always\nRestartSec=2s", "StartLimitIntervalSec=60.25s\nStartLimitBurst=3")]
    public void The_drop_in_carries_the_roster_restart_settings_with_the_limit_under_Unit(string policy, double delay, int limit, double window, string service, string unit)
    {
        var text = UnitRenderer.SupervisionDropIn("a", new FleetRestartPolicy { Policy = policy, DelaySeconds = delay, Limit = limit, WindowSeconds = window }, 4);
        var unitPart = text[text.IndexOf("[Unit]\n", StringComparison.Ordinal)..text.IndexOf("[Service]", StringComparison.Ordinal)];
        Assert.Contains(unit, unitPart);
        Assert.Contains(service, text[text.IndexOf("[Service]", StringComparison.Ordinal)..]);
        Assert.Contains("TimeoutStartSec=94\n", text);
        Assert.StartsWith(LifecyclePaths.Marker, text);
    }

    [Fact]
    public async Task A_second_install_rewrites_nothing_and_skips_the_reload()
    {
        using var t = new TempFleet();
        var roster = TempFleet.Roster(Agent("coder0", env: new() { ["API_KEY"] = "k" }));
        await InstallAsync(t, roster, enable: true);
        var stamp = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        foreach (var f in new[] { t.Paths.HolderUnit, t.Paths.AgentTemplate, t.Paths.EnvFile("coder0") }) File.SetLastWriteTimeUtc(f, stamp);
        var (files, calls) = await InstallAsync(t, roster, enable: false);
        Assert.All(files, f => Assert.False(f.Changed));
        Assert.Empty(calls);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(t.Paths.EnvFile("coder0")));
    }

    [Fact]
    public async Task An_agent_removed_from_the_roster_loses_its_env_file_and_its_unit_is_disabled()
    {
        using var t = new TempFleet();
        await InstallAsync(t, TempFleet.Roster(Agent("a"), Agent("b")), enable: false);
        var foreign = Path.Combine(t.Paths.EnvDirectory, "mine.env");
        File.WriteAllText(foreign, "X=1\n");
        var (files, calls) = await InstallAsync(t, TempFleet.Roster(Agent("a")), enable: false);
        Assert.False(File.Exists(t.Paths.EnvFile("b")));
        Assert.True(File.Exists(foreign));
        Assert.Contains(files, f => f.Path == t.Paths.EnvFile("b") && f.Changed);
        // Stopped and disabled before its files go: its ExecStopPost still reads the env file.
        Assert.Equal(["systemctl --user disable --now --no-reload mosaic-agent@b.service", "systemctl --user daemon-reload"], calls.Select(c => string.Join(' ', c)));
    }

    [Fact]
    public async Task Uninstall_stops_and_disables_then_removes_only_its_own_files()
    {
        using var t = new TempFleet();
        await InstallAsync(t, TempFleet.Roster(Agent("a"), Agent("b")), enable: false);
        var foreign = Path.Combine(t.Paths.UnitDirectory, "other.service");
        File.WriteAllText(foreign, "[Service]\n");
        var runner = new FakeRunner();
        var installer = new UnitInstaller(new LaunchBuilder(t.Context(new FleetRoster(), runner), t.Paths), LocalHostFiles.Instance);
        var plan = installer.PlanUninstall();
        foreach (var c in plan.Before) await installer.RunAsync(c, CancellationToken.None);
        foreach (var f in plan.Files) Assert.True(installer.Apply(f));
        foreach (var c in plan.After) await installer.RunAsync(c, CancellationToken.None);
        Assert.Equal(
            [
                "systemctl --user disable --now --no-reload mosaic-agent@a.service mosaic-agent@b.service mosaic-tmux-holder.service",
                "systemctl --user daemon-reload",
                // A crash-looping agent's unit would stay loaded as failed: the fleet's are reset, by pattern.
                "systemctl --user reset-failed mosaic-agent@*",
            ],
            runner.Calls.Select(c => string.Join(' ', c)));
        Assert.False(File.Exists(t.Paths.HolderUnit));
        Assert.False(File.Exists(t.Paths.AgentTemplate));
        Assert.Empty(Directory.GetFiles(t.Paths.EnvDirectory));
        Assert.True(File.Exists(foreign));
    }

    [Fact]
    public async Task A_reserved_environment_name_is_refused()
    {
        using var t = new TempFleet();
        var roster = TempFleet.Roster(Agent("a", env: new() { ["MOSAIC_PANE_COMMAND"] = "x" }));
        // That agent's own error (the other agents are planned: LaunchErrorTests); its env file is not written.
        var installer = new UnitInstaller(new LaunchBuilder(t.Context(roster, new FakeRunner()), t.Paths), LocalHostFiles.Instance);
        var plan = await installer.PlanInstallAsync(roster.Agents, enable: false, CancellationToken.None);
        var ex = Assert.Single(plan.AgentFailures);
        Assert.Equal(("ReservedEnvironmentName", "a"), (ex.ErrorId, ex.Target));
        Assert.DoesNotContain(plan.Files, f => f.Kind == PlannedFile.EnvKind);
    }

    [Fact]
    public void A_call_for_many_units_falls_back_to_one_call_per_unit()
    {
        var c = PlannedCommand.ForUnits(["systemctl", "--user", "enable", "--no-reload"], "Enable", ["a.service", "b.service", "c.service"]);
        Assert.Equal("systemctl --user enable --no-reload a.service b.service c.service", c.Display);
        Assert.Equal("a.service and 2 more units", c.Target);
        Assert.Equal(["systemctl --user enable --no-reload a.service", "systemctl --user enable --no-reload b.service", "systemctl --user enable --no-reload c.service"],
            c.Singles().Select(x => x.Display));
        Assert.Equal(["a.service", "b.service", "c.service"], c.Singles().Select(x => x.Target));
        Assert.Equal("a.service", PlannedCommand.ForUnits(["x"], "Enable", ["a.service"]).Target);
    }

    [Fact]
    public async Task A_reinstall_that_changes_no_file_plans_its_reload_only_if_enable_changes_a_link()
    {
        using var t = new TempFleet();
        var roster = TempFleet.Roster(Agent("a"));
        await InstallAsync(t, roster, enable: true);
        var installer = new UnitInstaller(new LaunchBuilder(t.Context(roster, new FakeRunner()), t.Paths), LocalHostFiles.Instance);
        var plan = await installer.PlanInstallAsync(roster.Agents, true, CancellationToken.None);
        var reload = Assert.Single(plan.After, c => c.Action == "Reload");
        Assert.True(reload.OnlyIfChanged);
        var first = await installer.PlanInstallAsync(TempFleet.Roster(Agent("a"), Agent("b")).Agents, true, CancellationToken.None);
        Assert.False(Assert.Single(first.After, c => c.Action == "Reload").OnlyIfChanged);
    }
}
