using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Internal;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Cmdlets;

/// <summary>Shows an agent's pane in this terminal through a viewer session of its own: read-only unless -Takeover.</summary>
[Cmdlet(VerbsCommon.Watch, "FleetAgent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class WatchFleetAgentCommand : FleetCmdlet
{

    /// <summary>The agent to watch (one; no wildcards).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string Name { get; set; } = "";

    /// <summary>Attach writable: keys typed reach the agent. ConfirmImpact High.</summary>
    [Parameter]
    public SwitchParameter Takeover { get; set; }

    protected override void ProcessRecord()
    {
        var spec = Roster.Agents.FirstOrDefault(a => string.Equals(a.Name, Name, StringComparison.OrdinalIgnoreCase));
        if (spec is null)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"No agent named '{Name}' in the roster {Roster.Path}."), FleetErrorIds.AgentNotFound, FleetErrors.For(FleetErrorIds.AgentNotFound), Name));
            return;
        }
        var snapshot = Await(new FleetQuery(Context).GetAgentsAsync([spec], StopToken));
        WriteSnapshotDiagnostics(snapshot);
        var agent = snapshot.Agents[0];
        if (agent.Status is FleetAgentStatus.Missing or FleetAgentStatus.Unreachable)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"Agent '{agent.Name}' has no tmux session to watch (status {agent.Status})."),
                FleetErrorIds.WatchAgentNotRunning, FleetErrors.For(FleetErrorIds.WatchAgentNotRunning), agent.Name));
            return;
        }

        var viewers = new ViewerService(Context);
        try
        {
            var (sessions, socketPath) = Await(viewers.ListSessionsAsync(agent.Host, StopToken));
            var mode = viewers.ChooseMode(agent.Host, socketPath);
            // Watching read-only changes nothing the agent sees, so only -Takeover asks (ConfirmImpact High);
            // -WhatIf is honoured either way.
            if (Takeover && !ShouldProcess($"agent {agent.Name} on {agent.Host}", "Take over (keys typed in this terminal reach the agent)")) return;
            if (!Takeover && WhatIfRequested && !ShouldProcess($"agent {agent.Name} on {agent.Host}", "Watch read-only")) return;
            if (mode == WatchMode.Attach && (Console.IsInputRedirected || Console.IsOutputRedirected))
            {
                var record = new ErrorRecord(new InvalidOperationException($"Watch-FleetAgent needs a terminal: standard input or output is redirected, so there is nothing to show agent '{agent.Name}' on."),
                    FleetErrorIds.WatchNeedsTerminal, FleetErrors.For(FleetErrorIds.WatchNeedsTerminal), agent.Name)
                {
                    ErrorDetails = new ErrorDetails($"Watch-FleetAgent needs a terminal: standard input or output is redirected, so there is nothing to show agent '{agent.Name}' on.")
                    {
                        RecommendedAction = "Run it in an interactive terminal, or read the screen with Get-FleetAgentOutput.",
                    },
                };
                WriteError(record);
                return;
            }

            foreach (var removed in Await(viewers.RemoveLeftoversAsync(agent.Host, sessions, StopToken))) WriteVerbose($"Removed the leftover viewer session {removed}.");
            var viewer = Await(viewers.CreateAsync(agent, StopToken));
            WriteVerbose($"Viewer session {viewer} ({(Takeover ? "writable" : "read-only")}), {mode}.");
            if (mode == WatchMode.Switch)
            {
                var client = Await(viewers.SwitchAsync(viewer, Takeover, StopToken));
                WriteVerbose($"Switched tmux client {client} to {viewer}; it is removed when the client leaves it.");
                return;
            }
            var argv = viewers.AttachArgv(agent.Host, viewer, Takeover);
            WriteVerbose($"Attaching: {Engine.Processes.PosixShell.Join(argv)}");
            try
            {
                // TMUX unset: inside another tmux server, tmux would refuse to nest (and switch-client cannot cross servers).
                var code = Await(InteractiveProcess.RunAsync(argv, ["TMUX", "TMUX_PANE"], StopToken));
                if (code != 0) WriteVerbose($"tmux attach-session exited with {code}.");
            }
            finally
            {
                // destroy-unattached normally removed it already; this covers an attach that never happened.
                Await(viewers.RemoveAsync(agent.Host, viewer, CancellationToken.None));
            }
        }
        catch (WatchException ex)
        {
            WriteError(new ErrorRecord(ex, ex.ErrorId, FleetErrors.For(ex.ErrorId), agent.Name));
        }
    }
}
