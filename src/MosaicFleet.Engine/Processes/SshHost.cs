namespace MosaicFleet.Engine.Processes;

/// <summary>A host reached with OpenSSH. The remote command is the argv quoted by <see cref="PosixShell"/> (read the same
/// by sh, bash, dash, zsh and fish, whichever is the remote login shell); stdin travels over ssh's stdin (no tty is
/// requested and the ~ escape is off, so bytes pass unchanged). ConnectTimeout bounds the handshake, ServerAliveInterval x ServerAliveCountMax
/// a connection that stops answering, and the <see cref="CommandSpec.Timeout"/> of the runner bounds the whole call.
/// ssh exits with 255 when it fails itself (<see cref="SshFailureExitCode"/>); any other code is the remote command's.</summary>
public sealed class SshHost : FleetHost
{
    /// <summary>The exit code ssh uses for its own failures (connection, authentication, host key).</summary>
    public const int SshFailureExitCode = 255;

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

    public FleetHostSpec Spec => _spec;

    public int ConnectTimeoutSeconds { get; }

    /// <summary>Seconds between keep-alive probes; <see cref="ServerAliveCountMax"/> unanswered probes end the connection.</summary>
    public int ServerAliveIntervalSeconds { get; init; } = 5;

    public int ServerAliveCountMax { get; init; } = 2;

    public string SshProgram { get; init; } = "ssh";

    /// <summary>This machine's home, for a '~' in identityFile and knownHostsFile (they are local paths).</summary>
    public string? LocalHome { get; init; }

    public override CommandSpec Wrap(CommandSpec spec)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var argv = new List<string>
        {
            SshProgram,
            "-T",
            "-o", "BatchMode=yes",
            "-o", "EscapeChar=none",
            "-o", $"ConnectTimeout={ConnectTimeoutSeconds.ToString(inv)}",
            "-o", $"ServerAliveInterval={ServerAliveIntervalSeconds.ToString(inv)}",
            "-o", $"ServerAliveCountMax={ServerAliveCountMax.ToString(inv)}",
        };
        if (_spec.Port is { } port) { argv.Add("-p"); argv.Add(port.ToString(inv)); }
        if (_spec.IdentityFile is { } id) { argv.Add("-i"); argv.Add(LocalPath(id)); argv.Add("-o"); argv.Add("IdentitiesOnly=yes"); }
        if (_spec.KnownHostsFile is { } kh) { argv.Add("-o"); argv.Add($"UserKnownHostsFile={ConfigPath(LocalPath(kh))}"); }
        if (_controlDirectory is not null)
        {
            argv.Add("-o"); argv.Add("ControlMaster=auto");
            argv.Add("-o"); argv.Add($"ControlPath={ConfigValue(Path.Combine(_controlDirectory.Replace("%", "%%", StringComparison.Ordinal), "ssh-%C"))}");
            argv.Add("-o"); argv.Add("ControlPersist=60");
        }
        foreach (var o in _spec.SshOptions) { argv.Add("-o"); argv.Add(o); }
        argv.Add("--");
        argv.Add(_spec.Ssh);
        argv.Add(PosixShell.Join(spec.Argv));
        return spec with { Argv = argv };
    }

    private string LocalPath(string path) => LocalHome is null ? path : Roster.RosterLocator.ExpandHome(path, LocalHome);

    private static bool NeedsConfigQuotes(string value) => value.Any(c => char.IsWhiteSpace(c) || c is '"' or '\\' or '\'');

    // An ssh -o value is split like a config line: whitespace separates, "..." groups; '%' starts a token.
    private static string ConfigPath(string path) => ConfigValue(path.Replace("%", "%%", StringComparison.Ordinal));

    private static string ConfigValue(string value)
        => NeedsConfigQuotes(value)
            ? "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""
            : value;
}
