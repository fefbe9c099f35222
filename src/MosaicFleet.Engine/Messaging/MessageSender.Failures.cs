using System.Diagnostics;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Messaging;

public sealed partial class MessageSender
{
    private static void FailKey(Delivery d, CommandResult key)
    {
        var failure = TmuxFailures.Classify(key.Stderr) == TmuxFailure.PaneGone ? FleetSendStatus.PaneDead : Unreached(d, key) ?? FleetSendStatus.NotSubmitted;
        d.Fail(failure, "the submit key failed: " + key.DescribeWithoutOutput());
    }

    /// <summary>A capture that failed. Before anything was typed (<paramref name="typed"/> false) a failure that is not
    /// about the pane or the host is NotSent, and says so.</summary>
    private static void FailProbe(Delivery d, CommandResult r, bool typed = true)
    {
        var (other, prefix) = typed ? (FleetSendStatus.NotAccepted, "") : (FleetSendStatus.NotSent, "nothing was typed: ");
        if (r.Success) { d.Fail(other, prefix + "could not read the pane"); return; }
        var kind = TmuxFailures.Classify(r.Stderr);
        var status = kind is TmuxFailure.PaneGone or TmuxFailure.NoSession ? FleetSendStatus.PaneDead : Unreached(d, r) ?? other;
        d.Fail(status, (status == other ? prefix : "") + r.DescribeWithoutOutput());
    }

    /// <summary>Unreachable when the transport itself failed (ssh exits 255, or a remote call timed out); TmuxNotFound when
    /// there is no tmux to run (here or on the host): either way the command never ran (<see cref="CommandResult.FailureOn"/>).</summary>
    private static FleetSendStatus? Unreached(Delivery d, CommandResult r)
        => r.FailureOn(d.Host) switch
        {
            CommandFailure.ProgramNotFound => FleetSendStatus.TmuxNotFound,
            CommandFailure.TransportLost => FleetSendStatus.Unreachable,
            CommandFailure.TimedOut when !d.Host.IsLocal => FleetSendStatus.Unreachable,
            _ => null,
        };
}
