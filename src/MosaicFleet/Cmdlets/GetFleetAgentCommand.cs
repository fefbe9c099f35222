using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>Lists the roster's agents with their live tmux and systemd state.</summary>
[Cmdlet(VerbsCommon.Get, "FleetAgent", DefaultParameterSetName = "ByName")]
[OutputType(typeof(FleetAgent))]
public sealed class GetFleetAgentCommand : FleetCmdlet
{
    /// <summary>Agent names; wildcards allowed.</summary>
    [Parameter(ParameterSetName = "ByName", Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
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

    /// <summary>Also read each agent's git worktree: adds Branch and Uncommitted (one process per host).</summary>
    [Parameter]
    public SwitchParameter Worktree { get; set; }

    /// <summary>Also read each running agent's memory and CPU use from its runtime's own cgroup (one systemctl show
    /// per host): MemoryBytes, MemoryMaxBytes, CpuSeconds.</summary>
    [Parameter]
    public SwitchParameter Resources { get; set; }

    /// <summary>A roster from Get-FleetRoster: its agents are listed (Get-FleetRoster -RosterPath x | Get-FleetAgent).</summary>
    [Parameter(ParameterSetName = "ByRoster", Mandatory = true, ValueFromPipeline = true)]
    public FleetRoster? InputRoster { get; set; }

    protected override void ProcessRecord()
    {
        // A roster (piped, or -InputRoster): all its agents. PowerShell also coerces a piped roster to its path for -Name,
        // so that name is ignored; the roster's RosterPath picks the file (FleetCmdlet.Rosters.cs), unless -RosterPath was given.
        if ((InputRoster ?? PipelineObject?.BaseObject as FleetRoster) is { Path.Length: > 0 } roster)
        {
            if (InputRoster is not null && !MyInvocation.BoundParameters.ContainsKey(nameof(RosterPath))) RosterPath = roster.Path;
            InputRoster = null;
            // Its agents: those named on the command line (Get-FleetRoster | Get-FleetAgent coder0), else all.
            GatherNames(CommandLineNames);
            return;
        }
        GatherNames(Name);
    }

    // Names from the pipeline are gathered so the whole call costs one list-panes and one systemctl show.
    /// <summary>Tagged "MosaicFleet.FleetAgent#Worktree": the table shows Branch and Uncommitted.</summary>
    private static PSObject WithWorktreeView(FleetAgent agent)
    {
        var o = PSObject.AsPSObject(agent);
        o.TypeNames.Insert(0, "MosaicFleet.FleetAgent#Worktree");
        return o;
    }

    protected override void EndProcessing()
    {
        // No names: every agent (reading is harmless), unless fed by a pipeline that brought nothing.
        // Roster by roster (piped agents carry theirs): one query per roster.
        foreach (var _ in EachRoster())
        {
            var selected = ResolveAgents(all: false, wholeRosterWhenUnnamed: true, Runtime, ClassName);
            if (selected.Count == 0) continue;
            // The worktrees are read alongside the panes (one more process per host, in parallel).
            var worktrees = Worktree ? new Engine.Worktrees.WorktreeService(Context).QueryAsync(selected, StopToken) : null;
            var snapshot = Await(new FleetQuery(Context).GetAgentsAsync(selected, StopToken));
            WriteSnapshotDiagnostics(snapshot);
            if (Activity) Await(new ActivityProbe(Context).ProbeAsync(snapshot.Agents, ActivityRules.SampleInterval, StopToken));
            if (worktrees is not null)
            {
                var (list, failures) = Await(worktrees);
                // An unreachable host is already reported once by the snapshot.
                foreach (var f in failures) WriteVerbose($"Worktrees on {f.Host} not read: {f.Message}");
                Engine.Worktrees.WorktreeAgentView.Add(snapshot.Agents, list);
            }
            if (Resources)
            {
                foreach (var note in Await(new ResourceProbe(Context).ProbeAsync(snapshot.Agents, StopToken))) WriteVerbose(note);
            }
            foreach (var agent in snapshot.Agents)
            {
                if (Worktree) WriteObject(WithWorktreeView(agent));
                else if (Activity) WriteObject(FleetCmdlet.WithActivityView(agent));
                else if (Resources) WriteObject(WithResourcesView(agent));
                else WriteObject(agent);
            }
        }
    }

    /// <summary>The table of Get-FleetAgent -Resources (supervision and the runtime's cgroup; see the format file).</summary>
    private static PSObject WithResourcesView(FleetAgent agent)
    {
        var o = PSObject.AsPSObject(agent);
        o.TypeNames.Insert(0, "MosaicFleet.FleetAgent#Resources");
        return o;
    }
}
