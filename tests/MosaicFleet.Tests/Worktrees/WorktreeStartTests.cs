using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Worktrees;
using MosaicFleet.Tests.Lifecycle;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Tests.Worktrees;

/// <summary>Start and Restart make the worktree before systemd (or the direct launch) starts the agent, so a failure is
/// the agent's own error with its own id and nothing is started.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WorktreeStartTests : IDisposable
{
    private readonly GitRepo _repo = new();
    private readonly TempFleet _t = new();

    public void Dispose()
    {
        _t.Dispose();
        _repo.Dispose();
    }

    private async Task<(AgentControl Control, AgentState State, FakeRunner Runner)> SetupAsync(string? branch = null)
    {
        var agent = new FleetAgentSpec { Name = "coder0", Runtime = "pi", Worktree = _repo.Spec("coder0", branch) };
        var roster = TempFleet.Roster(agent);
        // sh (the worktree script, on a real git repository) runs for real; tmux and systemctl are answered as the
        // lifecycle tests answer them (no panes, the agent's unit loaded and inactive).
        var runner = new FakeRunner(spec => spec.Argv[0] == "sh" ? null : FakeRunner.Ok(spec, spec.Argv is ["systemctl", "--user", "show", ..]
            ? string.Concat(spec.Argv.Where(a => a.EndsWith(".service", StringComparison.Ordinal)).Select(u => $"Id={u}\nLoadState=loaded\nActiveState=inactive\nSubState=dead\n\n"))
            : ""), ProcessRunner.Instance);
        var builder = new LaunchBuilder(_t.Context(roster, runner), _t.Paths);
        var installer = new UnitInstaller(builder, LocalHostFiles.Instance);
        foreach (var f in (await installer.PlanInstallAsync(roster.Agents, false, CancellationToken.None)).Files) installer.Apply(f);
        var control = new AgentControl(builder, LocalHostFiles.Instance);
        var state = (await control.ReadAsync(roster.Agents, CancellationToken.None)).Single();
        runner.Clear();
        return (control, state, runner);
    }

    [Fact]
    public async Task Start_through_systemd_makes_the_worktree_first()
    {
        var (control, state, runner) = await SetupAsync();
        Assert.Equal(LifecycleMode.Systemd, AgentControl.ModeFor(state, direct: false));

        var notes = await control.StartAsync(state, LifecycleMode.Systemd, CancellationToken.None);

        Assert.Equal(2, runner.Calls.Count);
        Assert.Equal(["sh", "-c", WorktreeScripts.Ensure, WorktreeScripts.ArgZero], runner.Calls[0][..4]);
        Assert.Equal(["systemctl", "--user", "start", "mosaic-agent@coder0.service"], runner.Calls[1]);
        var path = _repo.Spec("coder0").Path!;
        Assert.Contains($"Worktree of coder0: created {path} on new branch fleet/local/coder0 from refs/heads/main", notes);
        Assert.Equal("fleet/local/coder0", GitRepo.GitIn(path, "symbolic-ref", "--short", "HEAD"));
        // The installed env file hands the unit's ExecStartPre the same worktree.
        var env = SystemdSyntax.ParseEnvFile(File.ReadAllText(_t.Paths.EnvFile("coder0")));
        Assert.Equal((_repo.Repository, "fleet/local/coder0", path), (env[UnitRenderer.EnvWorktreeRepository], env[UnitRenderer.EnvWorktreeBranch], env[UnitRenderer.EnvWorktreePath]));
    }

    [Fact]
    public async Task A_worktree_failure_is_the_agents_error_and_systemd_is_not_asked()
    {
        _repo.Git("branch", "taken");
        _repo.Git("worktree", "add", Path.Combine(_repo.Root, "elsewhere"), "taken");
        var (control, state, runner) = await SetupAsync(branch: "taken");

        var ex = await Assert.ThrowsAsync<LifecycleException>(() => control.StartAsync(state, LifecycleMode.Systemd, CancellationToken.None));

        Assert.Equal(FleetErrorIds.WorktreeBranchInUse, ex.ErrorId);
        Assert.Equal("coder0", ex.Target);
        Assert.DoesNotContain(runner.Calls, c => c[0] == "systemctl");
        await Assert.ThrowsAsync<LifecycleException>(() => control.RestartAsync(state, LifecycleMode.Direct, CancellationToken.None));
        Assert.DoesNotContain(runner.Calls, c => c.Contains("new-session"));
    }
}
