using MosaicFleet.Engine.Systemd;

namespace MosaicFleet.Tests.Systemd;

/// <summary>The cheap rule against the truth: on a real user manager, list-units plus the unit-file scan gives for every
/// unit what <c>systemctl show</c> (which loads each unit) says, for units that are running, failed, activating,
/// enabled but not loaded, garbage-collected after reset-failed, masked, and not installed.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UnitStatesRealManagerTests(UserManagerFixture manager) : IClassFixture<UserManagerFixture>
{
    private const string Template = """
        [Unit]
        Description=test agent %i
        [Service]
        Type=oneshot
        RemainAfterExit=yes
        ExecStart=/bin/sh -c 'case %i in fail*) exit 3;; slow*) exec sleep 60;; esac'
        [Install]
        WantedBy=default.target
        """;

    private Dictionary<string, UnitState> Cheap(IEnumerable<string> units)
    {
        var list = manager.SystemctlUser(UnitStates.ListArguments(UnitStates.AgentPattern)[1..]);
        Assert.True(list.Success, list.Describe());
        var env = manager.Environment;
        var files = UnitFileIndex.ScanLocal(UnitFileIndex.SearchPath(k => env.TryGetValue(k, out var v) ? v : Environment.GetEnvironmentVariable(k)), UnitStates.AgentFileGlob);
        return UnitStates.Complete(UnitStates.ParseList(list.Stdout), units, files.Kind);
    }

    private Dictionary<string, UnitState> Truth(IReadOnlyList<string> units)
    {
        var show = manager.SystemctlUser(SystemctlShow.Arguments(units)[1..]);
        Assert.True(show.Success, show.Describe());
        return new Dictionary<string, UnitState>(SystemctlShow.Parse(show.Stdout), StringComparer.Ordinal);
    }

    [UserManagerFact]
    public void TheRuleAgreesWithSystemctlShow_ForEveryKindOfUnit()
    {
        Assert.True(manager.Available, manager.SkipReason);
        var units = new[] { "run0", "fail0", "slow0", "enabled0", "gc0", "masked0", "masked1", "never0" }.Select(SystemctlShow.AgentUnit).ToList();
        // A second prefix with no template: its instances are not-found.
        var orphans = new[] { SystemctlShow.AgentUnit("x").Replace("mosaic-agent@", "mosaic-agent-none@", StringComparison.Ordinal) };
        File.WriteAllText(Path.Combine(manager.UnitDirectory, "mosaic-agent@.service"), Template);
        File.CreateSymbolicLink(Path.Combine(manager.UnitDirectory, "mosaic-agent@masked0.service"), "/dev/null");
        Assert.True(manager.SystemctlUser("daemon-reload").Success);
        Assert.True(manager.SystemctlUser("start", SystemctlShow.AgentUnit("run0")).Success);
        Assert.False(manager.SystemctlUser("start", SystemctlShow.AgentUnit("fail0")).Success);
        Assert.True(manager.SystemctlUser("start", "--no-block", SystemctlShow.AgentUnit("slow0")).Success);
        Assert.True(manager.SystemctlUser("enable", SystemctlShow.AgentUnit("enabled0")).Success);
        // gc0 ran and failed, then reset-failed: the manager drops it from memory.
        manager.SystemctlUser("start", SystemctlShow.AgentUnit("fail-gc0"));
        Assert.True(manager.SystemctlUser("reset-failed", SystemctlShow.AgentUnit("fail-gc0")).Success);
        units.Add(SystemctlShow.AgentUnit("fail-gc0"));
        // masked1: masked after it was loaded (it stays in memory as masked).
        Assert.True(manager.SystemctlUser("start", SystemctlShow.AgentUnit("masked1")).Success);
        Assert.True(manager.SystemctlUser("stop", SystemctlShow.AgentUnit("masked1")).Success);
        Assert.True(manager.SystemctlUser("mask", SystemctlShow.AgentUnit("masked1")).Success);

        // The cheap answer first: systemctl show loads units, which would put them into list-units.
        var cheap = Cheap(units);
        var truth = Truth(units);
        foreach (var u in units) Assert.Equal(truth[u], cheap[u]);
        Assert.Equal("activating/start", cheap[SystemctlShow.AgentUnit("slow0")].Display);
        Assert.Equal("failed/failed", cheap[SystemctlShow.AgentUnit("fail0")].Display);
        Assert.Equal("masked", cheap[SystemctlShow.AgentUnit("masked0")].Display);
        Assert.Equal("inactive/dead", cheap[SystemctlShow.AgentUnit("never0")].Display);

        File.Delete(Path.Combine(manager.UnitDirectory, "mosaic-agent@.service"));
        Assert.True(manager.SystemctlUser("daemon-reload").Success);
        var gone = Cheap([SystemctlShow.AgentUnit("never1"), .. orphans]);
        var goneTruth = Truth([SystemctlShow.AgentUnit("never1"), .. orphans]);
        Assert.Equal(goneTruth[SystemctlShow.AgentUnit("never1")], gone[SystemctlShow.AgentUnit("never1")]);
        Assert.Equal("not-found", gone[SystemctlShow.AgentUnit("never1")].Display);
        Assert.Equal("not-found", gone[orphans[0]].Display);
        manager.SystemctlUser("stop", SystemctlShow.AgentUnit("slow0"), SystemctlShow.AgentUnit("run0"));
    }
}
