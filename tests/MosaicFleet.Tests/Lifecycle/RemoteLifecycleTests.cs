using System.Diagnostics;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Tests.Lifecycle;

/// <summary>Plays a remote host on this machine: an ssh argv is NOT run through ssh; its remote command (the last word,
/// quoted by <see cref="PosixShell"/>) runs under `/bin/sh -c` with only <see cref="Env"/>, stdin passed as is. So the
/// quoting, the scripts and their arguments are exercised for real; only the network is missing.
/// <see cref="Unreachable"/> answers like ssh failing to connect (exit 255).</summary>
internal sealed class LoopbackSshRunner : IProcessRunner
{
    public Dictionary<string, string> Env { get; } = new() { ["PATH"] = "/usr/bin:/bin" };

    public List<string[]> Calls { get; } = [];

    /// <summary>Remote commands (the last ssh word), in order.</summary>
    public List<string> RemoteCommands { get; } = [];

    public bool Unreachable { get; set; }

    /// <summary>Forgets the calls recorded so far.</summary>
    public void Clear()
    {
        lock (Calls)
        {
            Calls.Clear();
            RemoteCommands.Clear();
        }
    }

    /// <summary>A printf format a login script prints before the command runs (as a noisy ~/.bashrc would).</summary>
    public string? LoginNoise { get; set; }

    public async Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        lock (Calls) Calls.Add(spec.Argv.ToArray());
        if (spec.Argv[0] != "ssh") throw new InvalidOperationException("Only ssh calls are expected: " + spec.Display);
        if (Unreachable) return new CommandResult(spec, 255, "", "ssh: connect to host 127.0.0.1 port 1: Connection refused", false, false, TimeSpan.Zero);
        var remote = spec.Argv[^1];
        lock (Calls) RemoteCommands.Add(remote);
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(LoginNoise is null ? remote : $"printf {PosixShell.Quote(LoginNoise)}; {remote}");
        psi.Environment.Clear();
        foreach (var (k, v) in Env) psi.Environment[k] = v;
        psi.StandardInputEncoding = new System.Text.UTF8Encoding(false);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync(cancellationToken);
        var e = p.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            if (spec.Stdin is not null) await p.StandardInput.WriteAsync(spec.Stdin);
            p.StandardInput.Close();
        }
        catch (IOException)
        {
            // The script ended without reading all of stdin (as ssh would allow).
        }
        await p.WaitForExitAsync(cancellationToken);
        return new CommandResult(spec, p.ExitCode, await o, await e, false, false, TimeSpan.Zero);
    }
}

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class RemoteInstallTests : IDisposable
{
    private readonly TempFleet _local = new();
    private readonly TempFleet _remote = new();
    private readonly LoopbackSshRunner _runner = new();

    public void Dispose()
    {
        _local.Dispose();
        _remote.Dispose();
    }

    private FleetContext Context(params FleetAgentSpec[] agents)
    {
        var roster = TempFleet.Roster(agents);
        roster.Hosts = new Dictionary<string, FleetHostSpec>
        {
            ["far"] = new() { Name = "far", Ssh = "op@far", Tmux = new FleetTmuxSettings { SocketName = "far-sock", HolderSession = "_hold" } },
        };
        // The "remote" side: its own HOME, XDG_CONFIG_HOME, user and PATH (with a tmux of its own).
        _runner.Env["HOME"] = _remote.Home;
        _runner.Env["XDG_CONFIG_HOME"] = _remote.Config;
        _runner.Env["USER"] = "remoteop";
        _runner.Env["PATH"] = _remote.Bin + ":/usr/bin:/bin";
        return new FleetContext(roster, _runner, _local.Env.GetValueOrDefault);
    }

    [Fact]
    public void The_probe_reads_the_host_and_ignores_what_a_login_script_prints_first()
    {
        var stdout = "Welcome!\n" + RemoteHostProbe.Marker + "\nop\0/home/op\0\0/usr/bin/tmux\0/bin/sh\0/home/op/.npm\0\0";
        var p = RemoteHostProbe.Parse("far", stdout)!;
        Assert.Equal(("op", "/home/op", "/usr/bin/tmux", "/bin/sh", "/home/op/.npm"), (p.User, p.Home, p.Tmux, p.Sh, p.NpmPrefix));
        Assert.Equal("/home/op/.config", p.Paths.ConfigHome);
        Assert.Null(RemoteHostProbe.Parse("far", "no marker"));
        Assert.DoesNotContain('\n', RemoteHostProbe.Script);
    }

    [Fact]
    public async Task Installs_on_the_host_with_its_paths_programs_and_user_then_is_idempotent()
    {
        Directory.CreateDirectory(Path.Combine(_remote.Home, ".local", "bin"));
        Directory.CreateDirectory(Path.Combine(_local.Home, ".npm-global", "bin")); // local only: must not appear
        var agent = new FleetAgentSpec { Name = "far1", Runtime = "pi", Host = "far", WorkingDirectory = "~/src/my app" };
        var context = Context(agent);
        var setup = await HostLifecycle.ForHostAsync(context, "far", _local.Paths, CancellationToken.None);
        Assert.Equal(_remote.Config, setup.Builder.Paths.ConfigHome);
        var installer = new UnitInstaller(setup.Builder, setup.Files);
        var plan = await installer.PlanInstallAsync([agent], enable: true, CancellationToken.None);
        foreach (var f in plan.Files) installer.Apply(f);
        var remotePaths = new LifecyclePaths(_remote.Config);
        Assert.Equal([remotePaths.HolderUnit, remotePaths.AgentTemplate, remotePaths.EnvFile("far1"), remotePaths.AgentDropIn("far1")], plan.Files.Select(f => f.Path));
        Assert.All(plan.Files, f => Assert.True(File.Exists(f.Path)));
        Assert.False(Directory.Exists(_local.Config));
        Assert.Equal(AtomicFile.PrivateMode, File.GetUnixFileMode(remotePaths.EnvFile("far1")));
        // tmux found on the host's PATH, baked in as an absolute path; the socket is the host entry's.
        var holder = File.ReadAllText(remotePaths.HolderUnit);
        Assert.Contains(Path.Combine(_remote.Bin, "tmux"), holder);
        Assert.Contains("far-sock", holder);
        var env = File.ReadAllText(remotePaths.EnvFile("far1"));
        Assert.Contains(Path.Combine(_remote.Home, "src", "my app"), env);
        Assert.Contains(Path.Combine(_remote.Home, ".local", "bin"), env);
        Assert.DoesNotContain(".npm-global", env);
        Assert.Equal(
            ["systemctl --user enable --no-reload mosaic-tmux-holder.service mosaic-agent@far1.service", "systemctl --user daemon-reload", "loginctl enable-linger remoteop"],
            plan.After.Select(c => c.Display));

        var again = await new UnitInstaller(setup.Builder, setup.Files).PlanInstallAsync([agent], enable: false, CancellationToken.None);
        Assert.All(again.Files, f => Assert.Equal(UnitFileAction.Unchanged, f.Action));
        Assert.Empty(again.After);

        // The commands run on the host, through the same transport.
        _runner.RemoteCommands.Clear();
        await installer.RunAsync(plan.After[1], CancellationToken.None);
        Assert.Equal("systemctl --user daemon-reload", Assert.Single(_runner.RemoteCommands));
    }

    [Fact]
    public async Task Uninstall_on_the_host_removes_only_its_own_files()
    {
        var agent = new FleetAgentSpec { Name = "far1", Runtime = "pi", Host = "far" };
        var context = Context(agent);
        var setup = await HostLifecycle.ForHostAsync(context, "far", _local.Paths, CancellationToken.None);
        var installer = new UnitInstaller(setup.Builder, setup.Files);
        foreach (var f in (await installer.PlanInstallAsync([agent], false, CancellationToken.None)).Files) installer.Apply(f);
        var paths = new LifecyclePaths(_remote.Config);
        var foreign = Path.Combine(paths.EnvDirectory, "hand.env");
        File.WriteAllText(foreign, "X=1\n");
        var plan = installer.PlanUninstall();
        Assert.Equal(["systemctl --user disable --now --no-reload mosaic-agent@far1.service mosaic-tmux-holder.service"], plan.Before.Select(c => c.Display));
        foreach (var f in plan.Files) Assert.True(installer.Apply(f));
        Assert.True(File.Exists(foreign));
        Assert.False(File.Exists(paths.HolderUnit));
        Assert.False(File.Exists(paths.EnvFile("far1")));
    }

    [Fact]
    public async Task A_direct_start_runs_every_line_on_the_host_with_its_tmux_and_writes_the_env_file_there()
    {
        var agent = new FleetAgentSpec { Name = "far1", Runtime = "pi", Host = "far", Environment = new Dictionary<string, string> { ["API_KEY"] = "k" } };
        var context = Context(agent);
        var setup = await HostLifecycle.ForHostAsync(context, "far", _local.Paths, CancellationToken.None);
        var control = new AgentControl(setup.Builder, setup.Files);
        _runner.Clear();
        _runner.RemoteCommands.Clear();
        var notes = new List<string>();
        await control.LaunchDirectAsync(agent, replace: false, notes, CancellationToken.None);
        Assert.All(_runner.Calls, c => Assert.Equal("ssh", c[0]));
        var remoteTmux = PosixShell.Quote(Path.Combine(_remote.Bin, "tmux"));
        // The holder's ExecStart, then the agent's ExecStartPre (has-session) and ExecStart (new-session), on the host.
        var launches = _runner.RemoteCommands.Where(c => c.Contains(remoteTmux, StringComparison.Ordinal)).ToList();
        Assert.Equal(3, launches.Count);
        Assert.Contains("has-session", launches[1]);
        Assert.Contains("new-session", launches[2]);
        Assert.Contains("far-sock", launches[2]);
        Assert.True(File.Exists(new LifecyclePaths(_remote.Config).EnvFile("far1")));
        Assert.False(Directory.Exists(_local.Config));
    }

    [Fact]
    public async Task An_unreachable_host_fails_the_setup_with_the_unreachable_id()
    {
        var context = Context();
        _runner.Unreachable = true;
        var ex = await Assert.ThrowsAsync<FleetHostException>(() => HostLifecycle.ForHostAsync(context, "far", _local.Paths, CancellationToken.None));
        Assert.Equal((FleetErrorIds.FleetHostUnreachable, "far"), (ex.ErrorId, ex.Host));
    }
}
