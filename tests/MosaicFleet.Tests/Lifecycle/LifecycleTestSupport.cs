using System.Diagnostics;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Tests.Lifecycle;

/// <summary>A temp directory with a fake home and XDG config, removed on dispose.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class TempFleet : IDisposable
{
    public TempFleet()
    {
        Root = Path.Combine(Path.GetTempPath(), "mft-x-" + Guid.NewGuid().ToString("N")[..10]);
        Home = Path.Combine(Root, "home");
        Config = Path.Combine(Root, "cfg");
        Bin = Path.Combine(Root, "bin");
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(Bin);
        // Programs the installer resolves to absolute paths.
        foreach (var p in new[] { "tmux" })
        {
            var f = Path.Combine(Bin, p);
            File.WriteAllText(f, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        Env = new Dictionary<string, string?>
        {
            ["HOME"] = Home,
            ["XDG_CONFIG_HOME"] = Config,
            ["PATH"] = Bin,
            ["USER"] = "fleetop",
        };
    }

    public string Root { get; }
    public string Home { get; }
    public string Config { get; }
    public string Bin { get; }
    public Dictionary<string, string?> Env { get; }

    public LifecyclePaths Paths => new(Config);

    public FleetContext Context(FleetRoster roster, IProcessRunner runner) => new(roster, runner, k => Env.GetValueOrDefault(k));

    public static FleetRoster Roster(params FleetAgentSpec[] agents)
    {
        var runtimes = Engine.Roster.BuiltInRuntimes.Create();
        return new FleetRoster { Path = "/dev/null/roster.yaml", Runtimes = runtimes, Agents = agents, Tmux = new FleetTmuxSettings { SocketName = "sock", HolderSession = "_holder" } };
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

internal static class Sh
{
    /// <summary>Runs /bin/sh -c script with exactly the given environment; returns stdout.</summary>
    public static string Run(string script, IDictionary<string, string>? env = null, params string[] args)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/bin:/bin";
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"sh exited {p.ExitCode}: {err}");
        return output;
    }
}
