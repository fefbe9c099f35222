using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Fleet;

/// <summary>Everything a fleet operation needs: the roster, the runner, the environment and the clock.
/// Cmdlets build one per call; tests build one with a recording runner.</summary>
public sealed class FleetContext
{
    private readonly Dictionary<string, FleetHost> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _remoteHomes = new(StringComparer.Ordinal);

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
                host = new SshHost(spec, SshControlDirectory()) { LocalHome = Home };
                _hosts[hostName] = host;
            }
            return host;
        }
    }

    public FleetTmuxSettings TmuxOf(string hostName)
        => hostName != FleetHost.LocalName && Roster.Hosts.TryGetValue(hostName, out var h) && h.Tmux is { } t ? t : Roster.Tmux;

    /// <summary>tmux argv for a host's socket, always with -u: a remote ssh session often has no UTF-8 locale, and neither
    /// does a pwsh started by cron or a systemd timer here. Without it tmux 3.3a prints the 0x1F field separator of every
    /// -F format (and all non-ASCII text) as '_', and no output of the module's queries could be parsed.</summary>
    public TmuxCommand TmuxFor(string hostName) => new(TmuxOf(hostName).SocketName, TmuxProgramOn(hostName), forceUtf8: true);

    /// <summary>tmux argv for a client that draws on the operator's own terminal here (attach): without -u, so tmux
    /// follows the terminal's locale (a non-UTF-8 terminal gets tmux's ASCII fallbacks, not raw UTF-8). On a remote host
    /// still with -u: the ssh session's locale says nothing about the operator's terminal.</summary>
    public TmuxCommand InteractiveTmuxFor(string hostName)
        => new(TmuxOf(hostName).SocketName, TmuxProgramOn(hostName), forceUtf8: hostName != FleetHost.LocalName);

    /// <summary>The tmux program on a host: $MOSAIC_TMUX applies to this machine only; a remote host finds tmux on its own PATH.</summary>
    public string TmuxProgramOn(string hostName) => hostName == FleetHost.LocalName ? TmuxProgram : "tmux";

    /// <summary>The systemctl program on a host ($MOSAIC_SYSTEMCTL applies to this machine only).</summary>
    public string SystemctlProgramOn(string hostName) => hostName == FleetHost.LocalName ? SystemctlProgram : "systemctl";

    /// <summary>The home directory on a host: this machine's, or the remote user's $HOME read on that host
    /// (once per context: a Get-FleetAgent query records it for free, otherwise one small ssh call).</summary>
    public async Task<string> HomeOnAsync(string hostName, CancellationToken cancellationToken)
    {
        if (hostName == FleetHost.LocalName) return Home;
        lock (_remoteHomes)
        {
            if (_remoteHomes.TryGetValue(hostName, out var known)) return known;
        }
        var result = await Runner.RunAsync(HostOf(hostName), new CommandSpec(["sh", "-c", "printf '%s' \"$HOME\""], CommandTimeout), cancellationToken).ConfigureAwait(false);
        if (!result.Success || result.Stdout.Length == 0 || result.Stdout[0] != '/')
        {
            throw new FleetHostException(hostName, result.Unreached(remote: true) ? FleetErrorIds.FleetHostUnreachable : FleetErrorIds.FleetHostCommandFailed,
                $"Cannot read $HOME on {hostName}: {result.Describe()}");
        }
        RecordHome(hostName, result.Stdout);
        return result.Stdout;
    }

    /// <summary>Remembers a remote host's $HOME seen by another command.</summary>
    public void RecordHome(string hostName, string home)
    {
        if (hostName == FleetHost.LocalName || home.Length == 0 || home[0] != '/') return;
        lock (_remoteHomes) _remoteHomes[hostName] = home;
    }

    /// <summary>The remote $HOME if this context has already seen it, else null.</summary>
    public string? KnownHomeOn(string hostName)
    {
        if (hostName == FleetHost.LocalName) return Home;
        lock (_remoteHomes) return _remoteHomes.GetValueOrDefault(hostName);
    }

    /// <summary>Expands a leading '~' of <paramref name="path"/> with the home directory of the host it is used on.</summary>
    public async Task<string> ExpandHomeOnAsync(string hostName, string path, CancellationToken cancellationToken)
        => path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? RosterLocator.ExpandHome(path, await HomeOnAsync(hostName, cancellationToken).ConfigureAwait(false))
            : path;

    /// <summary>The agent's working directory with '~' expanded on the agent's own host.</summary>
    public async Task<string?> WorkingDirectoryOnHostAsync(FleetAgentSpec agent, CancellationToken cancellationToken)
        => agent.WorkingDirectory is null ? null : await ExpandHomeOnAsync(agent.Host, agent.WorkingDirectory, cancellationToken).ConfigureAwait(false);

    /// <summary>The working directory with '~' expanded (local agents; a remote agent's '~' is expanded only once its
    /// host's $HOME is known, see <see cref="WorkingDirectoryOnHostAsync"/>).</summary>
    public string? WorkingDirectoryOf(FleetAgentSpec agent)
        => agent.Worktree is { } worktree ? WorktreeDirectoryOf(agent, worktree)
            : agent.WorkingDirectory is null ? null
            : KnownHomeOn(agent.Host) is { } home ? RosterLocator.ExpandHome(agent.WorkingDirectory, home) : agent.WorkingDirectory;

    /// <summary>A worktree agent's directory (the worktree wins over workingDirectory): exact here; on a remote host when
    /// the roster gives the path and that host's $HOME is known (the default path needs the host's $XDG_DATA_HOME).</summary>
    private string? WorktreeDirectoryOf(FleetAgentSpec agent, FleetWorktreeSpec worktree)
    {
        if (agent.Host == FleetHost.LocalName) return WorktreeSpecs.LocalOf(agent, Roster.Tenant, GetEnv)!.Path;
        var path = WorktreeSpecs.PathSpecFor(worktree, Roster.Tenant, agent.Name);
        if (path.Length == 0) return null;
        return path.StartsWith('/') ? path : KnownHomeOn(agent.Host) is { } home ? WorktreeSpecs.OnHost(path, home) : null;
    }

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
