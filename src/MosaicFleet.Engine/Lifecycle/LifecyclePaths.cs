using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>Where the lifecycle files live: $XDG_CONFIG_HOME (default ~/.config) /systemd/user for units and
/// /mosaic/fleet/agents for per-agent environment files. The agent unit finds its file as %E/mosaic/fleet/agents/%i.env,
/// %E being the user manager's XDG_CONFIG_HOME, so both must agree (they do unless an operator overrides one).</summary>
public sealed class LifecyclePaths
{
    public const string HolderUnitName = "mosaic-tmux-holder.service";
    public const string AgentTemplateName = "mosaic-agent@.service";
    public const string EnvFileSuffix = ".env";

    /// <summary>First line of every file MosaicFleet writes here; uninstall removes only files that carry it.</summary>
    public const string Marker = IO.OwnedPath.Marker;

    public LifecyclePaths(string configHome, string tenant = TenantNames.DefaultTenant)
    {
        ConfigHome = configHome;
        Tenant = string.IsNullOrEmpty(tenant) ? TenantNames.DefaultTenant : tenant;
    }

    /// <summary>The tenant whose files these are (<see cref="TenantNames"/>).</summary>
    public string Tenant { get; }

    /// <summary>The same folders, for the files of <paramref name="tenant"/>.</summary>
    public LifecyclePaths ForTenant(string tenant) => tenant == Tenant ? this : new LifecyclePaths(ConfigHome, tenant);

    public static LifecyclePaths FromEnvironment(Func<string, string?> getEnv)
    {
        var xdg = getEnv("XDG_CONFIG_HOME");
        var home = RosterLocator.Home(getEnv);
        return new LifecyclePaths(!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg) ? xdg : Path.Combine(home, ".config"));
    }

    public string ConfigHome { get; }

    public string UnitDirectory => Path.Combine(ConfigHome, "systemd", "user");

    public string EnvDirectory => Path.Combine(ConfigHome, TenantNames.EnvDirectory(Tenant));

    public string HolderUnit => Path.Combine(UnitDirectory, TenantNames.HolderUnit(Tenant));

    public string AgentTemplate => Path.Combine(UnitDirectory, TenantNames.AgentTemplate(Tenant));

    public string EnvFile(string agentName) => Path.Combine(EnvDirectory, agentName + EnvFileSuffix);

    /// <summary>The agent's own drop-in with its restart settings (see UnitRenderer.SupervisionDropIn).</summary>
    public string AgentDropIn(string agentName) => Path.Combine(UnitDirectory, TenantNames.AgentUnit(Tenant, agentName) + ".d", DropInFileName);

    public const string DropInFileName = "50-mosaic-supervision.conf";
}
