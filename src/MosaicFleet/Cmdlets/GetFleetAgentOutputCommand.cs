using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Internal;
using MosaicFleet.Engine.Errors;

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

    /// <summary>Read the kept crashes instead of the live pane: each file ExecStopPost wrote when the runtime ended
    /// (its last screen with up to 2000 lines of scrollback, and its exit status), newest first. -Lines limits the
    /// lines of each only when given.</summary>
    [Parameter]
    public SwitchParameter Crash { get; set; }

    protected override void ProcessRecord() => GatherNames(Name);

    protected override void EndProcessing()
    {
        if (Crash)
        {
            foreach (var _ in EachRoster()) WriteCrashes();
            return;
        }
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
                    FleetSendStatus.NoSession => (FleetErrorIds.AgentNoSession, FleetErrors.For(FleetErrorIds.AgentNoSession)),
                    _ => (FleetErrorIds.PaneCaptureFailed, FleetErrors.For(FleetErrorIds.PaneCaptureFailed)),
                };
                WriteError(new ErrorRecord(error, id, category, error.Agent));
            }
        }
    }

    private void WriteCrashes()
    {
        var agents = GatheredNames is { Count: > 0 } names ? SelectAgents(names) : [];
        var paths = LifecyclePaths.FromEnvironment(Environment.GetEnvironmentVariable);
        foreach (var group in agents.GroupBy(a => a.Host, StringComparer.Ordinal))
        {
            HostLifecycle host;
            try
            {
                host = Await(HostLifecycle.ForHostAsync(Context, group.Key, paths, StopToken));
            }
            catch (FleetHostException ex)
            {
                WriteError(FleetErrors.HostRecord(ex.Host, ex.ErrorId, ex.Message, ex));
                continue;
            }
            foreach (var agent in group)
            {
                try
                {
                    var dir = host.Builder.CrashDirectory(agent.Name);
                    var files = CrashFiles.List(host.Files, dir);
                    if (files.Count == 0) WriteVerbose($"{agent.Name}: no crash kept in {dir}.");
                    foreach (var file in files)
                    {
                        if (CrashFiles.Read(host.Files, file) is not { } crash) continue;
                        var lines = crash.Lines.ToArray();
                        if (MyInvocation.BoundParameters.ContainsKey(nameof(Lines)) && lines.Length > Lines) lines = lines[^Lines..];
                        WriteObject(new FleetPaneCapture
                        {
                            Agent = agent.Name,
                            Host = agent.Host,
                            CapturedAt = crash.EndedAt,
                            Lines = lines,
                            CrashFile = crash.Path,
                            RosterPath = Roster.Path,
                            ExitStatus = crash.ExitStatus,
                        });
                    }
                }
                catch (LifecycleException ex)
                {
                    WriteError(new ErrorRecord(ex, ex.ErrorId, FleetErrors.For(ex.ErrorId), ex.Target));
                }
                catch (FleetHostException ex)
                {
                    WriteError(FleetErrors.HostRecord(ex.Host, ex.ErrorId, ex.Message, ex));
                    break;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    WriteError(new ErrorRecord(ex, FleetErrorIds.CrashFileReadFailed, FleetErrors.For(FleetErrorIds.CrashFileReadFailed), agent.Name));
                }
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
