using System.Diagnostics;
using System.Management.Automation;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Internal;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Cmdlets;

/// <summary>Waits until agents are idle (or busy) and emits each one as soon as it is.</summary>
[Cmdlet(VerbsLifecycle.Wait, "FleetAgent")]
[OutputType(typeof(FleetAgent))]
public sealed class WaitFleetAgentCommand : FleetCmdlet
{

    private static readonly TimeSpan ProgressAfter = TimeSpan.FromSeconds(1);

    private readonly List<(string Roster, string Name, DateTimeOffset? SentAt)> _requests = [];
    private readonly Stopwatch _clock = new();

    /// <summary>Agent names; wildcards allowed. Binds from Name (Get-FleetAgent) or Agent (Send-FleetMessage results).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[] Name { get; set; } = [];

    /// <summary>The state to wait for: Idle (default) or Busy.</summary>
    [Parameter]
    [ValidateSet("Idle", "Busy", IgnoreCase = true)]
    public FleetAgentActivity Activity { get; set; } = FleetAgentActivity.Idle;

    /// <summary>How long to wait, in seconds. Default 600.</summary>
    [Parameter]
    [ValidateRange(0.1, 86400)]
    public double TimeoutSeconds { get; set; } = 600;

    /// <summary>From a send result: when the message was submitted. Idle counts only once Busy was seen or the runtime's
    /// idleAfterSeconds have passed since then.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public DateTimeOffset? SentAt { get; set; }

    /// <summary>From a send result: its Status. A send that was not Accepted is skipped with a warning.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Status { get; set; }

    protected override void ProcessRecord()
    {
        // Only a send status counts here; a FleetAgent's Status (Running, Dead, Missing) is no send status. Unreachable is
        // both: from a send result or from Get-FleetAgent, there is nothing to wait for on a host that cannot be reached.
        if (Status is { Length: > 0 } status && Enum.TryParse<FleetSendStatus>(status, ignoreCase: true, out var sendStatus)
            && sendStatus is not (FleetSendStatus.Accepted or FleetSendStatus.Submitted))
        {
            var why = sendStatus == FleetSendStatus.Unreachable ? "its host is unreachable" : $"the message was not accepted (Status {sendStatus})";
            WriteWarning($"Not waiting for {string.Join(", ", Name)}: {why}.");
            return;
        }
        Collect(null);
        var roster = RosterKey(RecordRosterPath());
        foreach (var n in Name) _requests.Add((roster, n, SentAt));
    }

    protected override void EndProcessing()
    {
        if (_requests.Count == 0) return;
        // Roster by roster (agents piped from two rosters), all within the one -TimeoutSeconds.
        _clock.Start();
        foreach (var _ in EachRoster())
        {
            var mine = _requests.Where(r => r.Roster == CurrentRosterKey).ToList();
            if (mine.Count > 0) WaitFor(mine);
        }
    }

    private void WaitFor(List<(string Roster, string Name, DateTimeOffset? SentAt)> requests)
    {
        var selected = SelectAgents(requests.Select(r => r.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList());
        if (selected.Count == 0) return;
        var targets = selected.Select(spec =>
        {
            // The latest send to this agent counts (a name given twice, or a pattern and a send result).
            var sent = requests.Where(r => new WildcardPattern(r.Name, WildcardOptions.IgnoreCase).IsMatch(spec.Name) && r.SentAt is not null)
                .Select(r => r.SentAt).Max();
            return new WaitTarget(spec, sent);
        }).ToList();
        var target = Activity;
        var waiter = new ActivityWaiter(Context, targets, target);
        var clock = _clock;
        var timeout = TimeSpan.FromSeconds(TimeoutSeconds);
        var showProgress = !Console.IsOutputRedirected;
        var progress = new ProgressRecord(1, $"Waiting for agents to be {target}", "Starting");
        var progressShown = false;
        var reportedHosts = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var reached = Await(waiter.PollAsync(StopToken));
            foreach (var f in waiter.LastHostFailures)
            {
                if (reportedHosts.Add(f.Host)) WriteError(FleetErrors.HostRecord(f.Host, f.ErrorId, f.Message));
            }
            foreach (var agent in reached) WriteObject(WithActivityView(agent));
            foreach (var agent in waiter.TakeGivenUp())
            {
                var why = agent.Status == FleetAgentStatus.Missing ? "it has no tmux session" : $"its status is {agent.Status}";
                var message = $"Not waiting for agent '{agent.Name}' to be {target}: {why} (for {waiter.NotRunningGrace.TotalSeconds:0} s).";
                WriteError(new ErrorRecord(new InvalidOperationException(message), FleetErrorIds.AgentNotRunning, FleetErrors.For(FleetErrorIds.AgentNotRunning), agent.Name)
                {
                    ErrorDetails = new ErrorDetails(message) { RecommendedAction = "Start the agent (Start-FleetAgent), then wait again." },
                });
            }
            if (waiter.Remaining == 0 || clock.Elapsed >= timeout) break;
            if (showProgress && clock.Elapsed >= ProgressAfter)
            {
                var pending = waiter.PendingAgents;
                progress.StatusDescription = $"{waiter.Done} of {waiter.Total} {target}; still waiting for {pending[0].Spec.Name} ({pending[0].Last})" +
                    (pending.Count > 1 ? $" and {pending.Count - 1} more" : "");
                progress.PercentComplete = (int)(100.0 * waiter.Done / waiter.Total);
                progress.SecondsRemaining = (int)Math.Max(0, (timeout - clock.Elapsed).TotalSeconds);
                WriteProgress(progress);
                progressShown = true;
            }
            var left = timeout - clock.Elapsed;
            Await(Task.Delay(left < ActivityRules.SampleInterval ? left : ActivityRules.SampleInterval, StopToken));
        }
        if (progressShown)
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
        foreach (var (agent, spec, last) in waiter.PendingAgents)
        {
            var state = agent is null ? "never read" : agent.Status == FleetAgentStatus.Running ? last : $"status {agent.Status}";
            WriteError(new ErrorRecord(
                new TimeoutException($"Agent '{spec.Name}' was not {target} after {TimeoutSeconds} s ({state})."),
                FleetErrorIds.AgentWaitTimeout, FleetErrors.For(FleetErrorIds.AgentWaitTimeout), spec.Name));
        }
    }
}
