using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Fleet;

public class DriftRulesTests
{
    private static readonly IReadOnlyDictionary<string, FleetRuntime> BuiltIn = BuiltInRuntimes.Create();

    [Theory]
    // Upstream's table (fleet.test.ts), carried over.
    [InlineData("pi", "pi", false)]
    [InlineData("pi", "node", false)]
    [InlineData("codex", "node", false)]
    [InlineData("pi", "python3", true)]
    [InlineData("dogfood", "python3", false)]
    [InlineData("dogfood", "python", false)]
    [InlineData("claude", "bash", true)]
    [InlineData("claude", "claude", false)]
    [InlineData("claude", "2.1.29", false)]
    [InlineData("claude", "2.1", true)]
    [InlineData("claude", "v2.1.29", true)]
    [InlineData("codex", "codex", false)]
    [InlineData("opencode", "opencode", false)]
    [InlineData("opencode", "zsh", true)]
    [InlineData("pi", "Pi", true)] // exact names are case-sensitive, like process names
    public void Built_in_drift_table(string runtime, string paneCommand, bool drift)
        => Assert.Equal(drift, DriftRules.Evaluate(BuiltIn[runtime], paneCommand, paneAlive: true).Drift);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void No_pane_command_is_not_drift(string? paneCommand)
        => Assert.False(DriftRules.Evaluate(BuiltIn["pi"], paneCommand, paneAlive: true).Drift);

    [Fact]
    public void A_dead_pane_is_not_drift() => Assert.False(DriftRules.Evaluate(BuiltIn["pi"], "bash", paneAlive: false).Drift);

    [Fact]
    public void Reason_says_what_ran_instead_and_what_was_expected()
    {
        Assert.Equal("bash (expected pi or node)", DriftRules.Evaluate(BuiltIn["pi"], "bash", true).Reason);
        Assert.Equal("bash (expected claude, node or a version number)", DriftRules.Evaluate(BuiltIn["claude"], "bash", true).Reason);
        Assert.Null(DriftRules.Evaluate(BuiltIn["pi"], "pi", true).Reason);
    }

    [Fact]
    public void Roster_patterns_are_regular_expressions_between_slashes()
    {
        var rt = new FleetRuntime { Name = "x", PaneCommands = ["/^agent-\\d+$/", "x"] };
        Assert.False(DriftRules.Evaluate(rt, "agent-12", true).Drift);
        Assert.True(DriftRules.Evaluate(rt, "agent-x", true).Drift);
        Assert.False(DriftRules.Evaluate(rt, "x", true).Drift);
        Assert.Equal("y (expected /^agent-\\d+$/ or x)", DriftRules.Evaluate(rt, "y", true).Reason);
    }
}
