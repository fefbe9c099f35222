using MosaicFleet.Engine.Roster;
using System.Globalization;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Worktrees;

/// <summary>Makes, reads and removes agents' worktrees on their hosts with the scripts of <see cref="WorktreeScripts"/>,
/// every call through the context's runner (a remote host's over ssh).</summary>
public sealed class WorktreeService(FleetContext context)
{
    /// <summary>Makes the agent's worktree when it is missing, reuses it when it is there; returns the script's status
    /// line. A failure is a <see cref="LifecycleException"/> for that agent (or <see cref="FleetHostException"/>).</summary>
    public async Task<string> EnsureAsync(FleetAgentSpec agent, ResolvedWorktree worktree, CancellationToken ct)
    {
        var result = await context.Runner.RunAsync(context.HostOf(agent.Host), WorktreeScripts.EnsureCommand(worktree, context.CommandTimeout), ct).ConfigureAwait(false);
        HostFailure(agent.Host, result);
        if (result.Success) return result.Stdout.Trim();
        var id = result.ExitCode switch
        {
            WorktreeScripts.RepositoryMissingCode => FleetErrorIds.WorktreeRepositoryNotFound,
            WorktreeScripts.BranchInUseCode => FleetErrorIds.WorktreeBranchInUse,
            WorktreeScripts.PathInUseCode => FleetErrorIds.WorktreePathInUse,
            WorktreeScripts.LockTimeoutCode => FleetErrorIds.WorktreeLockTimeout,
            _ => FleetErrorIds.WorktreeCreateFailed,
        };
        throw new LifecycleException(id, $"Agent '{agent.Name}': cannot make its worktree {worktree.Path} (branch {worktree.Branch}) of {worktree.Repository}: {Why(result)}", agent.Name);
    }

    /// <summary>Removes the agent's worktree (never its branch). Returns the status line.</summary>
    public async Task<string> RemoveAsync(FleetAgentSpec agent, bool force, CancellationToken ct)
    {
        var spec = agent.Worktree ?? throw new LifecycleException(FleetErrorIds.AgentHasNoWorktree, $"Agent '{agent.Name}' has no worktree in the roster.", agent.Name);
        var tenant = context.Roster.Tenant;
        var command = WorktreeScripts.RemoveCommand(spec.Repository, WorktreeSpecs.PathSpecFor(spec, tenant, agent.Name), tenant, agent.Name, force, context.CommandTimeout);
        var result = await context.Runner.RunAsync(context.HostOf(agent.Host), command, ct).ConfigureAwait(false);
        HostFailure(agent.Host, result);
        if (result.Success) return result.Stdout.Trim();
        var id = result.ExitCode switch
        {
            WorktreeScripts.RepositoryMissingCode => FleetErrorIds.WorktreeRepositoryNotFound,
            WorktreeScripts.PathInUseCode => FleetErrorIds.WorktreePathInUse,
            WorktreeScripts.LockTimeoutCode => FleetErrorIds.WorktreeLockTimeout,
            WorktreeScripts.DirtyCode => FleetErrorIds.WorktreeHasChanges,
            _ => FleetErrorIds.WorktreeRemoveFailed,
        };
        throw new LifecycleException(id, $"Agent '{agent.Name}': {Why(result)}", agent.Name);
    }

    /// <summary>The worktrees of agents on ONE host, read in one run of <see cref="WorktreeScripts.Query"/>.</summary>
    public async Task<IReadOnlyList<FleetWorktree>> QueryHostAsync(string hostName, IReadOnlyList<FleetAgentSpec> agents, CancellationToken ct)
    {
        var withWorktree = agents.Where(a => a.Worktree is not null).ToList();
        if (withWorktree.Count == 0) return [];
        var nonce = Guid.NewGuid().ToString("N");
        var tenant = context.Roster.Tenant;
        var argv = new List<string> { "sh", "-c", WorktreeScripts.Query, WorktreeScripts.ArgZero, nonce, tenant };
        foreach (var a in withWorktree)
        {
            var w = a.Worktree!;
            argv.AddRange([a.Name, w.Repository, WorktreeSpecs.PathSpecFor(w, tenant, a.Name), WorktreeSpecs.BranchFor(w, tenant, a.Name), w.Base ?? ""]);
        }
        var result = await context.Runner.RunAsync(context.HostOf(hostName), new CommandSpec(argv, context.CommandTimeout + TimeSpan.FromSeconds(withWorktree.Count)), ct).ConfigureAwait(false);
        HostFailure(hostName, result);
        var parsed = result.Success ? Parse(result.Stdout, nonce, withWorktree, hostName) : null;
        return parsed ?? throw new FleetHostException(hostName, FleetErrorIds.WorktreeQueryFailed, $"Reading the worktrees on {hostName} failed: {result.Describe()}");
    }

    /// <summary>The worktrees of <paramref name="agents"/> (those with one), hosts in parallel, one process per host. A host
    /// that cannot be read is one <see cref="HostFailure"/>; its agents come back with State Unreachable.</summary>
    public async Task<(IReadOnlyList<FleetWorktree> Worktrees, IReadOnlyList<HostFailure> Failures)> QueryAsync(IReadOnlyList<FleetAgentSpec> agents, CancellationToken ct)
    {
        var groups = agents.Where(a => a.Worktree is not null).GroupBy(a => a.Host, StringComparer.Ordinal).ToList();
        var reads = groups.Select(async g =>
        {
            try
            {
                return (Worktrees: await QueryHostAsync(g.Key, g.ToList(), ct).ConfigureAwait(false), Failure: (HostFailure?)null);
            }
            catch (FleetHostException ex)
            {
                var tenant = context.Roster.Tenant;
                var unreachable = g.Select(a => new FleetWorktree
                {
                    Agent = a.Name,
                    Host = g.Key,
                    Repository = a.Worktree!.Repository,
                    Path = context.WorkingDirectoryOf(a) ?? WorktreeSpecs.PathSpecFor(a.Worktree, tenant, a.Name),
                    State = FleetWorktreeState.Unreachable,
                }).ToList();
                return (Worktrees: (IReadOnlyList<FleetWorktree>)unreachable, Failure: new HostFailure(ex.Host, ex.ErrorId, ex.Message));
            }
        }).ToList();
        var results = await Task.WhenAll(reads).ConfigureAwait(false);
        var byAgent = results.SelectMany(r => r.Worktrees).ToDictionary(w => w.Agent, StringComparer.Ordinal);
        foreach (var w in byAgent.Values) w.RosterPath = context.Roster.Path;
        var ordered = agents.Where(a => byAgent.ContainsKey(a.Name)).Select(a => byAgent[a.Name]).ToList();
        return (ordered, results.Select(r => r.Failure).OfType<HostFailure>().ToList());
    }

    /// <summary>The query script's output as FleetWorktrees, in the agents' order; null when it did not run to its end.</summary>
    public static IReadOnlyList<FleetWorktree>? Parse(string stdout, string nonce, IReadOnlyList<FleetAgentSpec> agents, string hostName)
    {
        var prefix = $"@@mosaic-worktree:{nonce}:";
        var endAt = stdout.LastIndexOf(prefix + "end\n", StringComparison.Ordinal);
        if (endAt < 0) return null;
        var list = new List<FleetWorktree>();
        var at = stdout.IndexOf(prefix, StringComparison.Ordinal);
        foreach (var agent in agents)
        {
            var marker = prefix + agent.Name + "\n";
            if (at < 0 || string.CompareOrdinal(stdout, at, marker, 0, marker.Length) != 0) return null;
            var pos = at + marker.Length;
            var fields = new string[9];
            for (var i = 0; i < fields.Length; i++)
            {
                var nul = stdout.IndexOf('\0', pos);
                if (nul < 0 || nul > endAt) return null;
                fields[i] = stdout[pos..nul];
                pos = nul + 1;
            }
            list.Add(ToWorktree(agent, hostName, fields));
            at = pos;
        }
        return at == endAt ? list : null;
    }

    private static FleetWorktree ToWorktree(FleetAgentSpec agent, string hostName, string[] f)
    {
        var w = new FleetWorktree
        {
            Agent = agent.Name,
            Host = hostName,
            State = f[0] switch
            {
                "ok" => FleetWorktreeState.Present,
                "none" or "empty" => FleetWorktreeState.Missing,
                "other" => FleetWorktreeState.NotAWorktree,
                _ => FleetWorktreeState.RepositoryMissing,
            },
            Path = f[1],
            Repository = f[2],
            Branch = f[3].Length > 0 ? f[3] : null,
            Base = f[4].Length > 0 ? ShortRef(f[4]) : null,
        };
        if (w.State != FleetWorktreeState.Present) return w;
        var counts = f[5].Split('\t', ' ');
        if (counts.Length == 2 && int.TryParse(counts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var behind)
            && int.TryParse(counts[1].TrimEnd('\n'), NumberStyles.None, CultureInfo.InvariantCulture, out var ahead))
        {
            w.Behind = behind;
            w.Ahead = ahead;
        }
        w.Uncommitted = Int(f[6]);
        w.Untracked = Int(f[7]);
        var parts = f[8].TrimEnd('\n').Split(' ', 3);
        if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            w.Commit = parts[0];
            w.LastCommit = DateTimeOffset.FromUnixTimeSeconds(seconds).ToLocalTime();
            w.Subject = parts.Length == 3 ? parts[2] : "";
        }
        return w;
    }

    private static int? Int(string s) => int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : null;

    /// <summary>refs/heads/main as main; anything else (a tag, a commit id) as it is.</summary>
    public static string ShortRef(string reference) => reference.StartsWith("refs/heads/", StringComparison.Ordinal) ? reference["refs/heads/".Length..] : reference;

    private static string Why(CommandResult result)
    {
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ours = lines.LastOrDefault(l => l.StartsWith("mosaic-worktree: ", StringComparison.Ordinal));
        if (ours is not null) return ours["mosaic-worktree: ".Length..];
        var fatal = lines.LastOrDefault(l => l.StartsWith("fatal: ", StringComparison.Ordinal) || l.StartsWith("error: ", StringComparison.Ordinal));
        return fatal ?? result.Describe();
    }

    private static void HostFailure(string hostName, CommandResult result)
    {
        if (hostName == FleetHost.LocalName || !result.Unreached(remote: true)) return;
        throw new FleetHostException(hostName, FleetErrorIds.FleetHostUnreachable, $"Cannot reach host {hostName}: {result.Describe()}");
    }
}
