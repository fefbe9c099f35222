using MosaicFleet.Engine.Events;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Events;

public class FleetEventTrackerTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static FleetAgent Agent(FleetAgentStatus status = FleetAgentStatus.Running, FleetAgentActivity activity = FleetAgentActivity.Idle,
        int? pid = 100, string? paneId = "%1", bool drift = false, string? service = "active/exited", int? deadStatus = null)
        => new() { Name = "a", Host = "h1", Status = status, Activity = activity, PanePid = pid, PaneId = paneId, Drift = drift, DriftReason = drift ? "bash (expected pi)" : null, ServiceState = service, DeadStatus = deadStatus };

    [Fact]
    public void First_reading_is_the_baseline_and_an_unchanged_reading_gives_nothing()
    {
        var t = new FleetEventTracker("acme");
        Assert.Empty(t.Observe(Agent(), T0));
        Assert.Empty(t.Observe(Agent(), T0.AddSeconds(1)));
    }

    [Fact]
    public void Status_change_names_both_values_and_the_exit_status()
    {
        var t = new FleetEventTracker("acme");
        t.Observe(Agent(), T0);
        var e = Assert.Single(t.Observe(Agent(FleetAgentStatus.Dead, FleetAgentActivity.Unknown, deadStatus: 3), T0.AddSeconds(1)));
        Assert.Equal(("Status", "Running", "Dead", "exit status 3"), (e.Property, e.From, e.To, e.Detail));
        Assert.Equal(("acme", "a", "h1", T0.AddSeconds(1)), (e.Tenant, e.Agent, e.Host, e.Time));
    }

    [Fact]
    public void Activity_changes_are_events_but_Unknown_readings_are_not()
    {
        var t = new FleetEventTracker("acme");
        t.Observe(Agent(activity: FleetAgentActivity.Idle), T0);
        var busy = Assert.Single(t.Observe(Agent(activity: FleetAgentActivity.Busy), T0.AddSeconds(1)));
        Assert.Equal(("Activity", "Idle", "Busy"), (busy.Property, busy.From, busy.To));
        Assert.Empty(t.Observe(Agent(activity: FleetAgentActivity.Unknown), T0.AddSeconds(2)));
        var waiting = Assert.Single(t.Observe(Agent(activity: FleetAgentActivity.Waiting), T0.AddSeconds(3)));
        Assert.Equal(("Busy", "Waiting"), (waiting.From, waiting.To));
    }

    [Fact]
    public void A_new_pane_process_is_a_Restart_and_the_first_activity_after_it_is_an_event()
    {
        var t = new FleetEventTracker("acme");
        t.Observe(Agent(activity: FleetAgentActivity.Idle), T0);
        var dead = t.Observe(Agent(FleetAgentStatus.Dead, FleetAgentActivity.Unknown), T0.AddSeconds(1));
        Assert.Equal(["Status"], dead.Select(e => e.Property));
        var back = t.Observe(Agent(activity: FleetAgentActivity.Unknown, pid: 200, paneId: "%7"), T0.AddSeconds(2));
        Assert.Equal(["Status", "Restart"], back.Select(e => e.Property));
        Assert.Equal(("%1 pid 100", "%7 pid 200"), (back[1].From, back[1].To));
        var idle = Assert.Single(t.Observe(Agent(activity: FleetAgentActivity.Idle, pid: 200, paneId: "%7"), T0.AddSeconds(3)));
        Assert.Equal(("Activity", "Unknown", "Idle"), (idle.Property, idle.From, idle.To));
    }

    [Fact]
    public void Drift_is_judged_on_live_panes_only_and_carries_its_reason()
    {
        var t = new FleetEventTracker("acme");
        t.Observe(Agent(), T0);
        var d = Assert.Single(t.Observe(Agent(drift: true), T0.AddSeconds(1)));
        Assert.Equal(("Drift", "False", "True", "bash (expected pi)"), (d.Property, d.From, d.To, d.Detail));
        // Dead: drift is not judged, so "no drift" on a dead pane is no Drift event.
        Assert.Equal(["Status"], t.Observe(Agent(FleetAgentStatus.Dead, FleetAgentActivity.Unknown, drift: false), T0.AddSeconds(2)).Select(e => e.Property));
    }

    [Fact]
    public void ServiceState_changes_are_events()
    {
        var t = new FleetEventTracker("acme");
        t.Observe(Agent(service: "active/exited"), T0);
        var e = Assert.Single(t.Observe(Agent(service: "failed/failed"), T0.AddSeconds(1)));
        Assert.Equal(("ServiceState", "active/exited", "failed/failed"), (e.Property, e.From, e.To));
    }

    [Fact]
    public void Unreachable_keeps_the_last_pane_so_the_hosts_return_is_no_restart()
    {
        var t = new FleetEventTracker("acme");
        t.Observe(Agent(), T0);
        var gone = Assert.Single(t.Observe(Agent(FleetAgentStatus.Unreachable, FleetAgentActivity.Unknown, pid: null, paneId: null, service: null), T0.AddSeconds(1), "Cannot reach host h1: timeout"));
        Assert.Equal(("Running", "Unreachable", "Cannot reach host h1: timeout"), (gone.From, gone.To, gone.Detail));
        var back = Assert.Single(t.Observe(Agent(), T0.AddSeconds(2)));
        Assert.Equal(("Status", "Unreachable", "Running"), (back.Property, back.From, back.To));
    }

    [Fact]
    public void Baseline_readings_learn_without_events()
    {
        var t = new FleetEventTracker("acme");
        Assert.Empty(t.Observe(Agent(activity: FleetAgentActivity.Unknown), T0, baseline: true));
        Assert.Empty(t.Observe(Agent(activity: FleetAgentActivity.Waiting), T0.AddSeconds(1), baseline: true));
        Assert.Empty(t.Observe(Agent(activity: FleetAgentActivity.Waiting), T0.AddSeconds(2)));
        Assert.Single(t.Observe(Agent(activity: FleetAgentActivity.Busy), T0.AddSeconds(3)));
    }
}
