using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Systemd;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Tests.Systemd;

/// <summary>list-units parsing (output captured from a real systemd 252 user manager), the rule for units the manager does
/// not hold, and the unit-file scan, in-process and in the remote script.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UnitStatesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mft-us-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    [Fact]
    public void ParseList_ReadsCapturedOutput_WithTheJobColumnOfAnActivatingUnit()
    {
        var units = UnitStates.ParseList(Fixture("list-units-agents.txt"));
        Assert.Equal(5, units.Count);
        Assert.Equal("active/exited", units["mosaic-agent@coder0.service"].Display);
        Assert.Equal("inactive/dead", units["mosaic-agent@enabled0.service"].Display);
        Assert.Equal("failed/failed", units["mosaic-agent@fail0.service"].Display);
        Assert.Equal(new UnitState("mosaic-agent@slow0.service", "loaded", "activating", "start"), units["mosaic-agent@slow0.service"]);
    }

    [Fact]
    public void ParseList_AMaskedLoadedUnit_ShowsMasked()
    {
        var units = UnitStates.ParseList(Fixture("list-units-masked.txt"));
        Assert.Equal("masked", units["mosaic-agent@enabled1.service"].LoadState);
        Assert.Equal("masked", units["mosaic-agent@enabled1.service"].Display);
    }

    [Fact]
    public void ParseList_SkipsStatusMarks_BlankAndShortLines()
    {
        var units = UnitStates.ParseList("● a@x.service masked inactive dead a@x.service\r\n  b@y.service loaded active running B\n\nnot a unit line\n0 loaded units listed.\n");
        Assert.Equal(["a@x.service", "b@y.service"], units.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("active/running", units["b@y.service"].Display);
        Assert.Empty(UnitStates.ParseList(""));
    }

    [Fact]
    public void Arguments_AskForAllUnitsOfAPatternInOneCall()
        => Assert.Equal(["--user", "list-units", "--all", "--plain", "--no-legend", "--full", "--no-pager", "--", "mosaic-agent@*"],
            UnitStates.ListArguments(UnitStates.AgentPattern));

    [Theory]
    [InlineData("mosaic-agent@coder-0.service", "mosaic-agent@.service")]
    [InlineData("a@b.c@d.timer", "a@.timer")]
    [InlineData("plain.service", null)]
    [InlineData("@x.service", null)]
    [InlineData("a@.service", null)]
    public void TemplateOf(string unit, string? template) => Assert.Equal(template, UnitStates.TemplateOf(unit));

    [Fact]
    public void Complete_MissingUnits_AreInactiveWithATemplate_MaskedWhenMasked_NotFoundOtherwise()
    {
        var listed = UnitStates.ParseList("x@run.service loaded active running X\nx@bad.service loaded failed failed X\n");
        var files = new Dictionary<string, UnitFileKind>
        {
            ["x@.service"] = UnitFileKind.File,
            ["x@masked.service"] = UnitFileKind.Masked,
            ["y@.service"] = UnitFileKind.Masked,
            ["z@own.service"] = UnitFileKind.File,
        };
        var all = UnitStates.Complete(listed, ["x@run.service", "x@bad.service", "x@gone.service", "x@masked.service", "y@a.service", "z@own.service", "z@other.service", "w.service"],
            n => files.GetValueOrDefault(n, UnitFileKind.None));
        Assert.Equal("active/running", all["x@run.service"].Display);
        Assert.Equal("failed/failed", all["x@bad.service"].Display);
        Assert.Equal(new UnitState("x@gone.service", "loaded", "inactive", "dead"), all["x@gone.service"]);
        Assert.Equal("masked", all["x@masked.service"].Display);
        Assert.Equal("masked", all["y@a.service"].Display);
        Assert.Equal("inactive/dead", all["z@own.service"].Display);
        Assert.Equal("not-found", all["z@other.service"].Display);
        Assert.Equal("not-found", all["w.service"].Display);
    }

    [Fact]
    public void Display_AMaskedUnitThatStillRuns_SaysItRuns()
        => Assert.Equal("active/running", new UnitState("u.service", "masked", "active", "running").Display);

    [Fact]
    public void SearchPath_FollowsSystemdsUserOrder_AndSystemdUnitPath()
    {
        var env = new Dictionary<string, string?> { ["HOME"] = "/h", ["XDG_RUNTIME_DIR"] = "/r", ["XDG_CONFIG_DIRS"] = "/c1:/c2" };
        var path = UnitFileIndex.SearchPath(k => env.GetValueOrDefault(k));
        Assert.Equal([
            "/h/.config/systemd/user.control", "/r/systemd/user.control", "/r/systemd/transient", "/r/systemd/generator.early",
            "/h/.config/systemd/user", "/c1/systemd/user", "/c2/systemd/user", "/etc/systemd/user", "/r/systemd/user",
            "/run/systemd/user", "/r/systemd/generator", "/h/.local/share/systemd/user", "/usr/local/share/systemd/user",
            "/usr/share/systemd/user", "/usr/local/lib/systemd/user", "/usr/lib/systemd/user", "/lib/systemd/user",
            "/r/systemd/generator.late"], path);
        env["SYSTEMD_UNIT_PATH"] = "/only";
        Assert.Equal(["/only"], UnitFileIndex.SearchPath(k => env.GetValueOrDefault(k)));
        env["SYSTEMD_UNIT_PATH"] = "/first:";
        Assert.Equal("/first", UnitFileIndex.SearchPath(k => env.GetValueOrDefault(k))[0]);
        Assert.Equal(19, UnitFileIndex.SearchPath(k => env.GetValueOrDefault(k)).Count);
    }

    /// <summary>Two unit directories: a mask in the first hides a file in the second; an empty file is a mask too;
    /// a dangling link and files of other names do not count.</summary>
    private (string Home, string Runtime, Dictionary<string, string?> Env) MakeUnitDirs()
    {
        var home = Path.Combine(_dir, "home dir");
        var runtime = Path.Combine(_dir, "run");
        var config = Path.Combine(home, ".config", "systemd", "user");
        var runtimeUnits = Path.Combine(runtime, "systemd", "user");
        Directory.CreateDirectory(config);
        Directory.CreateDirectory(runtimeUnits);
        File.WriteAllText(Path.Combine(runtimeUnits, "mosaic-agent@.service"), "[Service]\nExecStart=/bin/true\n");
        File.WriteAllText(Path.Combine(runtimeUnits, "mosaic-agent@a.service"), "[Service]\nExecStart=/bin/true\n");
        File.CreateSymbolicLink(Path.Combine(config, "mosaic-agent@a.service"), "/dev/null");
        File.WriteAllText(Path.Combine(config, "mosaic-agent@empty.service"), "");
        File.CreateSymbolicLink(Path.Combine(config, "mosaic-agent@dangling.service"), Path.Combine(_dir, "nowhere"));
        File.WriteAllText(Path.Combine(config, "other@.service"), "[Service]\nExecStart=/bin/true\n");
        var env = new Dictionary<string, string?> { ["HOME"] = home, ["XDG_RUNTIME_DIR"] = runtime, ["XDG_DATA_DIRS"] = Path.Combine(_dir, "nodata") };
        return (home, runtime, env);
    }

    [Fact]
    public void ScanLocal_FirstDirectoryWins_MasksAreLinksToDevNullOrEmptyFiles()
    {
        var (_, _, env) = MakeUnitDirs();
        var index = UnitFileIndex.ScanLocal(UnitFileIndex.SearchPath(k => env.GetValueOrDefault(k)), UnitStates.AgentFileGlob);
        Assert.Equal(UnitFileKind.Masked, index.Kind("mosaic-agent@a.service"));
        Assert.Equal(UnitFileKind.Masked, index.Kind("mosaic-agent@empty.service"));
        Assert.Equal(UnitFileKind.File, index.Kind("mosaic-agent@.service"));
        Assert.Equal(UnitFileKind.None, index.Kind("mosaic-agent@dangling.service"));
        Assert.Equal(UnitFileKind.None, index.Kind("other@.service"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("fish")]
    [InlineData("tcsh")]
    public async Task RemoteScript_FindsTheSameUnitFilesAsTheLocalScan(string? loginShell)
    {
        if (loginShell is not null) Assert.True(ShellHarness.Which(loginShell) is not null, $"{loginShell} is not installed (.ci/run installs it)");
        var (home, runtime, env) = MakeUnitDirs();
        var shims = Path.Combine(_dir, "shims");
        Directory.CreateDirectory(shims);
        var fake = Path.Combine(shims, "systemctl");
        File.WriteAllText(fake, "#!/bin/sh\nprintf '%s\\n' \"$*\" > \"$HOME/systemctl-args\"\nprintf 'mosaic-agent@b.service loaded active running B\\n'\n");
        File.SetUnixFileMode(fake, (UnixFileMode)0x1C0);
        var nonce = RemoteHostQuery.NewNonce();
        var socket = "mft-us-" + Guid.NewGuid().ToString("N")[..8];
        var spec = RemoteHostQuery.Command(nonce, socket, UnitStates.AgentPattern, TimeSpan.FromSeconds(20));
        string[] envArgs = ["env", "-u", "XDG_CONFIG_HOME", "-u", "XDG_DATA_HOME", "-u", "XDG_CONFIG_DIRS", "-u", "SYSTEMD_UNIT_PATH",
            $"HOME={home}", $"XDG_RUNTIME_DIR={runtime}", $"XDG_DATA_DIRS={env["XDG_DATA_DIRS"]}", $"PATH={shims}:{Environment.GetEnvironmentVariable("PATH")}"];
        IReadOnlyList<string> argv = loginShell is null ? [.. envArgs, .. spec.Argv] : [.. envArgs, loginShell, "-c", PosixShell.Join(spec.Argv)];
        var r = await ShellHarness.RunAsync(argv);
        var report = RemoteHostQuery.Parse(r with { Spec = spec }, nonce, new TmuxCommand(socket), UnitStates.AgentPattern);
        Assert.NotNull(report);
        Assert.Equal("--user list-units --all --plain --no-legend --full --no-pager -- mosaic-agent@*", File.ReadAllText(Path.Combine(home, "systemctl-args")).Trim());
        Assert.True(report.ListUnits!.Success);
        var local = UnitFileIndex.ScanLocal(UnitFileIndex.SearchPath(k => env.GetValueOrDefault(k)), UnitStates.AgentFileGlob);
        Assert.Equal(local.Entries.OrderBy(e => e.Key, StringComparer.Ordinal), report.UnitFiles!.Entries.OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Equal(3, report.UnitFiles.Entries.Count);
    }

    [Fact]
    public void ParseRemote_FirstLineForANameWins_OddLinesIgnored()
    {
        var index = UnitFileIndex.ParseRemote("M a@x.service\nF a@x.service\nF a@.service\nX b\n\nFa\n");
        Assert.Equal(UnitFileKind.Masked, index.Kind("a@x.service"));
        Assert.Equal(UnitFileKind.File, index.Kind("a@.service"));
        Assert.Equal(2, index.Entries.Count);
    }
}
