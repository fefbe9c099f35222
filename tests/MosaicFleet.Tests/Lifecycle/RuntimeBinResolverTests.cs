using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Lifecycle;

namespace MosaicFleet.Tests.Lifecycle;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class RuntimeBinResolverTests
{
    [Fact]
    public async Task Existing_candidates_in_precedence_order_each_once()
    {
        using var t = new TempFleet();
        var npmPrefix = Path.Combine(t.Root, "npm");
        Directory.CreateDirectory(Path.Combine(npmPrefix, "bin"));
        Directory.CreateDirectory(Path.Combine(t.Home, ".local", "bin"));
        var explicitBin = Path.Combine(t.Root, "rt bin");
        Directory.CreateDirectory(explicitBin);
        t.Env["MOSAIC_NPM"] = "npm-fake";
        var runner = new FakeRunner { AnswerArgv = a => a[0] == "npm-fake" ? (0, npmPrefix + "\n", "") : (1, "", "") };
        var roster = TempFleet.Roster();
        roster.Defaults.RuntimeBin = Path.Combine(t.Root, "missing");
        var agent = new FleetAgentSpec { Name = "a", Runtime = "pi", RuntimeBin = explicitBin + ":" + Path.Combine(t.Home, ".local", "bin") };
        var resolver = new RuntimeBinResolver(t.Context(roster, runner));
        var prefix = await resolver.ResolveAsync(agent, CancellationToken.None);
        Assert.Equal([explicitBin, Path.Combine(t.Home, ".local", "bin"), Path.Combine(npmPrefix, "bin")], prefix);
        // The agent's runtimeBin wins over the defaults; without it the (missing) defaults entry is skipped.
        var plain = await resolver.ResolveAsync(new FleetAgentSpec { Name = "b", Runtime = "pi" }, CancellationToken.None);
        Assert.Equal([Path.Combine(npmPrefix, "bin"), Path.Combine(t.Home, ".local", "bin")], plain);
        Assert.Single(runner.Calls); // npm asked once
    }

    [Fact]
    public async Task MOSAIC_RUNTIME_BIN_is_used_when_the_roster_sets_none()
    {
        using var t = new TempFleet();
        var dir = Path.Combine(t.Root, "envbin");
        Directory.CreateDirectory(dir);
        t.Env["MOSAIC_RUNTIME_BIN"] = dir;
        var resolver = new RuntimeBinResolver(t.Context(TempFleet.Roster(), new FakeRunner()));
        Assert.Equal([dir], await resolver.ResolveAsync(new FleetAgentSpec { Name = "a", Runtime = "pi" }, CancellationToken.None));
    }
}
