using System.Management.Automation;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>An agent's recent pane text (history included), for scripts that read what an agent answered.</summary>
[Cmdlet(VerbsCommon.Get, "FleetAgentOutput")]
[OutputType(typeof(FleetPaneCapture))]
public sealed class GetFleetAgentOutputCommand : FleetCmdlet
{
    /// <summary>Agent names; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[] Name { get; set; } = [];

    /// <summary>How many of the pane's last lines (history and screen) to return.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int Lines { get; set; } = 50;

    protected override void ProcessRecord() => GatherNames(Name);

    protected override void EndProcessing()
    {
        foreach (var _ in EachRoster()) Read();
    }

    private void Read()
    {
        var reader = new AgentOutput(Context);
        // Name is mandatory: with no names here, the call was fed by a pipeline that brought nothing.
        var agents = GatheredNames is { Count: > 0 } names ? SelectAgents(names) : [];
        var tasks = agents.Select(a => Capture(reader, a)).ToList();
        var unreachable = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var t in tasks)
        {
            var (capture, error) = Await(t);
            if (capture is not null)
            {
                capture.RosterPath = Roster.Path;
                WriteObject(capture);
            }
            if (error is { Status: FleetSendStatus.Unreachable })
            {
                // One error per host per call, the host as target.
                var host = agents.First(a => a.Name == error.Agent).Host;
                if (unreachable.Add(host)) WriteError(FleetSendCmdlet.HostUnreachable(host, error.Message));
            }
            else if (error is { Status: FleetSendStatus.TmuxNotFound })
            {
                var host = agents.First(a => a.Name == error.Agent).Host;
                if (unreachable.Add(host)) WriteError(FleetSendCmdlet.TmuxNotFound(host, error.Message));
            }
            else if (error is not null)
            {
                var (id, category) = error.Status switch
                {
                    FleetSendStatus.NoSession => ("AgentNoSession", ErrorCategory.ObjectNotFound),
                    _ => ("PaneCaptureFailed", ErrorCategory.ReadError),
                };
                WriteError(new ErrorRecord(error, id, category, error.Agent));
            }
        }
    }

    private async Task<(FleetPaneCapture?, AgentOutputException?)> Capture(AgentOutput reader, FleetAgentSpec agent)
    {
        try
        {
            return (await reader.CaptureAsync(agent, Lines, StopToken).ConfigureAwait(false), null);
        }
        catch (AgentOutputException ex)
        {
            return (null, ex);
        }
    }
}
