namespace MosaicFleet.Tests.Systemd;

/// <summary>The fixture is a real manager, confined to its own cgroup subtree, and leaves nothing behind.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UserManagerFixtureTests(UserManagerFixture manager) : IClassFixture<UserManagerFixture>
{
    [UserManagerFact]
    public void AUnitStarts_AndItsProcessLivesInTheUnitsCgroup_InsideTheSubtree()
    {
        Assert.True(manager.Available, manager.SkipReason);
        File.WriteAllText(Path.Combine(manager.UnitDirectory, "mft-smoke.service"), "[Service]\nExecStart=/bin/sleep 300\n");
        Assert.True(manager.SystemctlUser("daemon-reload").Success);
        var start = manager.SystemctlUser("start", "mft-smoke.service");
        Assert.True(start.Success, start.Describe());

        Assert.Equal("active", manager.SystemctlUser("is-active", "mft-smoke.service").Stdout.Trim());
        var pid = int.Parse(manager.SystemctlUser("show", "-p", "MainPID", "--value", "mft-smoke.service").Stdout.Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(pid > 0);
        Assert.Equal(manager.CgroupPath + "/app.slice/mft-smoke.service", UserManagerFixture.CgroupOf(pid));
        Assert.Equal(UserManagerFixture.CgroupOf(pid), manager.UnitCgroup("mft-smoke.service"));
        Assert.StartsWith(manager.CgroupPath + "/", UserManagerFixture.CgroupOf(manager.ManagerPid));

        var stop = manager.SystemctlUser("stop", "mft-smoke.service");
        Assert.True(stop.Success, stop.Describe());
        Assert.Equal("inactive", manager.SystemctlUser("is-active", "mft-smoke.service").Stdout.Trim());
    }

    [UserManagerFact]
    public void TheTestProcessStaysWhereItWas()
    {
        Assert.True(manager.Available, manager.SkipReason);
        Assert.DoesNotContain("mosaic-test-systemd-", UserManagerFixture.CgroupOf(Environment.ProcessId) ?? "");
    }

    [UserManagerFact]
    public void SystemctlSeesTheManagerRunning_AndEnableAsksTheManager()
    {
        Assert.True(manager.Available, manager.SkipReason);
        var state = manager.SystemctlUser("is-system-running").Stdout.Trim();
        Assert.Contains(state, new[] { "running", "degraded" });
        File.WriteAllText(Path.Combine(manager.UnitDirectory, "mft-enable.service"),
            "[Service]\nExecStart=/bin/sleep 300\n[Install]\nWantedBy=default.target\n");
        // Through the manager, enable reloads: the unit is loaded afterwards without a daemon-reload of ours.
        Assert.True(manager.SystemctlUser("enable", "mft-enable.service").Success);
        Assert.Equal("enabled", manager.SystemctlUser("is-enabled", "mft-enable.service").Stdout.Trim());
        Assert.Equal("loaded", manager.SystemctlUser("show", "-p", "LoadState", "--value", "mft-enable.service").Stdout.Trim());
    }

    [UserManagerFact]
    public void Stop_EndsEveryProcessOfTheSubtree_AndRemovesIt()
    {
        using var own = new UserManagerFixture();
        Assert.True(own.Available, own.SkipReason);
        File.WriteAllText(Path.Combine(own.UnitDirectory, "mft-stubborn.service"),
            "[Service]\nExecStart=/bin/sh -c 'trap \"\" TERM; while :; do sleep 1; done'\nKillMode=none\nTimeoutStopSec=1\n");
        Assert.True(own.SystemctlUser("daemon-reload").Success);
        Assert.True(own.SystemctlUser("start", "mft-stubborn.service").Success);
        var pid = int.Parse(own.SystemctlUser("show", "-p", "MainPID", "--value", "mft-stubborn.service").Stdout.Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotNull(UserManagerFixture.CgroupOf(pid));

        own.Stop();

        Assert.False(Directory.Exists(own.CgroupDirectory));
        var left = UserManagerFixture.CgroupOf(pid);
        Assert.True(left is null || !File.ReadAllText($"/proc/{pid}/stat").Contains(") S ", StringComparison.Ordinal),
            $"pid {pid} still runs in {left}");
    }
}
