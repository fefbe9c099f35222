using MosaicFleet.Engine.Fleet;

namespace MosaicFleet.Tests.Fleet;

/// <summary>Test-FleetHost's probe script (run by sh for real) and its verdicts.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostCheckTests
{
    private static Dictionary<string, string> Good() => new()
    {
        ["user"] = "ops", ["tmux"] = "tmux 3.3a", ["systemd"] = "systemd 252 (252.38-1~deb12u1)", ["manager"] = "running",
        ["linger"] = "yes", ["git"] = "git version 2.39.5", ["sh"] = "/usr/bin/sh",
    };

    [Fact]
    public void A_host_with_everything_is_ready_with_no_problems()
    {
        var c = HostCheck.Judge("far", Good());
        Assert.True(c.Ready);
        Assert.Empty(c.Problems);
        Assert.Equal(["tmux", "systemd", "user manager", "linger", "git", "sh"], c.Checks.Select(x => x.Name));
        Assert.All(c.Checks, x => Assert.True(x.Passed));
        Assert.All(c.Checks, x => Assert.Null(x.Remedy));
        Assert.Equal("ops", c.User);
        Assert.True(c.Linger);
    }

    [Theory]
    [InlineData("tmux", "tmux 3.1c", "Upgrade tmux on far to 3.2")]
    [InlineData("tmux", "", "Install tmux 3.2 or newer on far")]
    [InlineData("tmux", "tmux next-3.4", null)]
    [InlineData("systemd", "systemd 235 (235)", "Upgrade systemd on far to 236")]
    [InlineData("systemd", "", "No systemctl on far")]
    [InlineData("manager", "offline", "No systemd user manager answers for ops on far ('offline')")]
    [InlineData("manager", "degraded", null)]
    [InlineData("manager", "", "('no answer')")]
    [InlineData("linger", "no", "loginctl enable-linger ops")]
    [InlineData("git", "git version 2.19.1", "Upgrade git on far to 2.20")]
    [InlineData("git", "", "Install git 2.20")]
    [InlineData("sh", "", "No sh on the PATH on far")]
    public void Each_failure_says_what_to_do(string key, string value, string? remedy)
    {
        var v = Good();
        v[key] = value;
        var c = HostCheck.Judge("far", v);
        if (remedy is null)
        {
            Assert.True(c.Ready, string.Join("; ", c.Problems));
            return;
        }
        Assert.False(c.Ready);
        var p = Assert.Single(c.Problems);
        Assert.Contains(remedy, p, StringComparison.Ordinal);
        Assert.Single(c.Checks, x => !x.Passed);
    }

    [Theory]
    [InlineData("3.3", "3.2", true)]
    [InlineData("3.2", "3.2", true)]
    [InlineData("3.10", "3.2", true)]
    [InlineData("2.9", "3.2", false)]
    [InlineData("2.39.5", "2.20", true)]
    [InlineData("2.19.9", "2.20", false)]
    public void Versions_compare_as_numbers(string found, string minimum, bool ok) => Assert.Equal(ok, HostCheck.AtLeast(found, minimum));

    [Fact]
    public async Task The_script_reports_every_value_and_runs_the_programs_it_is_given()
    {
        var dir = Directory.CreateTempSubdirectory("mft-hc-").FullName;
        try
        {
            var tmux = Path.Combine(dir, "faketmux");
            var ctl = Path.Combine(dir, "fake ctl");
            File.WriteAllText(tmux, "#!/bin/sh\necho 'tmux 2.9'\n");
            File.WriteAllText(ctl, "#!/bin/sh\ncase \"$1\" in --version) echo 'systemd 999 (+X)'; echo more;; --user) echo offline; exit 1;; esac\n");
            File.SetUnixFileMode(tmux, (UnixFileMode)0x1C0);
            File.SetUnixFileMode(ctl, (UnixFileMode)0x1C0);
            var spec = HostCheck.Command(tmux, ctl, TimeSpan.FromSeconds(20));
            Assert.DoesNotContain('\n', spec.Argv[2]);
            var r = await ShellHarness.RunAsync(["env", "LOGIN_NOISE=1", .. spec.Argv]);
            Assert.True(r.Success, r.Describe());
            var v = HostCheck.Parse("motd line\n" + r.Stdout);
            Assert.NotNull(v);
            Assert.Equal("tmux 2.9", v["tmux"]);
            Assert.Equal("systemd 999 (+X)", v["systemd"]);
            Assert.Equal("offline", v["manager"]);
            Assert.Equal(Environment.UserName, v["user"]);
            Assert.StartsWith("/", v["sh"]);
            Assert.Contains(v["linger"], new[] { "yes", "no" });
            var c = HostCheck.Judge("local", v);
            Assert.False(c.Ready);
            Assert.Contains(c.Problems, p => p.StartsWith("Upgrade tmux to 3.2", StringComparison.Ordinal));
            Assert.Null(HostCheck.Parse(r.Stdout.Replace("@@mosaic-host-check:end", "", StringComparison.Ordinal)));
        }
        finally { Directory.Delete(dir, true); }
    }
}
