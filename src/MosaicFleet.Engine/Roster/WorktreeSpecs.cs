namespace MosaicFleet.Engine.Roster;

/// <summary>One agent's worktree with every default applied and every path absolute on the agent's host.</summary>
public sealed record ResolvedWorktree(string Repository, string Branch, string? Base, string Path);

/// <summary>The roster rules of <c>worktree:</c>: keys, name checks, defaults and path resolution. The same path rules
/// are written in sh in WorktreeScripts.Resolve (Worktrees/) (a test holds both to the same answers).</summary>
public static class WorktreeSpecs
{
    public static readonly string[] Keys = ["repository", "branch", "base", "path"];

    /// <summary>fleet/&lt;tenant&gt;/&lt;agent&gt;: per tenant and agent, never fleet/&lt;agent&gt; (a branch fleet/acme would
    /// block fleet/acme/coder0: "cannot lock ref").</summary>
    public const string DefaultBranch = "fleet/{tenant}/{agent}";

    /// <summary>Under $XDG_DATA_HOME (absolute), else ~/.local/share.</summary>
    public const string DefaultPathTail = "mosaic/fleet/worktrees";

    public static string Expand(string template, string tenant, string agent)
        => template.Replace("{tenant}", tenant, StringComparison.Ordinal).Replace("{agent}", agent, StringComparison.Ordinal);

    public static string BranchFor(FleetWorktreeSpec spec, string tenant, string agent) => Expand(spec.Branch ?? DefaultBranch, tenant, agent);

    /// <summary>The path as the roster writes it with {tenant}/{agent} replaced, or "" for the default.</summary>
    public static string PathSpecFor(FleetWorktreeSpec spec, string tenant, string agent) => spec.Path is null ? "" : Expand(spec.Path, tenant, agent);

    /// <summary>'~' and '~/x' under <paramref name="home"/>, relative paths under home, absolute paths as they are.</summary>
    public static string OnHost(string path, string home)
    {
        if (path == "~") return home;
        if (path.StartsWith("~/", StringComparison.Ordinal)) return home.TrimEnd('/') + "/" + path[2..];
        return path.StartsWith('/') ? path : home.TrimEnd('/') + "/" + path;
    }

    public static string DefaultPath(string tenant, string agent, string home, string? xdgDataHome)
    {
        var data = !string.IsNullOrEmpty(xdgDataHome) && xdgDataHome[0] == '/' ? xdgDataHome : home.TrimEnd('/') + "/.local/share";
        return $"{data.TrimEnd('/')}/{DefaultPathTail}/{tenant}/{agent}";
    }

    /// <summary>Every default applied, for the agent's host's <paramref name="home"/> and $XDG_DATA_HOME.</summary>
    public static ResolvedWorktree Resolve(FleetWorktreeSpec spec, string tenant, string agent, string home, string? xdgDataHome)
    {
        var pathSpec = PathSpecFor(spec, tenant, agent);
        var path = pathSpec.Length == 0 ? DefaultPath(tenant, agent, home, xdgDataHome) : OnHost(pathSpec, home);
        return new ResolvedWorktree(OnHost(spec.Repository, home), BranchFor(spec, tenant, agent), spec.Base, path);
    }

    /// <summary>git check-ref-format's rules for a branch name ({tenant} and {agent} count as names), or null when valid.</summary>
    public static string? CheckBranch(string name)
    {
        var n = Expand(name, "t", "a");
        if (n.StartsWith('-')) return "a branch name cannot start with '-'.";
        if (n == "@" || n.Contains("@{", StringComparison.Ordinal)) return "a branch name cannot be '@' or hold '@{'.";
        if (n.Contains("..", StringComparison.Ordinal) || n.Contains("//", StringComparison.Ordinal)) return "a branch name cannot hold '..' or '//'.";
        if (n.StartsWith('/') || n.EndsWith('/') || n.EndsWith('.')) return "a branch name cannot start or end with '/' or end with '.'.";
        foreach (var c in n)
        {
            if (c < 0x20 || c == 0x7f || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\')
                return "a branch name cannot hold spaces, control characters or any of ~ ^ : ? * [ \\.";
        }
        foreach (var part in n.Split('/'))
        {
            if (part.StartsWith('.') || part.EndsWith(".lock", StringComparison.Ordinal)) return "no part of a branch name may start with '.' or end with '.lock'.";
        }
        return null;
    }

    /// <summary>A base is any revision git understands; only what could be read as an option or split a word is refused.</summary>
    public static string? CheckBase(string value)
    {
        if (value.StartsWith('-')) return "a base cannot start with '-'.";
        foreach (var c in value)
        {
            if (c < 0x20 || c == 0x7f || c == ' ') return "a base cannot hold spaces or control characters.";
        }
        return null;
    }

    /// <summary>Two agents of one host that would share a worktree: the same path, or the same branch of the same
    /// repository (as the roster writes them, {tenant} and {agent} replaced; the default path is per agent). Null when none.</summary>
    public static (FleetAgentSpec Agent, string Message)? FindClash(IReadOnlyList<FleetAgentSpec> agents, string tenant)
    {
        var paths = new Dictionary<(string Host, string Path), string>();
        var branches = new Dictionary<(string Host, string Repository, string Branch), string>();
        foreach (var a in agents)
        {
            if (a.Worktree is not { } w) continue;
            var path = PathSpecFor(w, tenant, a.Name);
            if (path.Length > 0 && !paths.TryAdd((a.Host, path.TrimEnd('/')), a.Name))
                return (a, $"Agent '{a.Name}': its worktree path {path} is also agent '{paths[(a.Host, path.TrimEnd('/'))]}'s; each agent needs its own (use {{agent}} in a shared path).");
            var branch = BranchFor(w, tenant, a.Name);
            if (!branches.TryAdd((a.Host, w.Repository.TrimEnd('/'), branch), a.Name))
                return (a, $"Agent '{a.Name}': its worktree branch {branch} of {w.Repository} is also agent '{branches[(a.Host, w.Repository.TrimEnd('/'), branch)]}'s; a branch can be checked out in one worktree only (use {{agent}} in a shared branch).");
        }
        return null;
    }

    /// <summary>The worktree of a local agent (this machine's home and $XDG_DATA_HOME).</summary>
    public static ResolvedWorktree? LocalOf(FleetAgentSpec agent, string tenant, Func<string, string?> getEnv)
        => agent.Worktree is { } spec ? Resolve(spec, tenant, agent.Name, RosterLocator.Home(getEnv), getEnv("XDG_DATA_HOME")) : null;
}
