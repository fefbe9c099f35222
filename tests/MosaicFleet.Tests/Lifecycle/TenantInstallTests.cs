using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Tests.Lifecycle;

/// <summary>Rosters side by side, keyed by tenant (issue 17).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class TenantInstallTests
{
    private static FleetRoster Roster(string tenant, string socket, string path, params string[] agents)
    {
        var r = TempFleet.Roster([.. agents.Select(a => new FleetAgentSpec { Name = a, Runtime = "pi", Environment = new Dictionary<string, string> { ["K"] = tenant } })]);
        r.Tenant = tenant;
        r.Path = path;
        r.Tmux = new FleetTmuxSettings { SocketName = socket, HolderSession = "_holder" };
        return r;
    }

    private static async Task<(InstallPlan Plan, UnitInstaller Installer, FakeRunner Runner)> InstallAsync(TempFleet t, FleetRoster roster)
    {
        var runner = new FakeRunner();
        var installer = new UnitInstaller(new LaunchBuilder(t.Context(roster, runner), t.Paths), LocalHostFiles.Instance);
        var plan = await installer.PlanInstallAsync(roster.Agents, enable: true, CancellationToken.None);
        foreach (var f in plan.Files) installer.Apply(f);
        foreach (var c in plan.After) await installer.RunAsync(c, CancellationToken.None);
        return (plan, installer, runner);
    }

    [Fact]
    public void The_default_tenant_keeps_todays_names_and_others_carry_theirs_after_a_separator_no_name_can_hold()
    {
        Assert.Equal("mosaic-tmux-holder.service", TenantNames.HolderUnit("local"));
        Assert.Equal("mosaic-agent@.service", TenantNames.AgentTemplate("local"));
        Assert.Equal("mosaic-agent@coder0.service", TenantNames.AgentUnit("local", "coder0"));
        Assert.Equal("messages.jsonl", TenantNames.MessageLog("local"));
        Assert.Equal(Path.Combine("mosaic", "fleet", "agents"), TenantNames.EnvDirectory("local"));
        Assert.Equal("mosaic-tmux-holder.acme.service", TenantNames.HolderUnit("acme"));
        Assert.Equal("mosaic-agent.acme@.service", TenantNames.AgentTemplate("acme"));
        Assert.Equal("mosaic-agent.acme@coder0.service", TenantNames.AgentUnit("acme", "coder0"));
        Assert.Equal("messages.acme.jsonl", TenantNames.MessageLog("acme"));
        Assert.DoesNotMatch(Engine.Roster.RosterLoader.AgentNamePattern, "a" + TenantNames.Separator + "b");
        Assert.Equal("acme", TenantNames.TenantOfHolderUnit("mosaic-tmux-holder.acme.service"));
        Assert.Equal("local", TenantNames.TenantOfHolderUnit("mosaic-tmux-holder.service"));
        Assert.Null(TenantNames.TenantOfHolderUnit("mosaic-agent@.service"));
    }

    [Theory]
    [InlineData("night shift")]
    [InlineData("a.b")]
    [InlineData("équipe/1")]
    [InlineData("-x")]
    public void Any_tenant_gets_a_key_that_is_a_valid_unit_name_part_without_the_separator(string tenant)
    {
        var key = TenantNames.KeyOf(tenant);
        Assert.Matches(Engine.Roster.RosterLoader.AgentNamePattern, key);
        Assert.Equal(key, TenantNames.KeyOf(tenant));
        Assert.NotEqual(key, TenantNames.KeyOf(tenant + " "));
        Assert.Equal($"mosaic-agent.{key}@coder0.service", TenantNames.AgentUnit(tenant, "coder0"));
        Assert.Equal(key, TenantNames.TenantOfHolderUnit(TenantNames.HolderUnit(tenant)));
    }

    [Fact]
    public async Task Two_tenants_with_the_same_agent_names_install_side_by_side()
    {
        using var t = new TempFleet();
        var alpha = Roster("alpha", "sock-a", "/r/alpha.yaml", "coder0", "coder1");
        var beta = Roster("beta", "sock-b", "/r/beta.yaml", "coder0");
        var (_, _, ra) = await InstallAsync(t, alpha);
        var (_, _, rb) = await InstallAsync(t, beta);
        var units = Path.Combine(t.Config, "systemd", "user");
        Assert.Equal(
            ["mosaic-agent.alpha@.service", "mosaic-agent.beta@.service", "mosaic-tmux-holder.alpha.service", "mosaic-tmux-holder.beta.service"],
            Directory.GetFiles(units).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var envA = Path.Combine(t.Config, "mosaic", "fleet", "tenants", "alpha", "agents", "coder0.env");
        var envB = Path.Combine(t.Config, "mosaic", "fleet", "tenants", "beta", "agents", "coder0.env");
        Assert.Contains("K=\"alpha\"", File.ReadAllText(envA));
        Assert.Contains("K=\"beta\"", File.ReadAllText(envB));
        Assert.Contains("sock-a", File.ReadAllText(envA));
        // Each tenant's template needs its own holder and reads its own env files.
        var templateB = File.ReadAllText(Path.Combine(units, "mosaic-agent.beta@.service"));
        Assert.Contains("Requires=mosaic-tmux-holder.beta.service\n", templateB);
        Assert.Contains("EnvironmentFile=%E/mosaic/fleet/tenants/beta/agents/%i.env\n", templateB);
        Assert.Contains(ra.Calls, c => c.Contains("enable") && c.Contains("mosaic-agent.alpha@coder1.service"));
        Assert.Contains(rb.Calls, c => c.Contains("enable") && c.Contains("mosaic-tmux-holder.beta.service") && c.Contains("mosaic-agent.beta@coder0.service"));
        Assert.DoesNotContain(rb.Calls, c => string.Join(' ', c).Contains("alpha"));
        // Installing alpha again changes nothing of beta's.
        var before = File.ReadAllText(envB);
        await InstallAsync(t, alpha);
        Assert.Equal(before, File.ReadAllText(envB));
    }

    [Fact]
    public async Task A_second_roster_of_the_same_tenant_is_an_install_error()
    {
        using var t = new TempFleet();
        await InstallAsync(t, Roster("acme", "sock-a", "/r/one.yaml", "coder0"));
        var ex = await Assert.ThrowsAsync<LifecycleException>(() => InstallAsync(t, Roster("acme", "sock-b", "/r/two.yaml", "coder0")));
        Assert.Equal(FleetErrorIds.FleetOtherRosterInstalled, ex.ErrorId);
        Assert.Contains("tenant 'acme'", ex.Message);
        Assert.Contains("/r/one.yaml", ex.Message);
    }

    [Fact]
    public async Task Two_tenants_on_one_tmux_socket_is_an_install_error()
    {
        using var t = new TempFleet();
        await InstallAsync(t, Roster("alpha", "shared", "/r/alpha.yaml", "coder0"));
        var ex = await Assert.ThrowsAsync<LifecycleException>(() => InstallAsync(t, Roster("beta", "shared", "/r/beta.yaml", "coder0")));
        Assert.Equal(FleetErrorIds.FleetTmuxSocketInUse, ex.ErrorId);
        Assert.Contains("'alpha'", ex.Message);
        Assert.False(File.Exists(Path.Combine(t.Config, "systemd", "user", "mosaic-tmux-holder.beta.service")));
    }

    [Fact]
    public async Task A_roster_whose_tenant_changed_finds_its_install_under_the_old_names_and_may_reinstall()
    {
        using var t = new TempFleet();
        await InstallAsync(t, Roster("local", "sock", "/r/fleet.yaml", "coder0", "coder1"));
        // Another tenant of another roster on another socket is not ours to move.
        await InstallAsync(t, Roster("other", "sock-o", "/r/other.yaml", "x"));
        var (_, installer, _) = await InstallAsync(t, Roster("acme", "sock", "/r/fleet.yaml", "coder0", "coder1"));
        var previous = installer.FindPreviousInstall();
        Assert.NotNull(previous);
        Assert.Equal("local", previous!.Tenant);
        Assert.EndsWith("mosaic-tmux-holder.service", previous.HolderPath);
        Assert.Equal(["coder0", "coder1"], previous.Agents.Order());
        Assert.Equal(["mosaic-agent@coder0.service", "mosaic-agent@coder1.service"], previous.AgentUnits.Order());
        // Its uninstall plan removes the old tenant's files only.
        var plan = installer.ForTenant(previous.Tenant).PlanUninstall();
        Assert.All(plan.Files, f => Assert.DoesNotContain(".acme", f.Path));
        Assert.All(plan.Files, f => Assert.DoesNotContain(".other", f.Path));
        Assert.Contains(plan.Files, f => f.Path == previous.HolderPath);
        Assert.Equal(2, plan.Files.Count(f => f.Kind == PlannedFile.EnvKind));
    }

    [Fact]
    public async Task Another_roster_on_another_tenant_is_no_previous_install()
    {
        using var t = new TempFleet();
        await InstallAsync(t, Roster("local", "sock-l", "/r/local.yaml", "coder0"));
        var (_, installer, _) = await InstallAsync(t, Roster("acme", "sock-a", "/r/acme.yaml", "coder0"));
        Assert.Null(installer.FindPreviousInstall());
    }

    [Fact]
    public async Task Uninstalling_one_tenant_leaves_another_tenants_event_recorder()
    {
        using var t = new TempFleet();
        var (_, alpha, _) = await InstallAsync(t, Roster("alpha", "sock-a", "/r/alpha.yaml", "coder0"));
        await InstallAsync(t, Roster("beta", "sock-b", "/r/beta.yaml", "coder0"));
        var units = Path.Combine(t.Config, "systemd", "user");
        foreach (var tenant in new[] { "alpha", "beta" })
            File.WriteAllText(Path.Combine(units, EventRecorderUnit.UnitName(tenant)), LifecyclePaths.Marker + " (Install-FleetUnit -EventRecorder).\n[Service]\n");
        var plan = alpha.PlanUninstall();
        Assert.Contains(plan.Files, f => f.Path.EndsWith(EventRecorderUnit.UnitName("alpha"), StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Files, f => f.Path.EndsWith(EventRecorderUnit.UnitName("beta"), StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Before.SelectMany(c => c.Argv), a => a == EventRecorderUnit.UnitName("beta"));
    }
}
