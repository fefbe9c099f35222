using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Lifecycle;

namespace MosaicFleet.Tests.Lifecycle;

/// <summary>Fixes from the lifecycle review: tmux's ';' separator, per-agent failures, -WhatIf probing nothing.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class LifecycleReviewTests
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
        var runner = new LifecycleRecordingRunner();
        var builder = new LaunchBuilder(t.Context(roster, runner), t.Paths);
        var launch = await builder.BuildAsync(agent, builder.Programs(), CancellationToken.None);
        var start = launch.AgentExec("ExecStart", t.Paths).Single().Argv;
        // Exactly one ';' separator word: the one before set-option.
        Assert.Single(start, a => a.EndsWith(';') && !a.EndsWith("\\;", StringComparison.Ordinal));
        Assert.Equal("/w/semi\\;", start[start.ToList().IndexOf("-c") + 1]);
        Assert.EndsWith("exec run it\\;", start[start.ToList().LastIndexOf("-c") + 1], StringComparison.Ordinal);
        // The env file (read by systemd) holds the same escaped words.
        var env = SystemdSyntax.ParseEnvFile(launch.EnvFileText);
        Assert.Equal("/w/semi\\;", env[UnitRenderer.EnvWorkdir]);
        Assert.EndsWith("exec run it\\;", env[UnitRenderer.EnvPaneCommand], StringComparison.Ordinal);
    }
}
