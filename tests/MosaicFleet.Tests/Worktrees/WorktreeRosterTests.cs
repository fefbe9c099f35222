using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Worktrees;
using MosaicFleet.Tests.Lifecycle;

namespace MosaicFleet.Tests.Worktrees;

/// <summary>The roster's worktree block, its defaults, and how the launch and the unit use it.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WorktreeRosterTests
{
    private const string RosterPath = "/tmp/roster.yaml";

    private static FleetRoster Parse(string yaml) => RosterLoader.Parse(yaml, RosterPath);

    [Fact]
    public void Agent_keys_override_the_defaults_key_by_key_and_an_agent_without_a_block_gets_the_defaults()
    {
        var roster = Parse("""
            version: 1
            tenant: acme
            defaults:
              workingDirectory: ~/src
              worktree: { repository: ~/src/app, base: main }
            agents:
              - { name: a1, runtime: pi }
              - { name: a2, runtime: pi, worktree: { repository: /srv/other, branch: "work/{agent}" } }
              - { name: a3, runtime: pi, worktree: { path: "trees/{tenant}-{agent}" } }
              - { name: a4, runtime: pi, worktree: null }
              - { name: a5, runtime: pi, worktree: ~ }
            """);
        Assert.Null(roster.Agents[3].Worktree);
        Assert.Null(roster.Agents[4].Worktree);
        Assert.Equal("~/src", roster.Agents[3].WorkingDirectory);
        var (a1, a2, a3) = (roster.Agents[0].Worktree!, roster.Agents[1].Worktree!, roster.Agents[2].Worktree!);
        Assert.Equal(("~/src/app", null, "main", null), (a1.Repository, a1.Branch, a1.Base, a1.Path));
        Assert.Equal(("/srv/other", "work/{agent}", "main"), (a2.Repository, a2.Branch, a2.Base));
        Assert.Equal(("~/src/app", "trees/{tenant}-{agent}"), (a3.Repository, a3.Path));

        var r1 = WorktreeSpecs.Resolve(a1, "acme", "a1", "/home/op", null);
        Assert.Equal(new ResolvedWorktree("/home/op/src/app", "fleet/acme/a1", "main", "/home/op/.local/share/mosaic/fleet/worktrees/acme/a1"), r1);
        Assert.Equal("/data/mosaic/fleet/worktrees/acme/a1", WorktreeSpecs.Resolve(a1, "acme", "a1", "/home/op", "/data").Path);
        Assert.Equal("/home/op/.local/share/mosaic/fleet/worktrees/acme/a1", WorktreeSpecs.Resolve(a1, "acme", "a1", "/home/op", "relative").Path);
        Assert.Equal("work/a2", WorktreeSpecs.Resolve(a2, "acme", "a2", "/home/op", null).Branch);
        Assert.Equal("/home/op/trees/acme-a3", WorktreeSpecs.Resolve(a3, "acme", "a3", "/home/op", null).Path);
    }

    [Theory]
    [InlineData("defaults: { worktree: { repository: /r, path: /trees/shared } }", "path /trees/shared is also agent 'a1'")]
    [InlineData("defaults: { worktree: { repository: /r, branch: work } }", "branch work of /r is also agent 'a1'")]
    public void Two_agents_that_would_share_a_worktree_are_a_roster_error_at_the_second(string defaults, string expected)
    {
        var ex = Assert.Throws<RosterException>(() => Parse($"version: 1\n{defaults}\nagents:\n  - {{ name: a1, runtime: pi }}\n  - {{ name: a2, runtime: pi }}\n"));
        Assert.Contains(expected, ex.Message);
        Assert.Equal(5, ex.Line);
        // Per-agent placeholders do not clash.
        Parse("version: 1\ndefaults: { worktree: { repository: /r, path: '/trees/{agent}', branch: 'w/{agent}' } }\nagents: [ { name: a1, runtime: pi }, { name: a2, runtime: pi } ]\n");
    }

    [Fact]
    public async Task The_worktree_wins_over_workingDirectory_in_the_launch()
    {
        var roster = Parse("""
            version: 1
            agents:
              - { name: a1, runtime: pi, workingDirectory: /somewhere/else, worktree: { repository: /srv/repo, path: "/srv/trees/x;" } }
              - { name: a2, runtime: pi, workingDirectory: /somewhere/else }
            """);
        var t = new TempFleet();
        var context = new FleetContext(roster, new FakeRunner(), t.Env.GetValueOrDefault);
        var builder = new LaunchBuilder(context, new LifecyclePaths(t.Config));
        var launch = await builder.BuildAsync(roster.Agents[0], new LaunchPrograms("/usr/bin/tmux", "/bin/sh"), CancellationToken.None);
        var env = launch.EnvironmentMap;
        // tmux gets its escaped word; the worktree script the path itself.
        Assert.Equal("/srv/trees/x\\;", env[UnitRenderer.EnvWorkdir]);
        Assert.Equal("/srv/trees/x;", env[UnitRenderer.EnvWorktreePath]);
        Assert.Equal("/srv/repo", env[UnitRenderer.EnvWorktreeRepository]);
        Assert.Equal("fleet/local/a1", env[UnitRenderer.EnvWorktreeBranch]);
        Assert.Equal("/srv/trees/x;", context.WorkingDirectoryOf(roster.Agents[0]));
        Assert.Equal("/somewhere/else", builder.WorkingDirectory(roster.Agents[1]));
        var plain = await builder.BuildAsync(roster.Agents[1], new LaunchPrograms("/usr/bin/tmux", "/bin/sh"), CancellationToken.None);
        Assert.Equal("", plain.EnvironmentMap[UnitRenderer.EnvWorktreeRepository]);
    }

    [Theory]
    [InlineData("defaults: { worktree: { branch: x } }\nagents: []", "Missing required key 'repository'")]
    [InlineData("agents: [ { name: a, runtime: pi, worktree: { repository: /r, branch: '-x' } } ]", "cannot start with '-'")]
    [InlineData("agents: [ { name: a, runtime: pi, worktree: { repository: /r, branch: 'a..b' } } ]", "'..'")]
    [InlineData("agents: [ { name: a, runtime: pi, worktree: { repository: /r, branch: 'x.lock' } } ]", ".lock")]
    [InlineData("agents: [ { name: a, runtime: pi, worktree: { repository: /r, base: '--all' } } ]", "cannot start with '-'")]
    [InlineData("agents: [ { name: a, runtime: pi, worktree: { repository: /r, brnch: x } } ]", "Did you mean 'branch'")]
    [InlineData("agents: [ { name: a, runtime: pi, worktree: /r } ]", "must be a mapping")]
    [InlineData("tenant: 'my team'\nagents: [ { name: a, runtime: pi, worktree: { repository: /r } } ]", "fleet/my team/a")]
    public void Bad_worktree_settings_are_roster_errors_with_a_position(string body, string expected)
    {
        var ex = Assert.Throws<RosterException>(() => Parse("version: 1\n" + body));
        Assert.Contains(expected, ex.Message);
        Assert.True(ex.Line >= 2);
    }

    [Fact]
    public async Task The_units_ExecStartPre_runs_the_worktree_script_with_the_agents_values_for_real()
    {
        using var repo = new GitRepo();
        var treePath = Path.Combine(repo.Root, "tree with 'quote' $x; and %i");
        var roster = repo.Roster(("coder0", new FleetWorktreeSpec { Repository = repo.Repository, Path = treePath }), ("plain", null));
        var t = new TempFleet();
        var context = new FleetContext(roster, new FakeRunner(), t.Env.GetValueOrDefault);
        var builder = new LaunchBuilder(context, new LifecyclePaths(t.Config));
        foreach (var agent in roster.Agents)
        {
            var launch = await builder.BuildAsync(agent, new LaunchPrograms("/usr/bin/tmux", "/bin/sh"), CancellationToken.None);
            // The unit text as systemd reads it (quoting, $$ and %%), resolved for this agent, then run.
            var line = launch.AgentExec("ExecStartPre", builder.Paths).Single(l => l.Argv.Contains(WorktreeScripts.ArgZero));
            var result = GitRepo.Run(line.Argv);
            Assert.True(result.Success, result.Describe());
            Assert.Equal(agent.Worktree is null ? "" : $"created {treePath} on new branch fleet/acme/coder0 from refs/heads/main", result.Stdout.Trim());
        }
        Assert.Equal("fleet/acme/coder0", GitRepo.GitIn(treePath, "symbolic-ref", "--short", "HEAD"));
    }

    [Fact]
    public async Task The_sh_path_rules_match_the_engines()
    {
        using var repo = new GitRepo();
        var home = Path.Combine(repo.Root, "home dir");
        Directory.CreateDirectory(home);
        foreach (var (path, xdg) in new (string?, string?)[] { (null, null), (null, Path.Combine(repo.Root, "data")), (null, "not/absolute"), ("~", null), ("~/t {agent}", null), ("rel/{tenant}", null), ("/abs/{agent}", null) })
        {
            var spec = new FleetWorktreeSpec { Repository = "~/../my repo", Path = path };
            var roster = repo.Roster(("a1", spec));
            roster.Hosts = new Dictionary<string, FleetHostSpec> { ["far"] = new() { Name = "far", Ssh = "op@far" } };
            roster.Agents[0].Host = "far";
            var runner = new LoopbackSshRunner();
            runner.Env["HOME"] = home;
            if (xdg is not null) runner.Env["XDG_DATA_HOME"] = xdg;
            var list = await new WorktreeService(new FleetContext(roster, runner)).QueryHostAsync("far", roster.Agents, CancellationToken.None);
            var expected = WorktreeSpecs.Resolve(spec, "acme", "a1", home, xdg);
            Assert.Equal(expected.Path, list[0].Path);
            Assert.Equal(expected.Repository, list[0].Repository);
            Assert.Equal(FleetWorktreeState.Missing, list[0].State);
        }
    }

    [Fact]
    public async Task A_remote_hosts_agents_are_made_and_read_over_one_ssh_call_each()
    {
        using var repo = new GitRepo();
        var names = new[] { "r0", "r1", "r2" };
        var roster = repo.Roster(names.Select(n => (n, (FleetWorktreeSpec?)new FleetWorktreeSpec { Repository = "~/../my repo", Path = "trees/{agent} x" })).ToArray());
        roster.Hosts = new Dictionary<string, FleetHostSpec> { ["far"] = new() { Name = "far", Ssh = "op@far" } };
        foreach (var a in roster.Agents) a.Host = "far";
        var home = Path.Combine(repo.Root, "far home");
        Directory.CreateDirectory(home);
        var runner = new LoopbackSshRunner();
        runner.Env["HOME"] = home;
        var service = new WorktreeService(new FleetContext(roster, runner));
        foreach (var a in roster.Agents) await service.EnsureAsync(a, WorktreeSpecs.Resolve(a.Worktree!, "acme", a.Name, home, null), CancellationToken.None);
        runner.Clear();

        var list = await service.QueryHostAsync("far", roster.Agents, CancellationToken.None);

        Assert.Single(runner.Calls);
        Assert.Equal("ssh", runner.Calls[0][0]);
        Assert.Equal(names, list.Select(w => w.Agent));
        Assert.All(list, w => Assert.Equal((FleetWorktreeState.Present, "far"), (w.State, w.Host)));
        Assert.Equal(Path.Combine(home, "trees/r1 x"), list[1].Path);
    }
}
