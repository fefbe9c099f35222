using MosaicFleet.Engine.Roster;
using System.Globalization;
using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Engine.Fleet;

/// <summary>Get-FleetAgent -Resources: each runtime's own cgroup (the scope mosaic-pane-&lt;agent&gt;.scope that the
/// agent unit's ExecStartPre starts it in), read with ONE `systemctl --user show` per host for all its agents.</summary>
public sealed class ResourceProbe(FleetContext context)
{
    public static readonly string[] Properties = ["Id", "LoadState", "ActiveState", "MemoryCurrent", "MemoryMax", "CPUUsageNSec"];

    public static string ScopeUnit(string tenant, string agentName) => TenantNames.ScopeName(tenant, agentName) + ".scope";

    /// <summary>Fills MemoryBytes, MemoryMaxBytes and CpuSeconds of the agents with a live pane; returns notes for -Verbose.</summary>
    public async Task<IReadOnlyList<string>> ProbeAsync(IReadOnlyList<FleetAgent> agents, CancellationToken ct)
    {
        var notes = new List<string>();
        var tasks = agents.Where(a => a.Status == FleetAgentStatus.Running)
            .GroupBy(a => a.Host, StringComparer.Ordinal)
            .Select(async g =>
            {
                var units = g.Select(a => ScopeUnit(context.Roster.Tenant, a.Name)).ToList();
                var spec = new CommandSpec([context.SystemctlProgramOn(g.Key), "--user", "show", "-p", string.Join(',', Properties), "--", .. units], context.CommandTimeout);
                var result = await context.Runner.RunAsync(context.HostOf(g.Key), spec, ct).ConfigureAwait(false);
                if (!result.Success)
                {
                    lock (notes) notes.Add($"{g.Key}: cannot read the runtimes' cgroups: {result.Describe()}");
                    return;
                }
                var byId = Parse(result.Stdout);
                foreach (var a in g)
                {
                    if (!byId.TryGetValue(ScopeUnit(context.Roster.Tenant, a.Name), out var p) || p.GetValueOrDefault("ActiveState") != "active")
                    {
                        lock (notes) notes.Add($"{a.Name}: its runtime has no scope of its own (started with -Direct, before supervision, or without a user manager).");
                        continue;
                    }
                    a.MemoryBytes = Number(p.GetValueOrDefault("MemoryCurrent"));
                    a.MemoryMaxBytes = Number(p.GetValueOrDefault("MemoryMax"));
                    if (Number(p.GetValueOrDefault("CPUUsageNSec")) is { } ns) a.CpuSeconds = Math.Round(ns / 1e9, 3);
                }
            }).ToList();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return notes;
    }

    /// <summary>A systemd number property: null for "[not set]", "infinity" and UINT64_MAX (systemd's "no value").</summary>
    public static long? Number(string? value)
        => value is not null && ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v < long.MaxValue ? (long)v : null;

    /// <summary>Key=Value blocks separated by blank lines, keyed by Id.</summary>
    public static Dictionary<string, Dictionary<string, string>> Parse(string output)
    {
        var result = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var block = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in (output + "\n\n").Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (raw.Length == 0)
            {
                if (block.TryGetValue("Id", out var id) && id.Length > 0) result[id] = block;
                block = new Dictionary<string, string>(StringComparer.Ordinal);
                continue;
            }
            var eq = raw.IndexOf('=');
            if (eq > 0) block[raw[..eq]] = raw[(eq + 1)..];
        }
        return result;
    }
}
