using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Fleet;

/// <summary>Everything a fleet operation needs: the roster, the runner, the environment and the clock.
/// Cmdlets build one per call; tests build one with a recording runner.</summary>
public sealed class FleetContext
{
    private readonly Dictionary<string, FleetHost> _hosts = new(StringComparer.Ordinal);

    public FleetContext(FleetRoster roster, IProcessRunner? runner = null, Func<string, string?>? getEnv = null, TimeProvider? clock = null)
    {
        Roster = roster;
        Runner = new HostRunner(runner ?? ProcessRunner.Instance);
        GetEnv = getEnv ?? Environment.GetEnvironmentVariable;
        Clock = clock ?? TimeProvider.System;
    }

    public FleetRoster Roster { get; }

    public HostRunner Runner { get; }

    public Func<string, string?> GetEnv { get; }

    public TimeProvider Clock { get; }

    /// <summary>The tmux program (an absolute path may be given with $MOSAIC_TMUX).</summary>
    public string TmuxProgram => GetEnv("MOSAIC_TMUX") is { Length: > 0 } t ? t : "tmux";

    public string SystemctlProgram => GetEnv("MOSAIC_SYSTEMCTL") is { Length: > 0 } s ? s : "systemctl";

    /// <summary>The per-command timeout for tmux and systemctl calls.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public string Home => RosterLocator.Home(GetEnv);

    public FleetRuntime RuntimeOf(FleetAgentSpec agent) => Roster.Runtimes[agent.Runtime];

    public FleetHost HostOf(string hostName)
    {
        if (hostName == FleetHost.LocalName) return LocalHost.Instance;
        lock (_hosts)
        {
            if (!_hosts.TryGetValue(hostName, out var host))
            {
                var spec = Roster.Hosts[hostName];
                host = new SshHost(spec, SshControlDirectory());
                _hosts[hostName] = host;
            }
            return host;
        }
    }

    public FleetTmuxSettings TmuxOf(string hostName)
        => hostName != FleetHost.LocalName && Roster.Hosts.TryGetValue(hostName, out var h) && h.Tmux is { } t ? t : Roster.Tmux;

    public TmuxCommand TmuxFor(string hostName) => new(TmuxOf(hostName).SocketName, TmuxProgram);

    /// <summary>The working directory with '~' expanded (local agents only; a remote agent's '~' is resolved on its host).</summary>
    public string? WorkingDirectoryOf(FleetAgentSpec agent)
        => agent.WorkingDirectory is null ? null : agent.Host == FleetHost.LocalName ? RosterLocator.ExpandHome(agent.WorkingDirectory, Home) : agent.WorkingDirectory;

    private string? SshControlDirectory()
    {
        var runtimeDir = GetEnv("XDG_RUNTIME_DIR");
        if (string.IsNullOrEmpty(runtimeDir) || !Directory.Exists(runtimeDir)) return null;
        var dir = Path.Combine(runtimeDir, "mosaic-fleet");
        try
        {
            Directory.CreateDirectory(dir);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return dir;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
