using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>Finds the PATH prefix for an agent's runtime: roster runtimeBin (agent, then runtime, then defaults) or
/// $MOSAIC_RUNTIME_BIN, then $(npm config get prefix)/bin where npm exists, then ~/.npm-global/bin and ~/.local/bin.
/// Only directories that exist, each once, and even when already on the installer's PATH: the pane inherits the tmux
/// server's environment, not the installer's. On a remote host (<paramref name="remote"/> given) the home, npm prefix,
/// $MOSAIC_RUNTIME_BIN and the existence checks are that host's.</summary>
public sealed class RuntimeBinResolver(FleetContext context, Lifecycle.RemoteHostProfile? remote = null, IO.RemoteHostFiles? remoteFiles = null)
{
    private string? _npmBin;
    private bool _npmDone;

    /// <summary>Run no external program (-WhatIf runs nothing): `npm config get prefix` is not asked, so the npm bin
    /// directory is left out of the prefix; <see cref="NpmNotProbed"/> says so.</summary>
    public bool NoExternalProbes { get; set; }

    /// <summary>True when npm exists but its prefix was not asked (<see cref="NoExternalProbes"/>).</summary>
    public bool NpmNotProbed { get; private set; }

    /// <summary>The candidate directories in order, before the existence check (for messages).</summary>
    public async Task<IReadOnlyList<string>> CandidatesAsync(FleetAgentSpec agent, CancellationToken ct)
    {
        var home = remote?.Home ?? context.Home;
        var list = new List<string>();
        var runtime = context.Roster.Runtimes.TryGetValue(agent.Runtime, out var r) ? r : null;
        var explicitBin = agent.RuntimeBin ?? runtime?.RuntimeBin ?? context.Roster.Defaults.RuntimeBin ?? (remote is null ? context.GetEnv("MOSAIC_RUNTIME_BIN") : remote.RuntimeBin);
        if (!string.IsNullOrEmpty(explicitBin))
        {
            foreach (var d in explicitBin.Split(':', StringSplitOptions.RemoveEmptyEntries)) list.Add(RosterLocator.ExpandHome(d, home));
        }
        if (await NpmBinAsync(ct).ConfigureAwait(false) is { } npm) list.Add(npm);
        list.Add(Path.Combine(home, ".npm-global", "bin"));
        list.Add(Path.Combine(home, ".local", "bin"));
        return list;
    }

    /// <summary>The prefix: existing, absolute candidates, each once, in order.</summary>
    public async Task<IReadOnlyList<string>> ResolveAsync(FleetAgentSpec agent, CancellationToken ct)
    {
        var result = new List<string>();
        foreach (var d in await CandidatesAsync(agent, ct).ConfigureAwait(false))
        {
            var full = Path.IsPathRooted(d) ? Path.TrimEndingDirectorySeparator(d) : null;
            if (full is null || full.Contains(':') || result.Contains(full, StringComparer.Ordinal)) continue;
            if (remote is null && !Directory.Exists(full)) continue;
            result.Add(full);
        }
        if (remote is not null)
        {
            // Checked on the host, all in one call.
            if (remoteFiles is null) throw new InvalidOperationException("A remote runtime bin check needs the host's files.");
            return remoteFiles.ExistingDirectories(result);
        }
        return result;
    }

    private async Task<string?> NpmBinAsync(CancellationToken ct)
    {
        if (_npmDone) return _npmBin;
        _npmDone = true;
        if (remote is not null)
        {
            _npmBin = remote.NpmPrefix is { } p ? Path.Combine(p, "bin") : null;
            return _npmBin;
        }
        var npm = context.GetEnv("MOSAIC_NPM") is { Length: > 0 } n ? n : ExecutableLocator.Find("npm", context.GetEnv("PATH"));
        if (npm is null) return null;
        if (NoExternalProbes)
        {
            NpmNotProbed = true;
            _npmDone = false; // a later real run asks npm
            return null;
        }
        var result = await context.Runner.RunAsync(Processes.LocalHost.Instance, new CommandSpec([npm, "config", "get", "prefix"], TimeSpan.FromSeconds(20)), ct).ConfigureAwait(false);
        var prefix = result.Success ? result.Stdout.Trim() : "";
        _npmBin = prefix.Length > 0 && Path.IsPathRooted(prefix) ? Path.Combine(prefix, "bin") : null;
        return _npmBin;
    }
}
