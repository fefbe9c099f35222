using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Tests.Worktrees;

/// <summary>A real git repository in a temp directory whose path holds spaces, with one commit on main.</summary>
internal sealed class GitRepo : IDisposable
{
    public GitRepo()
    {
        Root = Path.Combine(Path.GetTempPath(), "mft wt " + Guid.NewGuid().ToString("N")[..8]);
        Repository = Path.Combine(Root, "my repo");
        Directory.CreateDirectory(Repository);
        Git("init", "-q", "-b", "main");
        File.WriteAllText(Path.Combine(Repository, "README"), "hello\n");
        Git("add", "README");
        Commit("first");
    }

    public string Root { get; }
    public string Repository { get; }

    public string Git(params string[] args) => GitIn(Repository, args);

    public static string GitIn(string dir, params string[] args)
    {
        var r = Run(["git", "-C", dir, "-c", "user.name=Test", "-c", "user.email=t@example.org", "-c", "protocol.file.allow=always", .. args]);
        if (!r.Success) throw new InvalidOperationException(r.Describe());
        return r.Stdout.Trim();
    }

    public void Commit(string message, string? dir = null)
        => GitIn(dir ?? Repository, "commit", "-q", "--allow-empty", "-m", message);

    public static CommandResult Run(IReadOnlyList<string> argv)
        => ProcessRunner.Instance.RunAsync(new CommandSpec(argv, TimeSpan.FromSeconds(60)), CancellationToken.None).GetAwaiter().GetResult();

    public FleetRoster Roster(params (string Name, FleetWorktreeSpec? Worktree)[] agents) => new()
    {
        Path = Path.Combine(Root, "roster.yaml"),
        Tenant = "acme",
        Runtimes = MosaicFleet.Engine.Roster.BuiltInRuntimes.Create(),
        Agents = agents.Select(a => new FleetAgentSpec { Name = a.Name, Runtime = "pi", Worktree = a.Worktree }).ToList(),
    };

    public FleetWorktreeSpec Spec(string agent, string? branch = null) => new()
    {
        Repository = Repository,
        Branch = branch,
        Path = Path.Combine(Root, "trees", agent + " wt"),
    };

    public void Dispose()
    {
        try { Directory.Delete(Root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
