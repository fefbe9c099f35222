using System.Collections.Concurrent;
using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Internal;

/// <summary>Shared by Send-FleetMessage and Reset-FleetAgent: delivery options, the send, results and ErrorRecords.</summary>
public abstract class FleetSendCmdlet : FleetCmdlet
{
    protected const string ByNameSet = "ByName";
    protected const string AllSet = "All";

    private static readonly TimeSpan ProgressAfter = TimeSpan.FromSeconds(1), ProgressInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Submit without verifying: Status is Submitted.</summary>
    [Parameter]
    public SwitchParameter NoVerify { get; set; }

    /// <summary>Seconds the text may take to leave the agent's input area after the submit key.</summary>
    [Parameter]
    [ValidateRange(0.1, 3600)]
    public double TimeoutSeconds { get; set; } = 15;

    /// <summary>How many agents are typed to at once.</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = 8;

    /// <summary>Type into a drifted pane whose command the runtime's profile lacks (never a shell), and over a draft
    /// already in the input area. A dialog is never typed into.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Before typing, wait up to -TimeoutSeconds until the agent is Idle and shows no dialog.</summary>
    [Parameter]
    public SwitchParameter WaitForIdle { get; set; }

    /// <summary>Sends, then writes one FleetSendResult per request (in order) and an ErrorRecord for each failure.</summary>
    protected void Deliver(IReadOnlyList<SendRequest> requests)
    {
        if (requests.Count == 0) return;
        var notes = new ConcurrentQueue<(bool Warning, string Text)>();
        var sender = new MessageSender(Context, new SendOptions
        {
            Verify = !NoVerify,
            Timeout = TimeSpan.FromSeconds(TimeoutSeconds),
            ThrottleLimit = ThrottleLimit,
            Force = Force,
            WaitForIdle = WaitForIdle,
            IdleTimeout = TimeSpan.FromSeconds(TimeoutSeconds),
        }, new MessageLog(MessageLog.DefaultPath(Context.GetEnv, Context.Home, Roster.Tenant)) { MaxBytes = Roster.Logs.MaxBytes, Keep = Roster.Logs.Keep })
        {
            Verbose = t => notes.Enqueue((false, t)),
            Warning = t => notes.Enqueue((true, t)),
        };
        var send = sender.SendAsync(requests, StopToken);
        // Progress is written here, on the pipeline thread, from the sender's thread-safe snapshot: only for more
        // than one agent, only after a second, never when output is redirected ($ProgressPreference applies as usual).
        var showProgress = requests.Count > 1 && !Console.IsOutputRedirected;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var progress = new ProgressRecord(2, $"Sending to {requests.Count} agents", "Starting");
        var progressShown = false;
        while (!((IAsyncResult)send).AsyncWaitHandle.WaitOne(ProgressInterval))
        {
            if (!showProgress || clock.Elapsed < ProgressAfter) continue;
            var p = sender.Progress;
            if (p.Pending.Count == 0) continue;
            progress.StatusDescription = $"{p.Done} of {p.Total} done; still waiting for {p.Pending[0]}" + (p.Pending.Count > 1 ? $" and {p.Pending.Count - 1} more" : "");
            progress.PercentComplete = (int)(100.0 * p.Done / p.Total);
            WriteProgress(progress);
            progressShown = true;
        }
        if (progressShown)
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
        IReadOnlyList<FleetSendResult> results;
        try
        {
            results = Await(send);
        }
        catch (Engine.IO.UnsafePathException ex)
        {
            ThrowTerminatingError(UnsafePath(ex));
            return;
        }
        foreach (var (warning, text) in notes)
        {
            if (warning) WriteWarning(text); else WriteVerbose(text);
        }
        // Every result first, then the errors: every agent was typed to already, so -ErrorAction Stop (which ends the
        // command at the first error) must not hide a result from the pipeline.
        foreach (var r in results)
        {
            r.RosterPath = Roster.Path;
            WriteObject(r);
        }
        var unreachable = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in results)
        {
            if (r.Status == FleetSendStatus.Unreachable)
            {
                // One error per host per call, the host as target (as everywhere in the module).
                if (unreachable.Add(r.Host)) WriteError(HostUnreachable(r.Host, $"Cannot reach host {r.Host}: the message to {r.Agent} was not sent ({r.Detail})."));
            }
            else if (r.Status == FleetSendStatus.TmuxNotFound)
            {
                if (unreachable.Add(r.Host)) WriteError(TmuxNotFound(r.Host, $"The message to {r.Agent} was not sent: {r.Detail}"));
            }
            else if (ErrorFor(r) is { } error)
            {
                WriteError(error);
            }
        }
    }

    /// <summary>The module's one error for a host that cannot be reached: FleetHostUnreachable, ConnectionError, the host as target.</summary>
    public static ErrorRecord HostUnreachable(string host, string message)
        => new(new InvalidOperationException(message), FleetErrorIds.FleetHostUnreachable, FleetErrors.For(FleetErrorIds.FleetHostUnreachable), host)
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = "Check the host's ssh connection, then try again." },
        };

    /// <summary>A lock folder or file of ours that is not safe to use (another user's, not 0700, a symlink): the path as target.</summary>
    public static ErrorRecord UnsafePath(Engine.IO.UnsafePathException ex)
        => new(ex, ex.ErrorId, FleetErrors.For(ex.ErrorId), ex.Path)
        {
            ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = $"Remove {ex.Path} (or set $env:XDG_RUNTIME_DIR to a private directory), then try again." },
        };

    /// <summary>The module's one error for a missing tmux (here or on a host): TmuxNotFound, ObjectNotFound, the host as target.</summary>
    public static ErrorRecord TmuxNotFound(string host, string message)
        => new(new InvalidOperationException(message), FleetErrorIds.TmuxNotFound, FleetErrors.For(FleetErrorIds.TmuxNotFound), host)
        {
            ErrorDetails = new ErrorDetails(message)
            {
                RecommendedAction = host == Engine.Processes.FleetHost.LocalName
                    ? "Install tmux, or set $env:MOSAIC_TMUX to its absolute path."
                    : $"Install tmux on {host}.",
            },
        };

    /// <summary>The ErrorRecord for a result that is neither Accepted nor Submitted.</summary>
    public static ErrorRecord? ErrorFor(FleetSendResult r)
    {
        (string Id, ErrorCategory Category, string What)? e = r.Status switch
        {
            FleetSendStatus.NotSubmitted => (FleetErrorIds.MessageNotSubmitted, FleetErrors.For(FleetErrorIds.MessageNotSubmitted), "was typed but not submitted: the text is still in the input box"),
            FleetSendStatus.NotAccepted => (FleetErrorIds.MessageNotAccepted, FleetErrors.For(FleetErrorIds.MessageNotAccepted), "was not seen leaving the input area"),
            FleetSendStatus.NoSession => (FleetErrorIds.AgentNoSession, FleetErrors.For(FleetErrorIds.AgentNoSession), "was not sent: the agent has no tmux session"),
            FleetSendStatus.PaneDead => (FleetErrorIds.AgentPaneDead, FleetErrors.For(FleetErrorIds.AgentPaneDead), "was not delivered: the agent's pane is dead"),
            FleetSendStatus.Drifted => (FleetErrorIds.AgentDrifted, FleetErrors.For(FleetErrorIds.AgentDrifted), "was not sent: the agent's pane does not run its runtime"),
            FleetSendStatus.Blocked => (FleetErrorIds.AgentBlocked, FleetErrors.For(FleetErrorIds.AgentBlocked), "was not sent: the agent's pane shows a dialog or menu"),
            FleetSendStatus.DraftPresent => (FleetErrorIds.AgentDraftPresent, FleetErrors.For(FleetErrorIds.AgentDraftPresent), "was not sent: the agent's input area already holds a draft"),
            FleetSendStatus.NotSent => (FleetErrorIds.MessageNotSent, FleetErrors.For(FleetErrorIds.MessageNotSent), "was not sent: nothing was typed"),
            FleetSendStatus.Unreachable => (FleetErrorIds.FleetHostUnreachable, FleetErrors.For(FleetErrorIds.FleetHostUnreachable), $"was not sent: host {r.Host} could not be reached"),
            FleetSendStatus.TmuxNotFound => (FleetErrorIds.TmuxNotFound, FleetErrors.For(FleetErrorIds.TmuxNotFound), "was not sent: tmux was not found"),
            _ => null,
        };
        if (e is not { } x) return null;
        var message = $"The message to {r.Agent} {x.What} ({r.Detail}).";
        return new ErrorRecord(new InvalidOperationException(message), x.Id, x.Category, r.Status is FleetSendStatus.Unreachable or FleetSendStatus.TmuxNotFound ? r.Host : r.Agent)
        {
            ErrorDetails = new ErrorDetails(message)
            {
                RecommendedAction = r.Status switch
                {
                    FleetSendStatus.NotSubmitted => "Look at the pane (Get-FleetAgentOutput): a menu or dialog may have taken the submit key. Do not send the message again; submit it in the pane.",
                    FleetSendStatus.NotAccepted => "Look at the pane (Get-FleetAgentOutput) before sending again: the agent may be busy, and the message may still arrive.",
                    FleetSendStatus.NoSession or FleetSendStatus.PaneDead => "Start or restart the agent, then send again.",
                    FleetSendStatus.TmuxNotFound => "Install tmux (or set $env:MOSAIC_TMUX to its absolute path), then send again.",
                    FleetSendStatus.Drifted => "Look at the pane (Get-FleetAgentOutput, Test-FleetDrift). If the runtime exited, restart the agent (Restart-FleetAgent) and send again; if that program IS how the runtime runs, add it to the runtime's paneCommands in the roster (or send with -Force; a shell is never typed into).",
                    FleetSendStatus.Blocked => "Answer the dialog in the pane (Watch-FleetAgent), or send with -WaitForIdle to wait until it is gone. Nothing was typed.",
                    FleetSendStatus.DraftPresent => "Someone is typing in that pane: let them finish, or send with -Force to type after their draft. Nothing was typed.",
                    FleetSendStatus.NotSent => "Nothing was typed, so sending again cannot make a duplicate: fix what the message says and send again.",
                    _ => "Check the host's ssh connection, then send again.",
                },
            },
        };
    }
}
