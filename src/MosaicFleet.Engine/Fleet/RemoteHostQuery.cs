using System.Globalization;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Systemd;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Fleet;

/// <summary>What the remote query script reported: each command's own result, the unit files it found, and the remote $HOME.</summary>
public sealed record RemoteHostReport(string Home, CommandResult ListPanes, CommandResult? ListUnits, UnitFileIndex? UnitFiles);

/// <summary>A remote host's list-panes and unit states in ONE ssh call: a constant POSIX sh script that takes its
/// data (a nonce, the tmux socket, the list-panes format, the unit pattern and file glob) only as positional arguments.
/// The unit states are <c>systemctl --user list-units</c> for the pattern plus the agent unit files of the host's user
/// unit search path (<see cref="UnitStates"/>'s rule for units the manager does not hold). It prints each
/// command's stdout, stderr and exit code between markers that carry the nonce (so no pane path can forge one, and
/// whatever a login script prints before them is ignored).</summary>
public static class RemoteHostQuery
{
    /// <summary>The script run as `sh -c SCRIPT sh NONCE SOCKET FORMAT [PATTERN GLOB]`. It never changes with the data,
    /// and it is one line (no newline inside the quoted command, which csh-family login shells would refuse). The unit
    /// file scan (function k, directories in systemd's user search order) uses only sh builtins: no process per unit.</summary>
    public static readonly string Script = string.Join(' ',
        "n=$1; s=$2; f=$3; shift 3;",
        "m=\"@@mosaic-fleet:$n\";",
        "printf '%s:home:%s\\n' \"$m\" \"$HOME\";",
        "printf '%s:list-panes\\n' \"$m\" >&2;",
        "tmux -u -L \"$s\" list-panes -a -F \"$f\" </dev/null;",
        "printf '%s:list-panes-exit:%s\\n' \"$m\" \"$?\";",
        "printf '%s:systemctl\\n' \"$m\" >&2;",
        "if [ \"$#\" -gt 0 ]; then",
        "systemctl --user list-units --all --plain --no-legend --full --no-pager -- \"$1\" </dev/null;",
        "printf '%s:systemctl-exit:%s\\n' \"$m\" \"$?\";",
        "g=$2; h=${HOME:-/}; c=${XDG_CONFIG_HOME:-$h/.config}; r=${XDG_RUNTIME_DIR:-}; d=${XDG_DATA_HOME:-$h/.local/share}; o=$IFS;",
        "k() { for x in \"$1\"/$g; do if [ -c \"$x\" ] || { [ -f \"$x\" ] && [ ! -s \"$x\" ]; }; then printf 'M %s\\n' \"${x##*/}\"; elif [ -f \"$x\" ]; then printf 'F %s\\n' \"${x##*/}\"; fi; done; };",
        "u=${SYSTEMD_UNIT_PATH:-}; if [ -n \"$u\" ]; then IFS=:; for x in $u; do IFS=$o; [ -n \"$x\" ] && k \"$x\"; done; IFS=$o; fi;",
        "case $u in ''|*:)",
        "k \"$c/systemd/user.control\"; if [ -n \"$r\" ]; then k \"$r/systemd/user.control\"; k \"$r/systemd/transient\"; k \"$r/systemd/generator.early\"; fi;",
        "k \"$c/systemd/user\"; IFS=:; for x in ${XDG_CONFIG_DIRS:-/etc/xdg}; do IFS=$o; k \"$x/systemd/user\"; done; IFS=$o;",
        "k /etc/systemd/user; if [ -n \"$r\" ]; then k \"$r/systemd/user\"; fi; k /run/systemd/user; if [ -n \"$r\" ]; then k \"$r/systemd/generator\"; fi;",
        "k \"$d/systemd/user\"; IFS=:; for x in ${XDG_DATA_DIRS:-/usr/local/share:/usr/share}; do IFS=$o; k \"$x/systemd/user\"; done; IFS=$o;",
        "k /usr/local/lib/systemd/user; k /usr/lib/systemd/user; k /lib/systemd/user; if [ -n \"$r\" ]; then k \"$r/systemd/generator.late\"; fi;;",
        "esac;",
        "printf '%s:unit-files-end\\n' \"$m\";",
        "fi;",
        "printf '%s:end\\n' \"$m\" >&2;",
        "printf '%s:end\\n' \"$m\"");

    /// <summary>The argv to run on the host (through <see cref="HostRunner"/>, which adds ssh). With
    /// <paramref name="unitPattern"/> null, no unit is asked about.</summary>
    public static CommandSpec Command(string nonce, string socketName, string? unitPattern, TimeSpan timeout)
        => new(unitPattern is null
            ? ["sh", "-c", Script, "sh", nonce, socketName, ListPanes.FormatFor(nonce)]
            : ["sh", "-c", Script, "sh", nonce, socketName, ListPanes.FormatFor(nonce), unitPattern, UnitStates.AgentFileGlob], timeout);

    /// <summary>One nonce per call: it marks the script's sections and ends every list-panes record.</summary>
    public static string NewNonce() => ListPanes.NewNonce();

    /// <summary>Splits the script's output into the two commands' results. Null when the script did not run to its end
    /// (ssh failed, the connection dropped, or the remote shell could not run it): the caller reads <paramref name="result"/>.</summary>
    public static RemoteHostReport? Parse(CommandResult result, string nonce, TmuxCommand tmux, string? unitPattern)
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
        UnitFileIndex? unitFiles = null;
        var scCode = 0;
        var next = afterLp;
        if (unitPattern is not null)
        {
            var scExitAt = stdout.IndexOf(m + "systemctl-exit:", afterLp, StringComparison.Ordinal);
            if (scExitAt < 0 || !TryReadCode(stdout, scExitAt + m.Length + "systemctl-exit:".Length, out scCode, out var afterSc)) return null;
            scOut = stdout[afterLp..scExitAt];
            var filesEnd = stdout.IndexOf(m + "unit-files-end\n", afterSc, StringComparison.Ordinal);
            if (filesEnd < 0) return null;
            unitFiles = UnitFileIndex.ParseRemote(stdout[afterSc..filesEnd]);
            next = filesEnd + m.Length + "unit-files-end\n".Length;
        }
        if (stdout.IndexOf(m + "end\n", next, StringComparison.Ordinal) < 0) return null;

        var lpErr = Section(stderr, m + "list-panes\n", m + "systemctl\n");
        var scErr = Section(stderr, m + "systemctl\n", m + "end\n");
        if (lpErr is null || scErr is null) return null;

        var listSpec = new CommandSpec(tmux.ListPanes(nonce), result.Spec.Timeout);
        var list = new CommandResult(listSpec, lpCode, lpOut, lpErr, false, false, result.Elapsed);
        CommandResult? units = null;
        if (scOut is not null)
        {
            var listUnitsSpec = new CommandSpec(["systemctl", .. UnitStates.ListArguments(unitPattern!)], result.Spec.Timeout);
            units = new CommandResult(listUnitsSpec, scCode, scOut, scErr, false, false, result.Elapsed);
        }
        return new RemoteHostReport(home, list, units, unitFiles);
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
