namespace MosaicFleet.Engine.Roster;

/// <summary>The one place that keys a roster's host-side state by its tenant, so rosters of different tenants live side by
/// side on one host and one systemd user manager: units (the holder included), environment files, send locks and the
/// message log. The default tenant keeps the names of before (existing installs need no migration); another tenant's
/// names carry its key (<see cref="KeyOf"/>) after a '.', a character no agent or host name and no key may hold.</summary>
public static class TenantNames
{
    public const string DefaultTenant = "local";

    /// <summary>Between the fixed prefix and the tenant in unit and file names; agent and tenant names cannot contain it.</summary>
    public const char Separator = '.';

    public static bool IsDefault(string tenant) => string.IsNullOrEmpty(tenant) || tenant == DefaultTenant;

    private static string Key(string tenant) => IsDefault(tenant) ? "" : Separator + KeyOf(tenant);

    private static readonly System.Text.RegularExpressions.Regex Plain = new(@"\A[A-Za-z0-9][A-Za-z0-9_-]{0,62}\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>The tenant as it appears in unit and file names: itself when it follows the agent-name rule (letters,
    /// digits, '_', '-'), else its safe characters plus a hash of the whole name ("night shift" -> "night_shift-1c2f..."),
    /// so any tenant gives a valid unit name, never holds the separator, and two tenants never share a key.</summary>
    public static string KeyOf(string tenant)
    {
        if (Plain.IsMatch(tenant)) return tenant;
        var safe = new string(tenant.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_').Take(40).ToArray());
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tenant)))[..10].ToLowerInvariant();
        return (safe.Length == 0 || !char.IsAsciiLetterOrDigit(safe[0]) ? "t" + safe : safe) + "-" + hash;
    }

    /// <summary>The mark the holder sets on its tmux server (the global user option <c>@mosaic_tenant</c>): "local" for the
    /// default tenant, else the tenant's key. A server marked for another tenant is not this roster's to act on.</summary>
    public static string Mark(string tenant) => IsDefault(tenant) ? DefaultTenant : KeyOf(tenant);

    /// <summary>The tmux user option that holds <see cref="Mark"/>.</summary>
    public const string MarkOption = "@mosaic_tenant";

    /// <summary>mosaic-tmux-holder.service, or mosaic-tmux-holder.TENANT.service.</summary>
    public static string HolderUnit(string tenant) => $"mosaic-tmux-holder{Key(tenant)}.service";

    /// <summary>mosaic-agent@.service, or mosaic-agent.TENANT@.service.</summary>
    public static string AgentTemplate(string tenant) => $"mosaic-agent{Key(tenant)}@.service";

    /// <summary>mosaic-agent@AGENT.service, or mosaic-agent.TENANT@AGENT.service.</summary>
    public static string AgentUnit(string tenant, string agent) => $"mosaic-agent{Key(tenant)}@{agent}.service";

    /// <summary>The name (without .scope) of the scope an agent's runtime runs in under systemd: mosaic-pane-&lt;agent&gt;,
    /// or mosaic-pane.&lt;tenant&gt;-&lt;agent&gt;: two tenants' agents of one name never share (or stop) one scope.</summary>
    public static string ScopeName(string tenant, string agent) => $"mosaic-pane{Key(tenant)}-{agent}";

    /// <summary>The list-units pattern of the tenant's agent units: mosaic-agent@*, or mosaic-agent.TENANT@*.</summary>
    public static string AgentPattern(string tenant) => $"mosaic-agent{Key(tenant)}@*";

    /// <summary>The file-name glob of the tenant's agent template and its instances: mosaic-agent@*.service, or mosaic-agent.TENANT@*.service.</summary>
    public static string AgentFileGlob(string tenant) => $"mosaic-agent{Key(tenant)}@*.service";

    /// <summary>The agents' environment files, relative to $XDG_CONFIG_HOME: mosaic/fleet/agents, or
    /// mosaic/fleet/tenants/TENANT/agents (a folder of its own: listing one tenant's files never finds another's).</summary>
    public static string EnvDirectory(string tenant)
        => IsDefault(tenant) ? Path.Combine("mosaic", "fleet", "agents") : Path.Combine("mosaic", "fleet", "tenants", KeyOf(tenant), "agents");

    /// <summary>messages.jsonl, or messages.TENANT.jsonl (Get-FleetMessageLog reads them all).</summary>
    public static string MessageLog(string tenant) => $"messages{Key(tenant)}.jsonl";

    /// <summary>The tenant key (<see cref="KeyOf"/>) of a holder unit file name ("local" for the default tenant; null when
    /// it is no holder unit name of ours).</summary>
    public static string? TenantOfHolderUnit(string fileName)
    {
        const string prefix = "mosaic-tmux-holder", suffix = ".service";
        if (!fileName.StartsWith(prefix, StringComparison.Ordinal) || !fileName.EndsWith(suffix, StringComparison.Ordinal)) return null;
        var middle = fileName[prefix.Length..^suffix.Length];
        if (middle.Length == 0) return DefaultTenant;
        return middle[0] == Separator && middle.Length > 1 && middle.IndexOf(Separator, 1) < 0 ? middle[1..] : null;
    }
}
