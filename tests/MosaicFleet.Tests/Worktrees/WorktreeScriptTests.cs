using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Worktrees;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Tests.Worktrees;

/// <summary>The worktree scripts on real git repositories (paths with spaces): make, reuse, prune, refuse, read, remove.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WorktreeScriptTests : IDisposable
{
    private readonly GitRepo _repo = new();
    private readonly FakeRunner _runner = FakeRunner.Real();

    public void Dispose() => _repo.Dispose();

    private (WorktreeService Service, FleetContext Context, FleetAgentSpec Agent, ResolvedWorktree Worktree) Setup(string name = "coder0", string? branch = null)
    {
        var roster = _repo.Roster((name, _repo.Spec(name, branch)));
        var context = new FleetContext(roster, _runner);
        var agent = roster.Agents[0];
        var w = WorktreeSpecs.Resolve(agent.Worktree!, roster.Tenant, name, "/nonexistent-home", null);
        return (new WorktreeService(context), context, agent, w);
    }

    [Fact]
    public async Task Ensure_makes_the_worktree_on_a_new_branch_and_records_the_base_without_touching_the_checkout()
    {
        File.WriteAllText(Path.Combine(_repo.Repository, "README"), "operator's own edit\n");
        var headBefore = _repo.Git("rev-parse", "HEAD");
        var (service, _, agent, w) = Setup();

        var status = await service.EnsureAsync(agent, w, CancellationToken.None);

        Assert.Equal($"created {w.Path} on new branch fleet/acme/coder0 from refs/heads/main", status);
        Assert.Equal("fleet/acme/coder0", GitRepo.GitIn(w.Path, "symbolic-ref", "--short", "HEAD"));
        Assert.Equal("refs/heads/main", _repo.Git("config", "branch.fleet/acme/coder0.mosaicBase"));
        // The repository's own checkout: same branch, same commit, the operator's edit still there.
        Assert.Equal("main", _repo.Git("symbolic-ref", "--short", "HEAD"));
        Assert.Equal(headBefore, _repo.Git("rev-parse", "HEAD"));
        Assert.Equal("operator's own edit\n", File.ReadAllText(Path.Combine(_repo.Repository, "README")));
    }

    [Fact]
    public async Task Ensure_reuses_an_existing_worktree_as_it_is_never_resetting_or_cleaning_it()
    {
        var (service, _, agent, w) = Setup();
        await service.EnsureAsync(agent, w, CancellationToken.None);
        File.WriteAllText(Path.Combine(w.Path, "README"), "agent's unfinished edit\n");
        File.WriteAllText(Path.Combine(w.Path, "new file.txt"), "untracked\n");
        GitRepo.GitIn(w.Path, "checkout", "-q", "-b", "agent-side-branch");

        var status = await service.EnsureAsync(agent, w, CancellationToken.None);

        Assert.Equal($"reused {w.Path} (branch agent-side-branch)", status);
        Assert.Equal("agent's unfinished edit\n", File.ReadAllText(Path.Combine(w.Path, "README")));
        Assert.True(File.Exists(Path.Combine(w.Path, "new file.txt")));
    }

    [Fact]
    public async Task Ensure_with_a_base_starts_the_branch_there_and_records_it()
    {
        _repo.Commit("second");
        var roster = _repo.Roster(("coder0", new FleetWorktreeSpec { Repository = _repo.Repository, Base = "main~1", Path = Path.Combine(_repo.Root, "t0") }));
        var agent = roster.Agents[0];
        var w = WorktreeSpecs.Resolve(agent.Worktree!, roster.Tenant, agent.Name, "/nonexistent-home", null);
        await new WorktreeService(new FleetContext(roster, _runner)).EnsureAsync(agent, w, CancellationToken.None);
        Assert.Equal(_repo.Git("rev-parse", "main~1"), GitRepo.GitIn(w.Path, "rev-parse", "HEAD"));
        Assert.Equal("main~1", _repo.Git("config", "branch.fleet/acme/coder0.mosaicBase"));
    }

    [Fact]
    public async Task A_branch_checked_out_elsewhere_is_that_agents_clear_error()
    {
        _repo.Git("branch", "taken");
        var elsewhere = Path.Combine(_repo.Root, "someone else's tree");
        _repo.Git("worktree", "add", elsewhere, "taken");
        var (service, _, agent, w) = Setup(branch: "taken");

        var ex = await Assert.ThrowsAsync<LifecycleException>(() => service.EnsureAsync(agent, w, CancellationToken.None));

        Assert.Equal(FleetErrorIds.WorktreeBranchInUse, ex.ErrorId);
        Assert.Equal("coder0", ex.Target);
        Assert.Contains($"branch taken is already checked out at {elsewhere}", ex.Message);
        Assert.False(Directory.Exists(w.Path));
    }

    [Fact]
    public async Task The_checkout_branch_of_the_repository_itself_is_in_use_too()
    {
        var (service, _, agent, w) = Setup(branch: "main");
        var ex = await Assert.ThrowsAsync<LifecycleException>(() => service.EnsureAsync(agent, w, CancellationToken.None));
        Assert.Equal(FleetErrorIds.WorktreeBranchInUse, ex.ErrorId);
        Assert.Contains(_repo.Repository, ex.Message);
    }

    [Fact]
    public async Task A_repository_that_is_gone_is_a_clear_error()
    {
        var (service, _, agent, w) = Setup();
        Directory.Delete(_repo.Repository, true);
        var ex = await Assert.ThrowsAsync<LifecycleException>(() => service.EnsureAsync(agent, w, CancellationToken.None));
        Assert.Equal(FleetErrorIds.WorktreeRepositoryNotFound, ex.ErrorId);
        Assert.Contains($"no git repository at {_repo.Repository}", ex.Message);
    }

    [Fact]
    public async Task A_path_holding_something_else_is_left_alone()
    {
        var (service, _, agent, w) = Setup();
        Directory.CreateDirectory(w.Path);
        File.WriteAllText(Path.Combine(w.Path, "precious"), "x");
        var ex = await Assert.ThrowsAsync<LifecycleException>(() => service.EnsureAsync(agent, w, CancellationToken.None));
        Assert.Equal(FleetErrorIds.WorktreePathInUse, ex.ErrorId);
        Assert.Equal("x", File.ReadAllText(Path.Combine(w.Path, "precious")));
    }

    [Fact]
    public async Task A_vanished_worktree_directory_is_pruned_and_made_again_on_its_branch_with_its_commits()
    {
        var (service, _, agent, w) = Setup();
        await service.EnsureAsync(agent, w, CancellationToken.None);
        _repo.Commit("agent's work", w.Path);
        var tip = GitRepo.GitIn(w.Path, "rev-parse", "HEAD");
        Directory.Delete(w.Path, true);

        var status = await service.EnsureAsync(agent, w, CancellationToken.None);

        Assert.Contains("pruned worktree entries", status);
        Assert.EndsWith($"created {w.Path} on existing branch fleet/acme/coder0", status);
        Assert.Equal(tip, GitRepo.GitIn(w.Path, "rev-parse", "HEAD"));
        Assert.Equal("refs/heads/main", _repo.Git("config", "branch.fleet/acme/coder0.mosaicBase"));
    }

    [Fact]
    public async Task Ensure_waits_for_the_repositorys_lock()
    {
        var (service, _, agent, w) = Setup();
        var lockFile = Path.Combine(_repo.Repository, ".git", "mosaic-fleet-worktree.lock");
        var ready = Path.Combine(_repo.Root, "locked");
        var release = Path.Combine(_repo.Root, "release");
        // Another starter holds the lock until the test lets it go.
        var holder = ProcessRunner.Instance.RunAsync(new CommandSpec(["flock", lockFile, "sh", "-c", "touch \"$0\"; while [ ! -e \"$1\" ]; do sleep 0.05; done", ready, release], TimeSpan.FromSeconds(60)), CancellationToken.None);
        while (!File.Exists(ready)) await Task.Delay(20);

        var ensure = service.EnsureAsync(agent, w, CancellationToken.None);
        await Task.Delay(1500);
        Assert.False(ensure.IsCompleted);
        Assert.False(Directory.Exists(w.Path));

        File.WriteAllText(release, "");
        await holder;
        Assert.StartsWith("created", await ensure);
    }

    [Fact]
    public async Task Several_agents_of_one_repository_made_at_once_all_get_their_worktree()
    {
        var names = Enumerable.Range(0, 5).Select(i => "coder" + i).ToArray();
        var roster = _repo.Roster(names.Select(n => (n, (FleetWorktreeSpec?)_repo.Spec(n))).ToArray());
        var service = new WorktreeService(new FleetContext(roster, _runner));
        var statuses = await Task.WhenAll(roster.Agents.Select(a =>
            service.EnsureAsync(a, WorktreeSpecs.Resolve(a.Worktree!, roster.Tenant, a.Name, "/x", null), CancellationToken.None)));
        Assert.All(statuses, s => Assert.StartsWith("created", s));
        foreach (var n in names) Assert.Equal($"fleet/acme/{n}", GitRepo.GitIn(_repo.Spec(n).Path!, "symbolic-ref", "--short", "HEAD"));
    }

    [Fact]
    public async Task Query_reads_every_agent_of_a_host_in_one_process()
    {
        var roster = _repo.Roster(("a1", _repo.Spec("a1")), ("a2", _repo.Spec("a2")), ("plain", null), ("gone", _repo.Spec("gone")));
        var context = new FleetContext(roster, _runner);
        var service = new WorktreeService(context);
        foreach (var a in roster.Agents.Take(2)) await service.EnsureAsync(a, WorktreeSpecs.Resolve(a.Worktree!, "acme", a.Name, "/x", null), CancellationToken.None);
        var a1 = _repo.Spec("a1").Path!;
        _repo.Commit("one", a1);
        _repo.Commit("two; with \"quotes\" and $HOME", a1);
        _repo.Commit("main moved on");
        File.WriteAllText(Path.Combine(a1, "README"), "changed\n");
        File.WriteAllText(Path.Combine(a1, "new 1"), "");
        File.WriteAllText(Path.Combine(a1, "new\n2"), "");
        _runner.Clear();

        var list = await service.QueryHostAsync("local", roster.Agents, CancellationToken.None);

        Assert.Single(_runner.Calls);
        Assert.Equal(["a1", "a2", "gone"], list.Select(w => w.Agent));
        var w1 = list[0];
        Assert.Equal(FleetWorktreeState.Present, w1.State);
        Assert.Equal(a1, w1.Path);
        Assert.Equal("fleet/acme/a1", w1.Branch);
        Assert.Equal("main", w1.Base);
        Assert.Equal((2, 1), (w1.Ahead!.Value, w1.Behind!.Value));
        Assert.Equal((1, 2), (w1.Uncommitted!.Value, w1.Untracked!.Value));
        Assert.Equal("two; with \"quotes\" and $HOME", w1.Subject);
        Assert.Equal(GitRepo.GitIn(a1, "rev-parse", "--short", "HEAD"), w1.Commit);
        Assert.NotNull(w1.LastCommit);
        // a2 made no commit; main moved on by one since its base.
        Assert.Equal((0, 1, 0, 0), (list[1].Ahead!.Value, list[1].Behind!.Value, list[1].Uncommitted!.Value, list[1].Untracked!.Value));
        Assert.Equal(FleetWorktreeState.Missing, list[2].State);
        Assert.Null(list[2].Ahead);
    }

    [Fact]
    public async Task Query_says_when_the_repository_is_gone_or_the_path_is_not_a_worktree()
    {
        var roster = _repo.Roster(("a1", _repo.Spec("a1")), ("a2", new FleetWorktreeSpec { Repository = Path.Combine(_repo.Root, "nope"), Path = Path.Combine(_repo.Root, "x") }));
        Directory.CreateDirectory(_repo.Spec("a1").Path!);
        File.WriteAllText(Path.Combine(_repo.Spec("a1").Path!, "f"), "");
        var list = await new WorktreeService(new FleetContext(roster, _runner)).QueryHostAsync("local", roster.Agents, CancellationToken.None);
        Assert.Equal(FleetWorktreeState.NotAWorktree, list[0].State);
        Assert.Equal(FleetWorktreeState.RepositoryMissing, list[1].State);
    }

    [Fact]
    public async Task Remove_refuses_changes_unless_forced_and_never_deletes_the_branch()
    {
        var (service, _, agent, w) = Setup();
        await service.EnsureAsync(agent, w, CancellationToken.None);
        _repo.Commit("agent's work", w.Path);
        var tip = GitRepo.GitIn(w.Path, "rev-parse", "HEAD");
        File.WriteAllText(Path.Combine(w.Path, "untracked"), "");

        var ex = await Assert.ThrowsAsync<LifecycleException>(() => service.RemoveAsync(agent, force: false, CancellationToken.None));
        Assert.Equal(FleetErrorIds.WorktreeHasChanges, ex.ErrorId);
        Assert.Contains("0 uncommitted and 1 untracked", ex.Message);
        Assert.True(File.Exists(Path.Combine(w.Path, "untracked")));

        var status = await service.RemoveAsync(agent, force: true, CancellationToken.None);
        Assert.Equal($"removed {w.Path} (branch fleet/acme/coder0 kept)", status);
        Assert.False(Directory.Exists(w.Path));
        Assert.Equal(tip, _repo.Git("rev-parse", "refs/heads/fleet/acme/coder0"));
        Assert.Equal($"absent {w.Path}: no worktree there; nothing to remove", await service.RemoveAsync(agent, force: false, CancellationToken.None));
        // Made again later: on the kept branch, with its commits.
        await service.EnsureAsync(agent, w, CancellationToken.None);
        Assert.Equal(tip, GitRepo.GitIn(w.Path, "rev-parse", "HEAD"));
    }

    [Fact]
    public async Task Remove_refuses_uncommitted_changes()
    {
        var (service, _, agent, w) = Setup();
        await service.EnsureAsync(agent, w, CancellationToken.None);
        File.WriteAllText(Path.Combine(w.Path, "README"), "changed\n");
        var ex = await Assert.ThrowsAsync<LifecycleException>(() => service.RemoveAsync(agent, force: false, CancellationToken.None));
        Assert.Equal(FleetErrorIds.WorktreeHasChanges, ex.ErrorId);
        Assert.Contains("1 uncommitted and 0 untracked", ex.Message);
        Assert.Equal("changed\n", File.ReadAllText(Path.Combine(w.Path, "README")));
    }

    /// <summary>An agent's worktree of a repository with a submodule (a second repository), checked out in it.</summary>
    private async Task<(WorktreeService Service, FleetAgentSpec Agent, ResolvedWorktree Worktree)> WorktreeWithSubmoduleAsync()
    {
        var sub = Path.Combine(_repo.Root, "sub repo");
        Directory.CreateDirectory(sub);
        GitRepo.GitIn(sub, "init", "-q", "-b", "main");
        _repo.Commit("sub first", sub);
        _repo.Git("submodule", "add", "-q", sub, "lib");
        _repo.Commit("add submodule");
        var (service, _, agent, w) = Setup();
        await service.EnsureAsync(agent, w, CancellationToken.None);
        GitRepo.GitIn(w.Path, "submodule", "update", "-q", "--init");
        return (service, agent, w);
    }

    [Fact]
    public async Task Remove_handles_a_clean_worktree_with_submodules()
    {
        var (service, agent, w) = await WorktreeWithSubmoduleAsync();
        Assert.True(File.Exists(Path.Combine(w.Path, "lib", ".git")));
        // git itself refuses this worktree without --force.
        var plain = GitRepo.Run(["git", "-C", _repo.Repository, "worktree", "remove", w.Path]);
        Assert.False(plain.Success);
        Assert.Contains("submodule", plain.Stderr);

        var status = await service.RemoveAsync(agent, force: false, CancellationToken.None);
        Assert.StartsWith("removed", status);
        Assert.False(Directory.Exists(w.Path));
    }

    [Fact]
    public async Task Remove_of_a_worktree_with_submodules_and_changes_still_refuses()
    {
        var (service, agent, w) = await WorktreeWithSubmoduleAsync();
        File.WriteAllText(Path.Combine(w.Path, "lib", "inside submodule"), "");
        var ex = await Assert.ThrowsAsync<LifecycleException>(() => service.RemoveAsync(agent, force: false, CancellationToken.None));
        Assert.Equal(FleetErrorIds.WorktreeHasChanges, ex.ErrorId);
        Assert.True(File.Exists(Path.Combine(w.Path, "lib", "inside submodule")));
    }
}
