using MosaicFleet.Engine.Events;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Events;

public class ScreenTrackerTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly FleetRuntime Runtime = new() { Name = "x", BusyPattern = "Working", WaitingPattern = @"\[y/n\]" };

    private static FleetAgent Agent(DateTimeOffset stamp, string pane = "%1")
        => new() { Name = "a", Status = FleetAgentStatus.Running, PaneId = pane, LastActivity = stamp };

    [Fact]
    public void Captures_a_pane_again_only_when_its_window_printed_since()
    {
        var s = new ScreenTracker();
        var a = Agent(T0.AddSeconds(-30));
        Assert.True(s.NeedsCapture(a));
        Assert.Equal(FleetAgentActivity.Unknown, s.Captured(a, Runtime, "> ", T0));
        // The first capture was a change (nothing before it): one more capture confirms the screen.
        Assert.True(s.NeedsCapture(a));
        Assert.Equal(FleetAgentActivity.Idle, s.Captured(a, Runtime, "> ", T0.AddSeconds(1)));
        Assert.False(s.NeedsCapture(a));
        Assert.Equal(FleetAgentActivity.Idle, s.Unchanged(a, Runtime));
        // The window printed: capture.
        var printed = Agent(T0.AddSeconds(2));
        Assert.True(s.NeedsCapture(printed));
        Assert.Equal(FleetAgentActivity.Busy, s.Captured(printed, Runtime, "> job\nthinking", T0.AddSeconds(2.2)));
        // Output in the same second as the capture may have come after it: captured once more.
        Assert.True(s.NeedsCapture(printed));
        Assert.Equal(FleetAgentActivity.Idle, s.Captured(printed, Runtime, "> job\nthinking", T0.AddSeconds(3.2)));
        Assert.False(s.NeedsCapture(printed));
    }

    [Fact]
    public void An_unchanged_screen_keeps_what_its_patterns_say()
    {
        var s = new ScreenTracker();
        var a = Agent(T0.AddSeconds(-30));
        s.Captured(a, Runtime, "Proceed? [y/n]", T0);
        s.Captured(a, Runtime, "Proceed? [y/n]", T0.AddSeconds(1));
        Assert.False(s.NeedsCapture(a));
        Assert.Equal(FleetAgentActivity.Waiting, s.Unchanged(a, Runtime));
    }

    [Fact]
    public void A_new_pane_is_captured_and_not_compared_with_the_old_one()
    {
        var s = new ScreenTracker();
        var a = Agent(T0.AddSeconds(-30));
        s.Captured(a, Runtime, "> ", T0);
        s.Captured(a, Runtime, "> ", T0.AddSeconds(1));
        var replaced = Agent(T0.AddSeconds(-30), "%9");
        Assert.True(s.NeedsCapture(replaced));
        Assert.Equal(FleetAgentActivity.Unknown, s.Captured(replaced, Runtime, "> ", T0.AddSeconds(2)));
    }

    [Fact]
    public void Agents_without_a_live_pane_are_not_captured()
    {
        var s = new ScreenTracker();
        Assert.False(s.NeedsCapture(new FleetAgent { Name = "d", Status = FleetAgentStatus.Dead, PaneId = "%1" }));
        Assert.False(s.NeedsCapture(new FleetAgent { Name = "m", Status = FleetAgentStatus.Missing }));
    }
}
