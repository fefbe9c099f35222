using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>Lists the roster's agents with their live tmux and systemd state.</summary>
[Cmdlet(VerbsCommon.Get, "FleetAgent")]
[OutputType(typeof(FleetAgent))]
public sealed class GetFleetAgentCommand : FleetCmdlet
{
    /// <summary>Agent names; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[]? Name { get; set; }

    /// <summary>Only agents of these runtimes; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RuntimeCompleter))]
    public string[]? Runtime { get; set; }

    /// <summary>Only agents of these classes; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ClassNameCompleter))]
    public string[]? ClassName { get; set; }

    /// <summary>Also read what each agent is doing (Busy, Idle, Waiting, Unknown): two captures of each pane a short
    /// interval apart, all agents in parallel.</summary>
    [Parameter]
    public SwitchParameter Activity { get; set; }

    /// <summary>A roster from Get-FleetRoster: its agents are listed (Get-FleetRoster -RosterPath x | Get-FleetAgent).</summary>
    [Parameter(ValueFromPipeline = true)]
    public FleetRoster? InputRoster { get; set; }

    protected override void ProcessRecord()
    {
        if (InputRoster is { Path.Length: > 0 } roster)
        {
            // The piped roster names the file, unless -RosterPath was given (that one wins, as explicit parameters do).
            if (!MyInvocation.BoundParameters.ContainsKey(nameof(RosterPath))) RosterPath = roster.Path;
            InputRoster = null;
        }
        GatherNames(Name);
    }

    // Names from the pipeline are gathered so the whole call costs one list-panes and one systemctl show.
    protected override void EndProcessing()
    {
        // No names: every agent (reading is harmless), unless fed by a pipeline that brought nothing.
        // Roster by roster (piped agents carry theirs): one query per roster.
        foreach (var _ in EachRoster())
        {
            var selected = ResolveAgents(all: false, wholeRosterWhenUnnamed: true, Runtime, ClassName);
            if (selected.Count == 0) continue;
            var snapshot = Await(new FleetQuery(Context).GetAgentsAsync(selected, StopToken));
            WriteSnapshotDiagnostics(snapshot);
            if (Activity) Await(new ActivityProbe(Context).ProbeAsync(snapshot.Agents, ActivityRules.SampleInterval, StopToken));
            foreach (var agent in snapshot.Agents) WriteObject(Activity ? FleetCmdlet.WithActivityView(agent) : agent);
        }
    }
}
