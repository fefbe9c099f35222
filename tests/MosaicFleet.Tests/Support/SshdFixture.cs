using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Tests;

/// <summary>A private OpenSSH server on 127.0.0.1 (Debian's openssh-server, run as root in the foreground), with host and
/// user keys made here and a known_hosts written here. Port <see cref="Port"/> is a plain host; <see cref="BrokenTmuxPort"/>
/// puts a failing fake tmux first on the session PATH. Two throwaway users have fish and nologin as login shells.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SshdFixture : IDisposable
{
    private readonly Process? _sshd;
    private readonly List<string> _users = [];

    public SshdFixture()
    {
        if (!File.Exists("/usr/sbin/sshd")) throw new InvalidOperationException("/usr/sbin/sshd is missing: apt-get install openssh-server (.ci/run does).");
        if (Environment.UserName != "root") throw new InvalidOperationException("The sshd tests run sshd as root.");
        Directory = System.IO.Directory.CreateTempSubdirectory("mft-sshd-").FullName;
        File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        SshDir = Path.Combine(Directory, "sshd");
        Port = FreePort();
        BrokenTmuxPort = FreePort();
        DeadPort = FreePort();
        var script = Path.Combine(RepoRoot(), "tests", "fixtures", "sshd", "new-test-sshd.sh");
        Run(["sh", script, SshDir, Port.ToString(), BrokenTmuxPort.ToString()]);

        var fakeBin = Path.Combine(Directory, "broken-tmux-bin");
        System.IO.Directory.CreateDirectory(fakeBin);
        var fake = Path.Combine(fakeBin, "tmux");
        File.WriteAllText(fake, "#!/bin/sh\necho 'tmux: fake failure: protocol version mismatch' >&2\nexit 1\n");
        File.SetUnixFileMode(fake, (UnixFileMode)0x1ED); // 0755
        File.AppendAllText(Path.Combine(SshDir, "sshd_config"),
            $"Match LocalPort {BrokenTmuxPort}\n  SetEnv SHLVL=1 PATH={fakeBin}:/usr/local/bin:/usr/bin:/bin\n");

        try
        {
            FishUser = AddUser("mftfish", "/usr/bin/fish");
            NologinUser = AddUser("mftnolog", "/usr/sbin/nologin");

            _sshd = Process.Start(new ProcessStartInfo("/usr/sbin/sshd")
            {
                ArgumentList = { "-D", "-f", Path.Combine(SshDir, "sshd_config"), "-E", Path.Combine(SshDir, "sshd.log") },
                UseShellExecute = false,
                RedirectStandardInput = true,
            })!;
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (!Listening(Port) || !Listening(BrokenTmuxPort))
            {
                if (_sshd.HasExited) throw new InvalidOperationException($"sshd exited: {File.ReadAllText(Path.Combine(SshDir, "sshd.log"))}");
                if (DateTime.UtcNow > deadline) throw new InvalidOperationException("sshd did not listen within 15 s");
                Thread.Sleep(50);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        ControlDirectory = Path.Combine(Directory, "ctl");
        System.IO.Directory.CreateDirectory(ControlDirectory);
    }

    public string Directory { get; }
    public string SshDir { get; }
    public int Port { get; }
    public int BrokenTmuxPort { get; }
    /// <summary>A port nothing listens on.</summary>
    public int DeadPort { get; }
    public string ControlDirectory { get; }
    public string FishUser { get; }
    public string NologinUser { get; }
    public string IdentityFile => Path.Combine(SshDir, "user_ed25519");
    public string KnownHosts => Path.Combine(SshDir, "known_hosts");

    public FleetHostSpec HostSpec(string name, int? port = null, string user = "root", string? socket = null) => new()
    {
        Name = name,
        Ssh = $"{user}@127.0.0.1",
        Port = port ?? Port,
        IdentityFile = IdentityFile,
        KnownHostsFile = KnownHosts,
        Tmux = socket is null ? null : new FleetTmuxSettings { SocketName = socket },
    };

    public SshHost Host(string name = "h", int? port = null, string user = "root", bool multiplex = true)
        => new(HostSpec(name, port, user), multiplex ? ControlDirectory : null);

    public string Log => File.Exists(Path.Combine(SshDir, "sshd.log")) ? File.ReadAllText(Path.Combine(SshDir, "sshd.log")) : "";

    public void Dispose()
    {
        try { if (_sshd is { HasExited: false }) _sshd.Kill(entireProcessTree: true); _sshd?.WaitForExit(5000); } catch (InvalidOperationException) { }
        foreach (var u in _users) Run(["userdel", u], check: false);
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
    }

    private string AddUser(string prefix, string shell)
    {
        if (!File.Exists(shell)) throw new InvalidOperationException($"{shell} is missing (.ci/run installs fish).");
        var name = prefix + Guid.NewGuid().ToString("N")[..6];
        var home = Path.Combine(Directory, name);
        // '*' rather than the locked '!': sshd without PAM refuses locked accounts even for keys.
        Run(["useradd", "-M", "-d", home, "-s", shell, "-p", "*", name]);
        _users.Add(name);
        System.IO.Directory.CreateDirectory(home);
        Run(["chown", name, home]);
        return name;
    }

    private static void Run(string[] argv, bool check = true)
    {
        var r = ProcessRunner.Instance.RunAsync(new CommandSpec(argv, TimeSpan.FromSeconds(60)), CancellationToken.None).GetAwaiter().GetResult();
        if (check && !r.Success) throw new InvalidOperationException(r.Describe());
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static bool Listening(int port)
    {
        try
        {
            using var c = new TcpClient();
            c.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "MosaicFleet.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}

[CollectionDefinition(Name)]
public sealed class SshdCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd";
}
