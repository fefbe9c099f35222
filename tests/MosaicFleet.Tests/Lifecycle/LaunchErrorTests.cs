using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Tests.Lifecycle;

/// <summary>Fixes from the lifecycle review: tmux's ';' separator, per-agent failures, -WhatIf probing nothing.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class LaunchErrorTests
{
    [Theory]
    [InlineData("/w/semi;", "/w/semi\\;")]
    [InlineData("a\\;", "a\\\\;")]
    [InlineData(";", "\\;")]
    [InlineData("plain", "plain")]
    [InlineData("mid;dle", "mid;dle")]
    public void A_tmux_argument_ending_in_a_semicolon_is_escaped_so_tmux_reads_it_back_literally(string value, string word)
    {
        Assert.Equal(word, TmuxArgument.Literal(value));
    }

    [Fact]
    public async Task A_working_directory_and_a_runtime_command_ending_in_a_semicolon_reach_tmux_escaped_not_as_separators()
    {
        using var t = new TempFleet();
        var agent = new FleetAgentSpec { Name = "a", Runtime = "pi", WorkingDirectory = "/w/semi;", Command = "run it;" };
        var roster = TempFleet.Roster(agent);
        var runner = new FakeRunner();
        var builder = new LaunchBuilder(t.Context(roster, runner), t.Paths);
        var launch = await builder.BuildAsync(agent, builder.Programs(), CancellationToken.None);
        // The launch (ExecStartPre's script, after has-session and the worktree script) gets the escaped words as its
        // arguments, after the script and tmux.
        var start = launch.AgentExec("ExecStartPre", t.Paths)[2].Argv;
        Assert.Equal(SupervisionScripts.AgentPre, start[2]);
        Assert.DoesNotContain(start.Skip(3), a => a.EndsWith(';') && !a.EndsWith("\\;", StringComparison.Ordinal));
        Assert.Equal("/w/semi\\;", start[8]);
        Assert.EndsWith("exec run it\\;", start[10], StringComparison.Ordinal);
        // The env file (read by systemd) holds the same escaped words.
        var env = SystemdSyntax.ParseEnvFile(launch.EnvFileText);
        Assert.Equal("/w/semi\\;", env[UnitRenderer.EnvWorkdir]);
        Assert.EndsWith("exec run it\\;", env[UnitRenderer.EnvPaneCommand], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_agent_command_is_that_agents_InvalidRuntimeCommand_not_an_ArgumentException()
    {
        using var t = new TempFleet();
        var agent = new FleetAgentSpec { Name = "bad", Runtime = "pi", Command = "" };
        var builder = new LaunchBuilder(t.Context(TempFleet.Roster(agent), new FakeRunner()), t.Paths);
        var ex = await Assert.ThrowsAsync<LifecycleException>(() => builder.BuildAsync(agent, builder.Programs(), CancellationToken.None));
        Assert.Equal("InvalidRuntimeCommand", ex.ErrorId);
        Assert.Equal("bad", ex.Target);
        Assert.IsAssignableFrom<ArgumentException>(ex.InnerException);
    }

    [Fact]
    public async Task An_install_plan_reports_an_agent_it_cannot_render_and_plans_the_other_agents()
    {
        using var t = new TempFleet();
        var bad = new FleetAgentSpec { Name = "bad", Runtime = "pi", Command = " " };
        var good = new FleetAgentSpec { Name = "good", Runtime = "pi" };
        var builder = new LaunchBuilder(t.Context(TempFleet.Roster(bad, good), new FakeRunner()), t.Paths);
        var plan = await new UnitInstaller(builder, LocalHostFiles.Instance).PlanInstallAsync([bad, good], enable: true, CancellationToken.None);
        var failure = Assert.Single(plan.AgentFailures);
        Assert.Equal(("InvalidRuntimeCommand", "bad"), (failure.ErrorId, failure.Target));
        Assert.Equal(["good"], plan.Files.Where(f => f.Kind == PlannedFile.EnvKind).Select(f => f.Agent));
        Assert.Contains(plan.After, c => c.Units.Contains("mosaic-agent@good.service"));
        Assert.DoesNotContain(plan.After, c => c.Units.Contains("mosaic-agent@bad.service"));
    }

    [Fact]
    public async Task A_direct_start_that_cannot_write_the_env_file_is_that_agents_EnvFileWriteFailed()
    {
        using var t = new TempFleet();
        var agent = new FleetAgentSpec { Name = "a", Runtime = "pi", Environment = new Dictionary<string, string> { ["K"] = "v" } };
        var runner = new FakeRunner();
        var builder = new LaunchBuilder(t.Context(TempFleet.Roster(agent), runner), t.Paths);
        // The env file's path is a directory: the atomic write cannot replace it.
        Directory.CreateDirectory(t.Paths.EnvFile("a"));
        var control = new AgentControl(builder, LocalHostFiles.Instance);
        var ex = await Assert.ThrowsAsync<LifecycleException>(() => control.LaunchDirectAsync(agent, replace: false, [], CancellationToken.None));
        Assert.Equal((FleetErrorIds.EnvFileWriteFailed, "a"), (ex.ErrorId, ex.Target));
        Assert.True(ex.InnerException is IOException or UnauthorizedAccessException);
        Assert.Empty(runner.CallsOf("tmux"));
    }

    [Fact]
    public async Task Planning_with_no_external_probes_runs_no_npm_and_says_the_prefix_was_not_probed()
    {
        using var t = new TempFleet();
        var npmPrefix = Path.Combine(t.Root, "npm");
        Directory.CreateDirectory(Path.Combine(npmPrefix, "bin"));
        t.Env["MOSAIC_NPM"] = "npm-fake";
        var runner = new FakeRunner { AnswerArgv = a => a[0] == "npm-fake" ? (0, npmPrefix + "\n", "") : (1, "", "") };
        var agent = new FleetAgentSpec { Name = "a", Runtime = "pi" };
        var builder = new LaunchBuilder(t.Context(TempFleet.Roster(agent), runner), t.Paths);
        builder.Bins.NoExternalProbes = true;
        var plan = await new UnitInstaller(builder, LocalHostFiles.Instance).PlanInstallAsync([agent], enable: true, CancellationToken.None);
        Assert.Empty(runner.Calls);
        Assert.True(builder.Bins.NpmNotProbed);
        Assert.Contains(plan.SkippedProbes, p => p.Contains("npm prefix was not probed", StringComparison.Ordinal));
        // A real run asks npm (once) and puts its bin directory in the prefix.
        builder.Bins.NoExternalProbes = false;
        Assert.Contains(Path.Combine(npmPrefix, "bin"), await builder.Bins.ResolveAsync(agent, CancellationToken.None));
        Assert.Single(runner.Calls);
    }
}
