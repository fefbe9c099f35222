using System.Collections.Concurrent;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Tests.Fleet;

/// <summary>FleetQuery with remote hosts, against a recording runner (no ssh is started).</summary>
public class FleetQueryRemoteTests
{
    /// <summary>Answers every ssh call with exit 255. The call for host "slow" waits until the call for host "fast"
    /// has started, so a query that visits hosts one after another would see "fast" start only after "slow" gave up.</summary>
    private sealed class GateRunner : IProcessRunner
    {
        private readonly TaskCompletionSource _fastStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ConcurrentQueue<IReadOnlyList<string>> Calls { get; } = new();
        public bool SlowSawFastStart { get; private set; }

        public async Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
        {
            Calls.Enqueue(spec.Argv);
            var target = spec.Argv[spec.Argv.Count - 2];
            if (target == "fast.example") _fastStarted.TrySetResult();
            if (target == "slow.example")
            {
                SlowSawFastStart = await Task.WhenAny(_fastStarted.Task, Task.Delay(TimeSpan.FromSeconds(20), cancellationToken)) == _fastStarted.Task;
            }
            return new CommandResult(spec, 255, "", $"ssh: connect to host {target} port 22: Connection refused\n", false, false, TimeSpan.Zero);
        }
    }

    private static FleetRoster Roster() => new()
    {
        Hosts = new Dictionary<string, FleetHostSpec>
        {
            ["slow"] = new() { Name = "slow", Ssh = "slow.example" },
            ["fast"] = new() { Name = "fast", Ssh = "fast.example" },
        },
        Runtimes = new Dictionary<string, FleetRuntime> { ["pi"] = new() { Name = "pi", PaneCommands = ["pi"] } },
    };

    [Fact]
    public async Task Hosts_AreQueriedInParallel_OneSshEach_AndEachFailureIsItsOwn()
    {
        var runner = new GateRunner();
        var ctx = new FleetContext(Roster(), runner, k => k == "HOME" ? "/home/me" : null);
        FleetAgentSpec A(string n, string h) => new() { Name = n, Runtime = "pi", Host = h };
        var snap = await new FleetQuery(ctx).GetAgentsAsync([A("s1", "slow"), A("s2", "slow"), A("f1", "fast")], CancellationToken.None);

        Assert.True(runner.SlowSawFastStart, "the second host's ssh started only after the first host's call ended");
        Assert.Equal(2, runner.Calls.Count);
        Assert.All(runner.Calls, c => Assert.Equal("ssh", c[0]));
        Assert.Equal(["fast", "slow"], snap.HostFailures.Select(f => f.Host).Order());
        Assert.All(snap.HostFailures, f => Assert.Equal(FleetErrorIds.FleetHostUnreachable, f.ErrorId));
        Assert.All(snap.Agents, a => Assert.Equal(FleetAgentStatus.Unreachable, a.Status));
        Assert.Contains("Connection refused", snap.HostFailures[0].Message);
    }

    [Fact]
    public async Task RemoteCommand_CarriesBothCommands_AndAskForUnitsByPattern()
    {
        var runner = new GateRunner();
        var ctx = new FleetContext(Roster(), runner, k => k == "HOME" ? "/home/me" : null);
        await new FleetQuery(ctx).GetAgentsAsync([new FleetAgentSpec { Name = "f1", Runtime = "pi", Host = "fast" }, new FleetAgentSpec { Name = "f2", Runtime = "pi", Host = "fast" }], CancellationToken.None);
        var remote = Assert.Single(runner.Calls)[^1];
        Assert.StartsWith("sh -c '", remote, StringComparison.Ordinal);
        Assert.Contains("tmux -u -L", remote, StringComparison.Ordinal);
        Assert.Contains("systemctl --user list-units --all --plain", remote, StringComparison.Ordinal);
        // One pattern, not one argument per agent: the command stays the same size for 500 agents.
        Assert.EndsWith(" " + PosixShell.Quote(Engine.Systemd.UnitStates.AgentPattern) + " " + PosixShell.Quote(Engine.Systemd.UnitStates.AgentFileGlob), remote, StringComparison.Ordinal);
    }
}
