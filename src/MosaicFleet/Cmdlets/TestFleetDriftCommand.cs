using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>Checks whether agents' panes run what the roster says they should.</summary>
[Cmdlet(VerbsDiagnostic.Test, "FleetDrift", DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(FleetDriftResult))]
[OutputType(typeof(bool))]
public sealed class TestFleetDriftCommand : FleetCmdlet
{
    private const string ByNameSet = "ByName";
    private const string ByAgentSet = "ByAgent";

    private readonly List<(string Roster, FleetAgent Agent)> _agents = [];

    /// <summary>Agent names; wildcards allowed. Default: every agent.</summary>
    [Parameter(ParameterSetName = ByNameSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[]? Name { get; set; }

    /// <summary>Agents from Get-FleetAgent.</summary>
    [Parameter(ParameterSetName = ByAgentSet, Mandatory = true, ValueFromPipeline = true)]
    public FleetAgent[]? InputObject { get; set; }

    /// <summary>Emit one bool: whether any agent drifted.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ByAgentSet && InputObject is not null)
        {
            GatherNames(null);
            // Each agent is judged against its own roster (its RosterPath), unless -RosterPath was given.
            var roster = RosterKey(RecordRosterPath());
            foreach (var a in InputObject) _agents.Add((roster, a));
        }
        else
        {
            GatherNames(Name);
        }
    }

    protected override void EndProcessing()
    {
        // An empty pipeline (an empty file, a filter that matched nothing) checks nothing: never "every agent".
        if (EmptyPipeline)
        {
            if (Quiet) WriteObject(false);
            return;
        }
        var any = false;
        foreach (var _ in EachRoster())
        {
            var agents = _agents.Where(a => a.Roster == CurrentRosterKey).Select(a => a.Agent).ToList();
            if (ParameterSetName == ByNameSet)
            {
                var selected = ResolveAgents(all: false, wholeRosterWhenUnnamed: true);
                if (selected.Count > 0)
                {
                    var snapshot = Await(new FleetQuery(Context).GetAgentsAsync(selected, StopToken));
                    WriteSnapshotDiagnostics(snapshot);
                    agents = snapshot.Agents;
                }
            }
            foreach (var agent in agents)
            {
                var result = Evaluate(agent);
                any |= result.Drift;
                if (!Quiet) WriteObject(result);
            }
        }
        if (Quiet) WriteObject(any);
    }

    private FleetDriftResult Evaluate(FleetAgent agent)
    {
        // The roster decides what is acceptable, so an agent object is judged again against the current roster.
        if (!Roster.Runtimes.TryGetValue(agent.Runtime, out var runtime))
        {
            return new FleetDriftResult { Name = agent.Name, Runtime = agent.Runtime, Host = agent.Host, Status = agent.Status, PaneCommand = agent.PaneCommand, Drift = agent.Drift, Reason = agent.DriftReason, RosterPath = Roster.Path };
        }
        var (drift, reason) = DriftRules.Evaluate(runtime, agent.PaneCommand, agent.Status == FleetAgentStatus.Running);
        return new FleetDriftResult
        {
            Name = agent.Name,
            Runtime = agent.Runtime,
            Host = agent.Host,
            Status = agent.Status,
            PaneCommand = agent.PaneCommand,
            Expected = runtime.PaneCommands.ToArray(),
            Drift = drift,
            Reason = reason,
            RosterPath = Roster.Path,
        };
    }
}
