using MosaicFleet.Engine.IO;
using System.Text;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>Everything an agent's launch needs: the rendered units, the agent's environment file and the values in it.
/// The unit and -Direct both run the Exec lines of <see cref="AgentTemplate"/> with <see cref="Environment"/>.</summary>
public sealed class AgentLaunch
{
    public required FleetAgentSpec Agent { get; init; }
    public required string HolderUnit { get; init; }
    public required string AgentTemplate { get; init; }
    public required string EnvFilePath { get; init; }
    public required string EnvFileText { get; init; }
    public required IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; }
    public required IReadOnlyList<string> PathPrefix { get; init; }
    public required string PaneCommand { get; init; }
    public required string DropInPath { get; init; }
    public required string DropInText { get; init; }
    /// <summary>Where ExecStopPost keeps this agent's crash files.</summary>
    public required string CrashDirectory { get; init; }

    public IReadOnlyDictionary<string, string> EnvironmentMap => Environment.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    /// <summary>The argv lists of one directive of the agent template, resolved by systemd's rules for this agent.</summary>
    /// <summary>As a -Direct launch runs it: $MOSAIC_LAUNCH is "direct" (no scope, no restart count).</summary>
    public IReadOnlyList<ExecLine> AgentExec(string directive, LifecyclePaths paths)
    {
        var env = new Dictionary<string, string>(EnvironmentMap, StringComparer.Ordinal) { [UnitRenderer.EnvLaunch] = UnitRenderer.LaunchDirect };
        return SystemdSyntax.UnitValues(AgentTemplate, directive)
            .Select(l => SystemdSyntax.ResolveExecLine(l, Specifiers(paths), env)).ToList();
    }

    public IReadOnlyList<ExecLine> HolderExec(string directive, LifecyclePaths paths)
        => SystemdSyntax.UnitValues(HolderUnit, directive)
            .Select(l => SystemdSyntax.ResolveExecLine(l, Specifiers(paths), new Dictionary<string, string> { [UnitRenderer.EnvLaunch] = UnitRenderer.LaunchDirect })).ToList();

    private Dictionary<string, string> Specifiers(LifecyclePaths paths) => new(StringComparer.Ordinal)
    {
        ["i"] = Agent.Name,
        ["E"] = paths.ConfigHome,
    };
}
