using System.Globalization;
using System.Text.RegularExpressions;
using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Engine.Fleet;

/// <summary>Test-FleetHost's probe: ONE process per host (one ssh call for a remote host) running a constant sh script
/// that prints key=value lines: the user, `tmux -V`, `systemctl --version`, `systemctl --user is-system-running`, the
/// linger file, `git --version` and `command -v sh`. The programs to ask are positional arguments (here: $MOSAIC_TMUX /
/// $MOSAIC_SYSTEMCTL; on a remote host: tmux and systemctl from its PATH).</summary>
public static partial class HostCheck
{
    public const string MinimumTmux = "3.2";
    /// <summary>%E in EnvironmentFile= (the agent template) needs systemd 236.</summary>
    public const int MinimumSystemd = 236;
    public const string MinimumGit = "2.20";

    public static readonly string Script = string.Join(' ',
        "t=$1; c=$2; m=@@mosaic-host-check;",
        "u=$(id -un 2>/dev/null); printf '%s:user=%s\\n' \"$m\" \"$u\";",
        "printf '%s:tmux=%s\\n' \"$m\" \"$(\"$t\" -V 2>/dev/null </dev/null)\";",
        "printf '%s:systemd=%s\\n' \"$m\" \"$(\"$c\" --version 2>/dev/null </dev/null | head -n 1)\";",
        "printf '%s:manager=%s\\n' \"$m\" \"$(\"$c\" --user is-system-running 2>/dev/null </dev/null)\";",
        "if [ -n \"$u\" ] && [ -e \"/var/lib/systemd/linger/$u\" ]; then l=yes; else l=no; fi; printf '%s:linger=%s\\n' \"$m\" \"$l\";",
        "printf '%s:git=%s\\n' \"$m\" \"$(git --version 2>/dev/null </dev/null)\";",
        "printf '%s:sh=%s\\n' \"$m\" \"$(command -v sh)\";",
        "printf '%s:end\\n' \"$m\"");

    public static CommandSpec Command(string tmux, string systemctl, TimeSpan timeout) => new(["sh", "-c", Script, "sh", tmux, systemctl], timeout);

    /// <summary>The script's key=value pairs, or null when it did not run to its end.</summary>
    public static IReadOnlyDictionary<string, string>? Parse(string stdout)
    {
        const string m = "@@mosaic-host-check:";
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var ended = false;
        foreach (var raw in stdout.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (!raw.StartsWith(m, StringComparison.Ordinal)) continue;
            var kv = raw[m.Length..];
            if (kv == "end") { ended = true; continue; }
            var eq = kv.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) values.TryAdd(kv[..eq], kv[(eq + 1)..].Trim());
        }
        return ended ? values : null;
    }

    /// <summary>Judges the probe's values: one check per requirement, each with its remedy.</summary>
    public static FleetHostCheck Judge(string host, IReadOnlyDictionary<string, string> v)
    {
        var user = v.GetValueOrDefault("user") is { Length: > 0 } u ? u : null;
        var tmux = Empty(v.GetValueOrDefault("tmux"));
        var systemd = Empty(v.GetValueOrDefault("systemd"));
        var manager = Empty(v.GetValueOrDefault("manager"));
        var git = Empty(v.GetValueOrDefault("git"));
        var sh = Empty(v.GetValueOrDefault("sh"));
        var linger = v.GetValueOrDefault("linger") == "yes";
        var checks = new List<FleetHostCheckItem>();
        var on = host == FleetHost.LocalName ? "" : $" on {host}";

        var tmuxVersion = tmux is null ? null : TmuxVersion().Match(tmux) is { Success: true } tm ? tm.Groups[1].Value : null;
        checks.Add(Item("tmux", tmux, MinimumTmux + " or newer", tmuxVersion is not null && AtLeast(tmuxVersion, MinimumTmux),
            tmux is null ? $"Install tmux {MinimumTmux} or newer{on} (Debian/Ubuntu: apt-get install tmux), or set tmux: in the roster's host entry."
                : $"Upgrade tmux{on} to {MinimumTmux} or newer (found '{tmux}')."));
        var systemdVersion = systemd is null ? null : SystemdVersion().Match(systemd) is { Success: true } sm ? sm.Groups[1].Value : null;
        checks.Add(Item("systemd", systemd, $"{MinimumSystemd} or newer", systemdVersion is not null && int.Parse(systemdVersion, CultureInfo.InvariantCulture) >= MinimumSystemd,
            systemd is null ? $"No systemctl{on}: agents can only be started with -Direct (no supervision). Install systemd {MinimumSystemd}+ for units."
                : $"Upgrade systemd{on} to {MinimumSystemd} or newer (found '{systemd}'): the agent unit's EnvironmentFile=%E/... needs it."));
        checks.Add(Item("user manager", manager, "running (or degraded)", manager is "running" or "degraded",
            $"No systemd user manager answers for {user ?? "the user"}{on} ('{manager ?? "no answer"}'): log in once with linger on (loginctl enable-linger {user ?? "USER"}), or as root: systemctl start user@$(id -u {user ?? "USER"}).service. Without it Get-FleetAgent shows no ServiceState and Start-FleetAgent starts agents directly in tmux."));
        checks.Add(Item("linger", linger ? "on" : "off", "on", linger,
            $"Linger is off for {user ?? "the user"}{on}: the user manager and every agent stop at logout. As root: loginctl enable-linger {user ?? "USER"} (Install-FleetUnit tries it)."));
        var gitVersion = git is null ? null : GitVersion().Match(git) is { Success: true } gm ? gm.Groups[1].Value : null;
        checks.Add(Item("git", git, MinimumGit + " or newer", gitVersion is not null && AtLeast(gitVersion, MinimumGit),
            git is null ? $"Install git {MinimumGit} or newer{on}: coding agents work in git checkouts (apt-get install git)."
                : $"Upgrade git{on} to {MinimumGit} or newer (found '{git}')."));
        checks.Add(Item("sh", sh, "a POSIX sh on PATH", sh is not null && sh.StartsWith('/'),
            $"No sh on the PATH{on}: the unit and pane commands run /bin/sh -c. Check the PATH of non-interactive logins."));

        return new FleetHostCheck
        {
            Host = host,
            User = user,
            UserManager = manager,
            Linger = linger,
            TmuxVersion = tmux,
            SystemdVersion = systemd,
            GitVersion = git,
            Sh = sh,
            Checks = [.. checks],
            Problems = [.. checks.Where(c => !c.Passed).Select(c => c.Remedy!)],
            Ready = checks.All(c => c.Passed),
        };
    }

    private static FleetHostCheckItem Item(string name, string? found, string required, bool passed, string remedy)
        => new() { Name = name, Found = found, Required = required, Passed = passed, Remedy = passed ? null : remedy };

    private static string? Empty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>Dotted numeric comparison ("3.3" >= "3.2", "2.39.5" >= "2.20").</summary>
    public static bool AtLeast(string found, string minimum)
    {
        var f = found.Split('.').Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0).ToArray();
        var m = minimum.Split('.').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        for (var i = 0; i < Math.Max(f.Length, m.Length); i++)
        {
            var a = i < f.Length ? f[i] : 0;
            var b = i < m.Length ? m[i] : 0;
            if (a != b) return a > b;
        }
        return true;
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)*)")]
    private static partial Regex TmuxVersion();

    [GeneratedRegex(@"^systemd (\d+)")]
    private static partial Regex SystemdVersion();

    [GeneratedRegex(@"(\d+(?:\.\d+)+)")]
    private static partial Regex GitVersion();
}
