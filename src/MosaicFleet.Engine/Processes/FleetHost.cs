namespace MosaicFleet.Engine.Processes;

/// <summary>Where a command runs. Every caller addresses commands to a host; the host decides how the argv travels
/// (local: as is; remote: wrapped in ssh with POSIX quoting). Adding a transport changes no caller.</summary>
public abstract class FleetHost
{
    public const string LocalName = "local";

    public abstract string Name { get; }

    public abstract bool IsLocal { get; }

    /// <summary>The argv that actually runs on this machine to run <paramref name="spec"/> on this host.</summary>
    public abstract CommandSpec Wrap(CommandSpec spec);

    public override string ToString() => Name;
}

/// <summary>This machine.</summary>
public sealed class LocalHost : FleetHost
{
    public static readonly LocalHost Instance = new();

    private LocalHost() { }

    public override string Name => LocalName;

    public override bool IsLocal => true;

    public override CommandSpec Wrap(CommandSpec spec) => spec;
}

/// <summary>A host reached with OpenSSH. The remote command is the argv POSIX-quoted by <see cref="PosixShell"/>;
/// stdin travels over ssh's stdin.</summary>
public sealed class SshHost : FleetHost
{
    private readonly FleetHostSpec _spec;
    private readonly string? _controlDirectory;

    public SshHost(FleetHostSpec spec, string? controlDirectory, int connectTimeoutSeconds = 5)
    {
        _spec = spec;
        _controlDirectory = controlDirectory;
        ConnectTimeoutSeconds = connectTimeoutSeconds;
    }

    public override string Name => _spec.Name;

    public override bool IsLocal => false;

    public int ConnectTimeoutSeconds { get; }

    public string SshProgram { get; init; } = "ssh";

    public override CommandSpec Wrap(CommandSpec spec)
    {
        var argv = new List<string>
        {
            SshProgram,
            "-o", "BatchMode=yes",
            "-o", $"ConnectTimeout={ConnectTimeoutSeconds}",
            "-o", "ServerAliveInterval=5",
            "-o", "ServerAliveCountMax=2",
        };
        if (_spec.Port is { } port) { argv.Add("-p"); argv.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture)); }
        if (_spec.IdentityFile is { } id) { argv.Add("-i"); argv.Add(id); argv.Add("-o"); argv.Add("IdentitiesOnly=yes"); }
        if (_spec.KnownHostsFile is { } kh) { argv.Add("-o"); argv.Add($"UserKnownHostsFile={kh}"); }
        if (_controlDirectory is not null)
        {
            argv.Add("-o"); argv.Add("ControlMaster=auto");
            argv.Add("-o"); argv.Add($"ControlPath={Path.Combine(_controlDirectory, "ssh-%C")}");
            argv.Add("-o"); argv.Add("ControlPersist=60");
        }
        foreach (var o in _spec.SshOptions) { argv.Add("-o"); argv.Add(o); }
        argv.Add("--");
        argv.Add(_spec.Ssh);
        argv.Add(PosixShell.Join(spec.Argv));
        return spec with { Argv = argv };
    }
}

/// <summary>Runs commands on hosts through one <see cref="IProcessRunner"/>.</summary>
public sealed class HostRunner(IProcessRunner runner)
{
    public IProcessRunner Runner { get; } = runner;

    /// <summary>Runs <paramref name="spec"/> on <paramref name="host"/>; the result names the command as the caller wrote it.</summary>
    public async Task<CommandResult> RunAsync(FleetHost host, CommandSpec spec, CancellationToken cancellationToken)
    {
        var result = await Runner.RunAsync(host.Wrap(spec), cancellationToken).ConfigureAwait(false);
        return result with { Spec = spec };
    }
}
