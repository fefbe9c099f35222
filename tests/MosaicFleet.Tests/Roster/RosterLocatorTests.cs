using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Tests.Roster;

public sealed class RosterLocatorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mf-locator-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Func<string, string?> Env(params (string Key, string Value)[] vars)
    {
        var d = vars.ToDictionary(v => v.Key, v => v.Value);
        return k => d.TryGetValue(k, out var v) ? v : null;
    }

    private string Touch(string relative)
    {
        var p = System.IO.Path.Combine(_dir, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        File.WriteAllText(p, "version: 1\nagents: []\n");
        return p;
    }

    [Fact]
    public void Explicit_path_wins_and_expands_tilde()
    {
        var p = Touch("home/r.yaml");
        Assert.Equal(p, RosterLocator.Resolve("~/r.yaml", Env(("HOME", System.IO.Path.Combine(_dir, "home")))));
    }

    [Fact]
    public void Environment_variable_comes_before_xdg()
    {
        var fromEnv = Touch("env.yaml");
        Touch("xdg/mosaic/fleet/roster.yaml");
        var env = Env(("HOME", _dir), ("MOSAIC_FLEET_ROSTER", fromEnv), ("XDG_CONFIG_HOME", System.IO.Path.Combine(_dir, "xdg")));
        Assert.Equal(fromEnv, RosterLocator.Resolve(null, env));
    }

    [Fact]
    public void Xdg_config_home_comes_before_dot_config()
    {
        var xdg = Touch("xdg/mosaic/fleet/roster.yaml");
        Touch("home/.config/mosaic/fleet/roster.yaml");
        var env = Env(("HOME", System.IO.Path.Combine(_dir, "home")), ("XDG_CONFIG_HOME", System.IO.Path.Combine(_dir, "xdg")));
        Assert.Equal(xdg, RosterLocator.Resolve(null, env));
    }

    [Fact]
    public void Falls_back_to_dot_config()
    {
        var p = Touch("home/.config/mosaic/fleet/roster.yaml");
        var env = Env(("HOME", System.IO.Path.Combine(_dir, "home")), ("XDG_CONFIG_HOME", System.IO.Path.Combine(_dir, "nothing-here")));
        Assert.Equal(p, RosterLocator.Resolve(null, env));
    }

    [Fact]
    public void Not_found_lists_every_path_tried()
    {
        var env = Env(("HOME", System.IO.Path.Combine(_dir, "home")), ("XDG_CONFIG_HOME", System.IO.Path.Combine(_dir, "xdg")));
        var ex = Assert.Throws<RosterException>(() => RosterLocator.Resolve(null, env));
        Assert.Equal(FleetErrorIds.RosterNotFound, ex.ErrorId);
        Assert.Equal(
            [System.IO.Path.Combine(_dir, "xdg/mosaic/fleet/roster.yaml"), System.IO.Path.Combine(_dir, "home/.config/mosaic/fleet/roster.yaml")],
            ex.TriedPaths);
        Assert.Contains(System.IO.Path.Combine(_dir, "xdg/mosaic/fleet/roster.yaml"), ex.Message);
    }

    [Fact]
    public void A_set_environment_variable_that_points_nowhere_is_not_silently_skipped()
    {
        Touch("home/.config/mosaic/fleet/roster.yaml");
        var env = Env(("HOME", System.IO.Path.Combine(_dir, "home")), ("MOSAIC_FLEET_ROSTER", System.IO.Path.Combine(_dir, "typo.yaml")));
        var ex = Assert.Throws<RosterException>(() => RosterLocator.Resolve(null, env));
        Assert.Contains("typo.yaml", ex.Message);
    }

    [Theory]
    [InlineData("~", "/home/op")]
    [InlineData("~/src", "/home/op/src")]
    [InlineData("/abs/~", "/abs/~")]
    [InlineData("~other/x", "~other/x")]
    [InlineData("rel", "rel")]
    public void ExpandHome(string input, string expected) => Assert.Equal(expected, RosterLocator.ExpandHome(input, "/home/op"));
}
