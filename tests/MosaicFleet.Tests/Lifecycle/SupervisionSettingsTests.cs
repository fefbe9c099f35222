using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Tests.Lifecycle;

/// <summary>Roster restart/resources/startSpacingSeconds, what they render into, and the readers of supervision state.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class SupervisionSettingsTests
{
    private static FleetRoster Parse(string yaml) => RosterLoader.Parse(yaml, "/tmp/roster.yaml");

    [Fact]
    public void Restart_and_resources_default_then_merge_field_by_field_per_agent()
    {
        var r = Parse("""
            version: 1
            defaults:
              restart: { delaySeconds: 2, limit: 4 }
              resources: { memoryMax: 2G, cpuWeight: 50 }
              startSpacingSeconds: 1.5
            agents:
              - { name: a, runtime: pi }
              - { name: b, runtime: pi, restart: { policy: never, windowSeconds: 30 }, resources: { tasksMax: 200, memoryMax: 512M } }
            """);
        var a = r.Agents[0];
        Assert.Equal(("on-failure", 2.0, 4, 600.0), (a.Restart.Policy, a.Restart.DelaySeconds, a.Restart.Limit, a.Restart.WindowSeconds));
        Assert.Equal(("2G", (int?)50, (string?)null), (a.Resources.MemoryMax, a.Resources.CpuWeight, a.Resources.TasksMax));
        var b = r.Agents[1];
        Assert.Equal(("never", 2.0, 4, 30.0), (b.Restart.Policy, b.Restart.DelaySeconds, b.Restart.Limit, b.Restart.WindowSeconds));
        Assert.Equal(("512M", (int?)50, "200"), (b.Resources.MemoryMax, b.Resources.CpuWeight, b.Resources.TasksMax));
        Assert.Equal(1.5, r.Defaults.StartSpacingSeconds);
        // An agent's override never leaks into the defaults or another agent.
        Assert.Equal("on-failure", r.Defaults.Restart.Policy);
        Assert.Equal("2G", r.Defaults.Resources.MemoryMax);
    }

    [Fact]
    public void Without_settings_the_issue_defaults_apply()
    {
        var a = Parse("version: 1\nagents:\n  - { name: a, runtime: pi }\n").Agents[0];
        Assert.Equal(("on-failure", 10.0, 5, 600.0), (a.Restart.Policy, a.Restart.DelaySeconds, a.Restart.Limit, a.Restart.WindowSeconds));
        Assert.Equal("", LaunchBuilder.ScopeProperties(a.Resources));
    }

    [Theory]
    [InlineData("restart: { policy: sometimes }", "policy")]
    [InlineData("restart: { limit: 0 }", "limit")]
    [InlineData("restart: { delaySeconds: -1 }", "delaySeconds")]
    [InlineData("restart: { windowSecs: 5 }", "windowSeconds")]
    [InlineData("resources: { memoryMax: '1 G' }", "memoryMax")]
    [InlineData("resources: { memoryMax: '1G; rm -rf /' }", "memoryMax")]
    [InlineData("resources: { cpuWeight: 0 }", "cpuWeight")]
    [InlineData("resources: { tasksMax: lots }", "tasksMax")]
    public void Bad_values_are_roster_errors_with_their_line(string setting, string named)
    {
        var ex = Assert.Throws<RosterException>(() => Parse($"version: 1\nagents:\n  - name: a\n    runtime: pi\n    {setting}\n"));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        Assert.Equal(5, ex.Line);
    }

    [Fact]
    public async Task Scope_properties_and_start_slots_reach_the_env_file()
    {
        using var t = new TempFleet();
        var roster = Parse("""
            version: 1
            tenant: acme
            defaults: { startSpacingSeconds: 2.5, resources: { memoryMax: 1G, cpuWeight: 20, tasksMax: 10% } }
            agents:
              - { name: a0, runtime: pi }
              - { name: far, runtime: pi, host: x }
              - { name: a1, runtime: pi }
              - { name: a2, runtime: pi, resources: { memoryMax: infinity } }
            hosts: { x: { ssh: op@x } }
            """);
        var builder = new LaunchBuilder(t.Context(roster, new FakeRunner()), t.Paths);
        // Agent i of the host waits i x spacing after a server start, rounded up; other hosts do not count.
        Assert.Equal([0, 3, 5], new[] { roster.Agents[0], roster.Agents[2], roster.Agents[3] }.Select(builder.StartDelaySeconds));
        Assert.Equal("MemoryMax=1G CPUWeight=20 TasksMax=10%", LaunchBuilder.ScopeProperties(roster.Agents[0].Resources));
        Assert.Equal("MemoryMax=infinity CPUWeight=20 TasksMax=10%", LaunchBuilder.ScopeProperties(roster.Agents[3].Resources));
        var launch = await builder.BuildAsync(roster.Agents[2], builder.Programs(), CancellationToken.None);
        var env = SystemdSyntax.ParseEnvFile(launch.EnvFileText);
        Assert.Equal("3", env[UnitRenderer.EnvStartDelay]);
        Assert.Equal(Path.Combine(builder.StateHome, "mosaic", "fleet", "acme", "crashes", "a1"), env[UnitRenderer.EnvCrashDir]);
        Assert.Contains("TimeoutStartSec=93", launch.DropInText);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("a/b")]
    public void A_tenant_that_cannot_be_a_directory_name_is_refused(string tenant)
        => Assert.Equal("InvalidTenant", Assert.Throws<LifecycleException>(() => CrashFiles.Directory("/s", tenant, "a")).ErrorId);

    [Fact]
    public void List_panes_reads_the_restart_count_and_last_exit_only_where_the_unit_set_them()
    {
        var nonce = ListPanes.NewNonce();
        string Rec(string session, string dead, string status) => string.Join('\x1f', session, "0", "0", "%1", "10", "pi", dead, status, "1700000000", "/w") + "\x1e" + nonce + "\n";
        var panes = ListPanes.Parse(Rec("a", "0", "/2/3") + Rec("b", "1", "3/0/") + Rec("c", "0", "") + Rec("d", "1", "9"), nonce, out var rejected);
        Assert.Empty(rejected);
        Assert.Equal((2, 3, (int?)null), (panes[0].Restarts, panes[0].LastExit, panes[0].DeadStatus));
        Assert.Equal((0, (int?)null, (int?)3), (panes[1].Restarts, panes[1].LastExit, panes[1].DeadStatus));
        Assert.Equal(((int?)null, (int?)null), (panes[2].Restarts, panes[2].LastExit));
        Assert.Equal(9, panes[3].DeadStatus);
        ListPanes.Parse(Rec("e", "1", "3/x"), nonce, out rejected);
        Assert.Single(rejected);
        // No '!' in the format: a csh login shell on a remote host would take it for history expansion.
        Assert.DoesNotContain('!', ListPanes.FormatFor(nonce));
    }

    [Fact]
    public void Systemd_numbers_read_as_values_or_null()
    {
        Assert.Equal(1234L, ResourceProbe.Number("1234"));
        Assert.Null(ResourceProbe.Number("[not set]"));
        Assert.Null(ResourceProbe.Number("infinity"));
        Assert.Null(ResourceProbe.Number("18446744073709551615"));
        var parsed = ResourceProbe.Parse("Id=mosaic-pane-a.scope\nMemoryCurrent=42\n\nId=mosaic-pane-b.scope\nMemoryCurrent=[not set]\n");
        Assert.Equal("42", parsed["mosaic-pane-a.scope"]["MemoryCurrent"]);
        Assert.Equal("[not set]", parsed["mosaic-pane-b.scope"]["MemoryCurrent"]);
    }

    [Fact]
    public void A_crash_file_reads_back_newest_first_ignoring_files_that_are_not_ours()
    {
        using var t = new TempFleet();
        var dir = Path.Combine(t.Root, "crashes", "a");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "20261206T100000Z.txt"), "agent: a\nended: 2026-12-06T10:00:00Z\nexit status: 137\nservice result: exit-code\n\n\u001b[31mboom\u0007\nlast line\n\n\n");
        File.WriteAllText(Path.Combine(dir, "20261206T110000Z-77.txt"), "agent: a\nended: 2026-12-06T11:00:00Z\nexit status: unknown\nservice result: \n\nx\n");
        File.WriteAllText(Path.Combine(dir, "evil.txt"), "x");
        var files = CrashFiles.List(LocalHostFiles.Instance, dir);
        Assert.Equal(["20261206T110000Z-77.txt", "20261206T100000Z.txt"], files.Select(Path.GetFileName));
        var newest = CrashFiles.Read(LocalHostFiles.Instance, files[0])!;
        Assert.Null(newest.ExitStatus);
        Assert.Null(newest.ServiceResult);
        var old = CrashFiles.Read(LocalHostFiles.Instance, files[1])!;
        Assert.Equal(137, old.ExitStatus);
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero), old.EndedAt);
        Assert.Equal(["\u001b[31mboom\u0007", "last line"], old.Lines);
    }
}
