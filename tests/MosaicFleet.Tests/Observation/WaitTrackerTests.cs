using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Observation;

public class WaitTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Without_a_send_idle_counts_at_once()
    {
        var t = new WaitTracker(FleetAgentActivity.Idle, null, 5);
        Assert.True(t.Observe(FleetAgentActivity.Idle, T0));
    }

    [Fact]
    public void Right_after_a_send_idle_does_not_count_until_busy_was_seen()
    {
        var t = new WaitTracker(FleetAgentActivity.Idle, T0, 5);
        Assert.False(t.Observe(FleetAgentActivity.Idle, T0.AddSeconds(1)));
        Assert.False(t.Observe(FleetAgentActivity.Busy, T0.AddSeconds(2)));
        Assert.True(t.SeenBusy);
        Assert.True(t.Observe(FleetAgentActivity.Idle, T0.AddSeconds(3)));
    }

    [Fact]
    public void Right_after_a_send_idle_counts_once_idleAfterSeconds_have_passed()
    {
        var t = new WaitTracker(FleetAgentActivity.Idle, T0, 5);
        Assert.False(t.Observe(FleetAgentActivity.Idle, T0.AddSeconds(4.9)));
        Assert.True(t.Observe(FleetAgentActivity.Idle, T0.AddSeconds(5)));
    }

    [Theory]
    [InlineData(FleetAgentActivity.Unknown)]
    [InlineData(FleetAgentActivity.Waiting)]
    [InlineData(FleetAgentActivity.Busy)]
    public void Only_idle_is_idle(FleetAgentActivity other)
    {
        var t = new WaitTracker(FleetAgentActivity.Idle, null, 0);
        Assert.False(t.Observe(other, T0.AddHours(1)));
        Assert.Equal(other, t.Last);
    }

    [Fact]
    public void Waiting_for_busy_counts_busy_only()
    {
        var t = new WaitTracker(FleetAgentActivity.Busy, T0, 5);
        Assert.False(t.Observe(FleetAgentActivity.Idle, T0.AddSeconds(10)));
        Assert.False(t.Observe(FleetAgentActivity.Waiting, T0.AddSeconds(10)));
        Assert.True(t.Observe(FleetAgentActivity.Busy, T0.AddSeconds(11)));
    }

    [Fact]
    public void A_declared_idleAfterSeconds_needs_the_screen_unchanged_that_long_across_polls()
    {
        var t = new WaitTracker(FleetAgentActivity.Idle, null, 2, stableSeconds: 2);
        Assert.False(t.Observe(FleetAgentActivity.Unknown, T0));                 // first reading: nothing to compare with
        Assert.False(t.Observe(FleetAgentActivity.Idle, T0.AddSeconds(0.6)));    // unchanged since T0: 0.6 s
        Assert.False(t.Observe(FleetAgentActivity.Busy, T0.AddSeconds(1.2)));    // changed: the streak restarts
        Assert.False(t.Observe(FleetAgentActivity.Idle, T0.AddSeconds(1.8)));    // unchanged since 1.2: 0.6 s
        Assert.False(t.Observe(FleetAgentActivity.Idle, T0.AddSeconds(3.1)));    // 1.9 s
        Assert.True(t.Observe(FleetAgentActivity.Idle, T0.AddSeconds(3.2)));     // 2.0 s
    }

    [Fact]
    public void What_it_last_saw_agrees_with_whether_it_counts()
    {
        // A ticking clock: an Idle reading now and then, never unchanged for the 3 s Idle needs.
        var t = new WaitTracker(FleetAgentActivity.Idle, null, 5, stableSeconds: 3);
        Assert.False(t.Observe(FleetAgentActivity.Busy, T0));
        Assert.False(t.Observe(FleetAgentActivity.Idle, T0.AddSeconds(1)));
        Assert.Contains("short of the 3 s that count as Idle", t.LastSeen(T0.AddSeconds(1.5)));
        Assert.DoesNotContain("last seen Idle", t.LastSeen(T0.AddSeconds(1.5)));
        Assert.True(t.Observe(FleetAgentActivity.Idle, T0.AddSeconds(4)));
        Assert.Equal("last seen Idle", t.LastSeen(T0.AddSeconds(4)));

        var sent = new WaitTracker(FleetAgentActivity.Idle, T0, 5);
        Assert.False(sent.Observe(FleetAgentActivity.Idle, T0.AddSeconds(1)));
        Assert.Contains("not Busy since the send", sent.LastSeen(T0.AddSeconds(1)));
        Assert.False(sent.Observe(FleetAgentActivity.Busy, T0.AddSeconds(2)));
        Assert.Equal("last seen Busy", sent.LastSeen(T0.AddSeconds(2)));
    }
}
