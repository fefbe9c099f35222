using System.Diagnostics;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Messaging;

public sealed partial class MessageSender
{
    private sealed class Delivery
    {
        private readonly Stopwatch _elapsed = Stopwatch.StartNew();

        public Delivery(SendRequest request, FleetContext context, SemaphoreSlim throttle)
        {
            Request = request;
            Throttle = throttle;
            Runtime = context.RuntimeOf(request.Agent);
            Host = context.HostOf(request.Agent.Host);
            Tmux = context.TmuxFor(request.Agent.Host);
        }

        public SendRequest Request { get; }

        /// <summary>The throttle of the send this delivery belongs to (every tmux call of that send passes it).</summary>
        public SemaphoreSlim Throttle { get; }
        public FleetRuntime Runtime { get; }
        public FleetHost Host { get; }
        public TmuxCommand Tmux { get; }
        public string? PaneId { get; set; }

        /// <summary>The pane's process when resolved: the paste goes only into that pane still running it.</summary>
        public int? PanePid { get; set; }

        /// <summary>The pane's current command when resolved (not drifted): the paste goes only into the pane still running it.</summary>
        public string? PaneCommand { get; set; }
        public DraftVerification? Verification { get; set; }
        public DateTimeOffset? SentAt { get; set; }
        public Stopwatch? SinceSubmit { get; set; }
        public FleetSendStatus? Status { get; private set; }
        public string? Detail { get; private set; }
        public TimeSpan Elapsed { get; private set; }

        /// <summary>The paste was started: the message may be in the pane.</summary>
        public bool Typed { get; set; }

        /// <summary>The call that sent the first submit key timed out before confirming it: it may or may not have arrived.</summary>
        public bool KeyUncertain { get; set; }

        private int _ended, _logged;

        /// <summary>Thread-safe: the delivery has a final status.</summary>
        public bool Ended => Volatile.Read(ref _ended) == 1;

        /// <summary>True the first time only: the caller writes the log line.</summary>
        public bool MarkLogged() => Interlocked.Exchange(ref _logged, 1) == 0;

        public void Fail(FleetSendStatus status, string detail) => Complete(status, detail);

        public void Complete(FleetSendStatus status, string detail)
        {
            if (Status is not null) return;
            Status = status;
            Detail = detail;
            Elapsed = _elapsed.Elapsed;
            Volatile.Write(ref _ended, 1);
        }

        public FleetSendResult ToResult() => new()
        {
            Agent = Request.Agent.Name,
            Host = Request.Agent.Host,
            Status = Status ?? FleetSendStatus.NotAccepted,
            ElapsedSeconds = (Status is null ? _elapsed.Elapsed : Elapsed).TotalSeconds,
            Source = string.IsNullOrEmpty(Request.Source) ? Request.LogSource ?? "" : Request.Source,
            Message = Request.Message,
            SentAt = SentAt,
            SubmitRetried = Verification?.Retried ?? false,
            Detail = Detail,
        };
    }
}
