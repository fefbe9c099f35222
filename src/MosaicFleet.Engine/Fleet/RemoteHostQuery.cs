using System.Globalization;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Systemd;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Fleet;

/// <summary>What the remote query script reported: each command's own result, and the remote $HOME.</summary>
public sealed record RemoteHostReport(string Home, CommandResult ListPanes, CommandResult? SystemctlShow);

/// <summary>A remote host's list-panes and systemctl show in ONE ssh call: a constant POSIX sh script that takes its
/// data (a nonce, the tmux socket, the list-panes format, the unit names) only as positional arguments, and prints each
/// command's stdout, stderr and exit code between markers that carry the nonce (so no pane path can forge one, and
/// whatever a login script prints before them is ignored).</summary>
public static class RemoteHostQuery
{
    /// <summary>The script run as `sh -c SCRIPT sh NONCE SOCKET FORMAT UNIT...`. It never changes with the data, and it is
    /// one line (no newline inside the quoted command, which csh-family login shells would refuse).</summary>
    public static readonly string Script = string.Join(' ',
        "n=$1; s=$2; f=$3; shift 3;",
        "m=\"@@mosaic-fleet:$n\";",
        "printf '%s:home:%s\\n' \"$m\" \"$HOME\";",
        "printf '%s:list-panes\\n' \"$m\" >&2;",
        "tmux -u -L \"$s\" list-panes -a -F \"$f\" </dev/null;",
        "printf '%s:list-panes-exit:%s\\n' \"$m\" \"$?\";",
        "printf '%s:systemctl\\n' \"$m\" >&2;",
        "if [ \"$#\" -gt 0 ]; then",
        $"systemctl --user show -p {string.Join(',', Systemd.SystemctlShow.Properties)} -- \"$@\" </dev/null;",
        "printf '%s:systemctl-exit:%s\\n' \"$m\" \"$?\";",
        "fi;",
        "printf '%s:end\\n' \"$m\" >&2;",
        "printf '%s:end\\n' \"$m\"");

    /// <summary>The argv to run on the host (through <see cref="HostRunner"/>, which adds ssh).</summary>
    public static CommandSpec Command(string nonce, string socketName, IReadOnlyCollection<string> units, TimeSpan timeout)
        => new(["sh", "-c", Script, "sh", nonce, socketName, ListPanes.FormatFor(nonce), .. units], timeout);

    /// <summary>One nonce per call: it marks the script's sections and ends every list-panes record.</summary>
    public static string NewNonce() => ListPanes.NewNonce();

    /// <summary>Splits the script's output into the two commands' results. Null when the script did not run to its end
    /// (ssh failed, the connection dropped, or the remote shell could not run it): the caller reads <paramref name="result"/>.</summary>
    public static RemoteHostReport? Parse(CommandResult result, string nonce, TmuxCommand tmux, IReadOnlyCollection<string> units)
    {
        if (result.TimedOut || result.NotFound) return null;
        var m = "@@mosaic-fleet:" + nonce + ":";
        var stdout = result.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal);
        var stderr = result.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal);

        var homeAt = stdout.IndexOf(m + "home:", StringComparison.Ordinal);
        if (homeAt < 0) return null;
        var homeStart = homeAt + m.Length + "home:".Length;
        var homeEnd = stdout.IndexOf('\n', homeStart);
        if (homeEnd < 0) return null;
        var home = stdout[homeStart..homeEnd];

        var lpStart = homeEnd + 1;
        var lpExitAt = stdout.IndexOf(m + "list-panes-exit:", lpStart, StringComparison.Ordinal);
        if (lpExitAt < 0 || !TryReadCode(stdout, lpExitAt + m.Length + "list-panes-exit:".Length, out var lpCode, out var afterLp)) return null;
        var lpOut = stdout[lpStart..lpExitAt];

        string? scOut = null;
        var scCode = 0;
        var next = afterLp;
        if (units.Count > 0)
        {
            var scExitAt = stdout.IndexOf(m + "systemctl-exit:", afterLp, StringComparison.Ordinal);
            if (scExitAt < 0 || !TryReadCode(stdout, scExitAt + m.Length + "systemctl-exit:".Length, out scCode, out next)) return null;
            scOut = stdout[afterLp..scExitAt];
        }
        if (stdout.IndexOf(m + "end\n", next, StringComparison.Ordinal) < 0) return null;

        var lpErr = Section(stderr, m + "list-panes\n", m + "systemctl\n");
        var scErr = Section(stderr, m + "systemctl\n", m + "end\n");
        if (lpErr is null || scErr is null) return null;

        var listSpec = new CommandSpec(tmux.ListPanes(nonce), result.Spec.Timeout);
        var list = new CommandResult(listSpec, lpCode, lpOut, lpErr, false, false, result.Elapsed);
        CommandResult? show = null;
        if (scOut is not null)
        {
            var showSpec = new CommandSpec(["systemctl", .. Systemd.SystemctlShow.Arguments(units)], result.Spec.Timeout);
            show = new CommandResult(showSpec, scCode, scOut, scErr, false, false, result.Elapsed);
        }
        return new RemoteHostReport(home, list, show);
    }

    private static bool TryReadCode(string text, int start, out int code, out int next)
    {
        var end = text.IndexOf('\n', start);
        next = end + 1;
        code = 0;
        return end > start && int.TryParse(text.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out code);
    }

    private static string? Section(string text, string begin, string end)
    {
        var b = text.IndexOf(begin, StringComparison.Ordinal);
        if (b < 0) return null;
        b += begin.Length;
        var e = text.IndexOf(end, b, StringComparison.Ordinal);
        return e < 0 ? null : text[b..e];
    }
}
