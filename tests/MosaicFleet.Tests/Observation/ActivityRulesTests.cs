using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Observation;

public class ActivityRulesTests
{
    private static readonly FleetRuntime Fixture = new()
    {
        Name = "fixture",
        BusyPattern = @"Working\.\.\.",
        WaitingPattern = @"\[y/n\]\s*$",
    };

    private static readonly FleetRuntime NoPatterns = new() { Name = "plain" };

    private static string Data(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", name));

    [Fact]
    public void BottomLines_drops_trailing_blank_lines_then_keeps_the_last_n()
    {
        var capture = string.Join('\n', Enumerable.Range(1, 30).Select(i => $"line {i}   ")) + "\n\n\n   \n";
        var bottom = ActivityRules.BottomLines(capture, 3);
        Assert.Equal("line 28\nline 29\nline 30", bottom);
    }

    [Fact]
    public void A_pattern_above_the_bottom_lines_does_not_count()
    {
        var capture = "Working...\n" + string.Join('\n', Enumerable.Range(1, ActivityRules.BottomLineCount).Select(i => $"output {i}"));
        Assert.False(ActivityRules.Matches(Fixture.BusyPattern, capture));
        Assert.True(ActivityRules.Matches(Fixture.BusyPattern, capture + "\nWorking..."));
    }

    [Fact]
    public void Patterns_are_multiline_so_dollar_matches_a_line_end()
    {
        Assert.True(ActivityRules.Matches(Fixture.WaitingPattern, "Do you want to proceed? [y/n] \n> more below"));
    }

    [Fact]
    public void Waiting_wins_over_busy_when_both_match()
    {
        var screen = "| Working... (1.2s)\nDo you want to proceed? [y/n] ";
        Assert.Equal(FleetAgentActivity.Waiting, ActivityRules.Classify(Fixture, screen, screen));
    }

    [Fact]
    public void A_busy_match_is_busy_even_when_the_screen_did_not_change()
    {
        var screen = "| Working... (1.2s)";
        Assert.Equal(FleetAgentActivity.Busy, ActivityRules.Classify(Fixture, screen, screen));
    }

    [Fact]
    public void An_unchanged_screen_without_matches_is_idle()
    {
        Assert.Equal(FleetAgentActivity.Idle, ActivityRules.Classify(Fixture, "done: x\n> ", "done: x\n> "));
        Assert.Equal(FleetAgentActivity.Idle, ActivityRules.Classify(NoPatterns, "$ ", "$ "));
    }

    [Fact]
    public void A_changing_screen_without_matches_is_busy()
    {
        Assert.Equal(FleetAgentActivity.Busy, ActivityRules.Classify(NoPatterns, "12:00:01", "12:00:02"));
    }

    [Fact]
    public void A_missing_reading_is_unknown_never_idle()
    {
        Assert.Equal(FleetAgentActivity.Unknown, ActivityRules.Classify(Fixture, "> ", null));
        Assert.Equal(FleetAgentActivity.Unknown, ActivityRules.Classify(Fixture, null, "> "));
        Assert.Equal(FleetAgentActivity.Unknown, ActivityRules.ClassifyAfter(Fixture, null, "> "));
        // A single reading can still show a pattern.
        Assert.Equal(FleetAgentActivity.Busy, ActivityRules.ClassifyAfter(Fixture, null, "Working..."));
    }

    [Fact]
    public void The_hash_changes_with_any_byte_and_ignores_line_ending_style()
    {
        Assert.Equal(ActivityRules.Hash("a\nb"), ActivityRules.Hash("a\r\nb"));
        Assert.NotEqual(ActivityRules.Hash("a\nb"), ActivityRules.Hash("a\nc"));
    }

    [Fact]
    public void Built_in_pi_pattern_matches_the_real_pi_working_screen_and_not_its_idle_editor()
    {
        var pi = BuiltInRuntimes.Create()["pi"];
        var working = Data("pi-0.73.1-working.txt");
        var idle = Data("pi-0.73.1-idle.txt");
        Assert.Contains("Working...", working);
        Assert.True(ActivityRules.Matches(pi.BusyPattern, working));
        Assert.False(ActivityRules.Matches(pi.BusyPattern, idle));
        Assert.Equal(FleetAgentActivity.Idle, ActivityRules.Classify(pi, idle, idle));
        Assert.Equal(FleetAgentActivity.Busy, ActivityRules.Classify(pi, working, working));
    }

    [Theory]
    [InlineData("⠋ Working... (escape to interrupt)")]
    [InlineData("⠙ Auto-compacting... (escape to cancel)")]
    [InlineData("⠹ Compacting context... (escape to cancel)")]
    [InlineData("⠸ Retrying (1/3) in 2s... (escape to cancel)")]
    public void Built_in_pi_pattern_covers_each_pi_loader(string loader)
    {
        Assert.True(ActivityRules.Matches(BuiltInRuntimes.PiBusyPattern, "output\n" + loader + "\n────\n~/work"));
    }

    [Fact]
    public void Roster_patterns_override_the_built_in_ones()
    {
        var roster = RosterLoader.Parse("version: 1\nruntimes:\n  pi: { busyPattern: 'Thinking', idleAfterSeconds: 7 }\nagents: []\n", "r.yaml");
        Assert.Equal("Thinking", roster.Runtimes["pi"].BusyPattern);
        Assert.Equal(7, ActivityRules.IdleAfterSeconds(roster.Runtimes["pi"]));
        Assert.Equal(ActivityRules.DefaultIdleAfterSeconds, ActivityRules.IdleAfterSeconds(NoPatterns));
    }
}
