using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>Reads a <see cref="RemoteHostProfile"/> with ONE constant sh script (no data in it; it prints NUL-terminated
/// fields after a marker line, so whatever a login script prints first is ignored).</summary>
public static class RemoteHostProbe
{
    public const string Marker = "@@mosaic-fleet-profile@@";

    /// <summary>One line, no '!', the same for every host.</summary>
    public static readonly string Script = string.Join(' ',
        "u=${USER:-${LOGNAME:-}}; [ -n \"$u\" ] || u=$(id -un 2>/dev/null);",
        "t=$(command -v tmux 2>/dev/null) || t=;",
        "if [ -x /bin/sh ]; then s=/bin/sh; else s=$(command -v sh 2>/dev/null) || s=; fi;",
        "n=; if command -v npm >/dev/null 2>&1; then n=$(npm config get prefix 2>/dev/null </dev/null) || n=; fi;",
        $"printf '%s\\n' '{Marker}';",
        "printf '%s\\0' \"$u\" \"$HOME\" \"${XDG_CONFIG_HOME:-}\" \"$t\" \"$s\" \"$n\" \"${MOSAIC_RUNTIME_BIN:-}\" \"${XDG_DATA_HOME:-}\"");

    public static CommandSpec Command(TimeSpan timeout) => new(["sh", "-c", Script, "mosaic-probe"], timeout + TimeSpan.FromSeconds(20));

    /// <summary>The profile, or null when the output is not the script's.</summary>
    public static RemoteHostProfile? Parse(string hostName, string stdout)
    {
        var at = stdout.IndexOf(Marker + "\n", StringComparison.Ordinal);
        if (at < 0) return null;
        var fields = stdout[(at + Marker.Length + 1)..].Split('\0');
        if (fields.Length < 8) return null;
        var home = fields[1].TrimEnd('\n');
        if (home.Length == 0 || home[0] != '/') return null;
        return new RemoteHostProfile(hostName, fields[0], home, NonEmpty(fields[2]), Absolute(fields[3]), Absolute(fields[4]), Absolute(fields[5].TrimEnd('\n')), NonEmpty(fields[6]),
            fields.Length > 8 ? Absolute(fields[7]) : null);
    }

    public static async Task<RemoteHostProfile> ReadAsync(FleetContext context, string hostName, CancellationToken ct)
    {
        var result = await context.Runner.RunAsync(context.HostOf(hostName), Command(context.CommandTimeout), ct).ConfigureAwait(false);
        if (result.Unreached(remote: true))
        {
            var why = result.TimedOut ? $"no answer within {result.Spec.Timeout.TotalSeconds:0.#} s" : result.NotFound ? "ssh was not found" : result.Stderr.Trim();
            throw new FleetHostException(hostName, FleetErrorIds.FleetHostUnreachable, $"Cannot reach host {hostName}: {why}");
        }
        var profile = result.Success ? Parse(hostName, result.Stdout) : null;
        if (profile is null)
            throw new FleetHostException(hostName, FleetErrorIds.FleetHostCommandFailed, $"The remote shell on {hostName} did not run the lifecycle probe: {result.Describe()}");
        context.RecordHome(hostName, profile.Home);
        return profile;
    }

    private static string? NonEmpty(string s) => s.Length == 0 ? null : s;

    private static string? Absolute(string s) => s.Length > 0 && s[0] == '/' ? s : null;
}
