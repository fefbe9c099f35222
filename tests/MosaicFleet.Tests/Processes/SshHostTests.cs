using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Tests.Processes;

public class SshHostTests
{
    private static FleetHostSpec Spec() => new()
    {
        Name = "dragon",
        Ssh = "ops@dragon-lin.lan",
        Port = 2222,
        IdentityFile = "~/.ssh/fleet_ed25519",
        KnownHostsFile = "/etc/mosaic known/hosts",
        SshOptions = ["Compression=yes"],
    };

    [Fact]
    public void Wrap_BuildsOneSshArgvWithTimeoutsKeepAliveNoTtyAndTheQuotedCommandLast()
    {
        var host = new SshHost(Spec(), "/run/user/1000/mosaic-fleet") { LocalHome = "/home/me" };
        var spec = new CommandSpec(["tmux", "-L", "sock", "send-keys", "-t", "%3", "it's"], TimeSpan.FromSeconds(7), "stdin text");
        var w = host.Wrap(spec);
        var a = w.Argv;
        Assert.Equal("ssh", a[0]);
        Assert.Contains("-T", a);
        foreach (var o in new[] { "BatchMode=yes", "EscapeChar=none", "ConnectTimeout=5", "ServerAliveInterval=5", "ServerAliveCountMax=2",
                     "IdentitiesOnly=yes", "ControlMaster=auto", "ControlPersist=60", "Compression=yes",
                     "ControlPath=/run/user/1000/mosaic-fleet/ssh-%C", "UserKnownHostsFile=\"/etc/mosaic known/hosts\"" })
        {
            var i = a.ToList().IndexOf(o);
            Assert.True(i > 0 && a[i - 1] == "-o", $"missing -o {o} in {string.Join(' ', a)}");
        }
        Assert.Equal("/home/me/.ssh/fleet_ed25519", a[a.ToList().IndexOf("-i") + 1]);
        Assert.Equal("2222", a[a.ToList().IndexOf("-p") + 1]);
        Assert.Equal(["--", "ops@dragon-lin.lan", "tmux -L sock send-keys -t '%3' 'it'\\''s'"], a.TakeLast(3));
        Assert.Equal("stdin text", w.Stdin);
        Assert.Equal(TimeSpan.FromSeconds(7), w.Timeout);
    }

    [Fact]
    public void Wrap_WithoutRuntimeDirectory_DoesNotMultiplex()
    {
        var a = new SshHost(new FleetHostSpec { Name = "h", Ssh = "h" }, null).Wrap(CommandSpec.Of("true")).Argv;
        Assert.DoesNotContain(a, x => x.StartsWith("Control", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(255, false, false, true)]
    [InlineData(0, false, false, false)]
    [InlineData(1, false, false, false)]
    [InlineData(127, false, false, false)]
    [InlineData(-1, true, false, true)]
    [InlineData(127, false, true, true)]
    public void Unreached_on_a_remote_host_is_255_timeout_or_no_ssh(int exit, bool timedOut, bool notFound, bool expected)
    {
        var r = new CommandResult(CommandSpec.Of("x"), exit, "", "", timedOut, notFound, TimeSpan.Zero);
        Assert.Equal(expected, r.Unreached(remote: true));
    }

    [Theory]
    [InlineData(255, false, false, false)]
    [InlineData(0, false, false, false)]
    [InlineData(1, false, false, false)]
    [InlineData(-1, true, false, true)]
    [InlineData(127, false, true, true)]
    public void Unreached_here_is_a_missing_program_or_a_timeout(int exit, bool timedOut, bool notFound, bool expected)
    {
        var r = new CommandResult(CommandSpec.Of("x"), exit, "", "", timedOut, notFound, TimeSpan.Zero);
        Assert.Equal(expected, r.Unreached(remote: false));
        Assert.Equal(expected, r.Unreached(LocalHost.Instance));
    }

    [Fact]
    public void Context_GivesRemoteHostsThePlainTmuxAndSystemctlAndTheirOwnSocket()
    {
        var roster = new FleetRoster
        {
            Hosts = new Dictionary<string, FleetHostSpec> { ["r"] = new() { Name = "r", Ssh = "r", Tmux = new FleetTmuxSettings { SocketName = "remote-sock" } } },
            Runtimes = new Dictionary<string, FleetRuntime>(),
        };
        var env = new Dictionary<string, string> { ["MOSAIC_TMUX"] = "/opt/tmux", ["MOSAIC_SYSTEMCTL"] = "/opt/systemctl", ["HOME"] = "/home/me" };
        var ctx = new FleetContext(roster, getEnv: k => env.GetValueOrDefault(k));
        Assert.Equal("/opt/tmux", ctx.TmuxProgramOn("local"));
        Assert.Equal("tmux", ctx.TmuxProgramOn("r"));
        Assert.Equal("systemctl", ctx.SystemctlProgramOn("r"));
        Assert.Equal("remote-sock", ctx.TmuxFor("r").SocketName);
        Assert.Equal(["tmux", "-u", "-L", "remote-sock", "list-panes"], ctx.TmuxFor("r").ListPanes("n").Take(5));
        Assert.Equal(["/opt/tmux", "-u", "-L", "mosaic-factory", "list-panes"], ctx.TmuxFor("local").ListPanes("n").Take(5));
        Assert.IsType<SshHost>(ctx.HostOf("r"));
        Assert.Same(LocalHost.Instance, ctx.HostOf("local"));
    }
}
