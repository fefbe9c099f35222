using MosaicFleet.Engine.Roster;
namespace MosaicFleet.Engine.Systemd;

/// <summary>The state of one unit as `systemctl show` reports it.</summary>
public sealed record UnitState(string Id, string LoadState, string ActiveState, string SubState)
{
    /// <summary>ActiveState/SubState; "not-found" for a unit systemd does not know, "masked" for a masked unit that
    /// does not run.</summary>
    public string Display => LoadState == "not-found" ? "not-found"
        : LoadState == "masked" && ActiveState is "inactive" or "failed" ? "masked"
        : $"{ActiveState}/{SubState}";
}

/// <summary>`systemctl --user show -p ...` for many units in one call, and its parser.</summary>
public static class SystemctlShow
{
    public static readonly string[] Properties = ["Id", "LoadState", "ActiveState", "SubState"];

    public static string[] Arguments(IEnumerable<string> units)
        => ["--user", "show", "-p", string.Join(',', Properties), "--", .. units];

    /// <summary>Parses Key=Value blocks separated by blank lines, keyed by Id.</summary>
    public static IReadOnlyDictionary<string, UnitState> Parse(string output)
    {
        var result = new Dictionary<string, UnitState>(StringComparer.Ordinal);
        var block = new Dictionary<string, string>(StringComparer.Ordinal);
        void Flush()
        {
            if (block.TryGetValue("Id", out var id) && id.Length > 0)
            {
                result[id] = new UnitState(id,
                    block.GetValueOrDefault("LoadState", ""),
                    block.GetValueOrDefault("ActiveState", ""),
                    block.GetValueOrDefault("SubState", ""));
            }
            block.Clear();
        }
        foreach (var raw in output.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (raw.Length == 0) { Flush(); continue; }
            var eq = raw.IndexOf('=');
            if (eq <= 0) continue;
            block[raw[..eq]] = raw[(eq + 1)..];
        }
        Flush();
        return result;
    }

    /// <summary>The agent's unit for the default tenant (see <see cref="TenantNames.AgentUnit"/> for any tenant).</summary>
    public static string AgentUnit(string agentName) => TenantNames.AgentUnit(TenantNames.DefaultTenant, agentName);

    public static string AgentUnit(string tenant, string agentName) => TenantNames.AgentUnit(tenant, agentName);

    public const string HolderUnit = "mosaic-tmux-holder.service";
}
