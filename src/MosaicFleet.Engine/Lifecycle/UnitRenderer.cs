using MosaicFleet.Engine.Roster;
using System.Text;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>Absolute programs baked into unit files at install time (a unit's PATH is not relied on).</summary>
public sealed record LaunchPrograms(string Tmux, string Sh);

/// <summary>tmux (3.3a) splits its argv into commands at EVERY argument that ends in ';' (the ';' is dropped and the
/// rest is another command), even after "--". Its documented escape: an argument ending in "\;" ends in a literal ';'.
/// Every value the lifecycle hands to tmux as a command argument (working directory, pane command, session names and
/// targets) goes through <see cref="Literal"/>, in the launch data (env file values, the holder unit's arguments), so
/// the unit (systemd, sh) and -Direct give tmux the same escaped words. Not for tmux's own options (-L socket).</summary>
public static class TmuxArgument
{
    /// <summary>The word tmux turns back into <paramref name="value"/>.</summary>
    public static string Literal(string value) => value.EndsWith(';') ? value[..^1] + "\\;" : value;
}

/// <summary>Renders the holder unit and the agent template. Every Exec line starts with an absolute path; per-agent data
/// reaches Exec lines only as whole ${VAR} words (one argument each, no expansion inside the value).</summary>
public static class UnitRenderer
{
    public const string EnvAgent = "MOSAIC_AGENT";
    public const string EnvRuntime = "MOSAIC_AGENT_RUNTIME";
    public const string EnvSocket = "MOSAIC_TMUX_SOCKET";
    public const string EnvHolderSession = "MOSAIC_HOLDER_SESSION";
    public const string EnvHolderTarget = "MOSAIC_HOLDER_TARGET";
    public const string EnvSessionTarget = "MOSAIC_SESSION_TARGET";
    public const string EnvWindowTarget = "MOSAIC_WINDOW_TARGET";
    public const string EnvWorkdir = "MOSAIC_AGENT_WORKDIR";
    public const string EnvPaneCommand = "MOSAIC_PANE_COMMAND";
    public const string EnvWorktreeRepository = "MOSAIC_WORKTREE_REPOSITORY";
    public const string EnvWorktreeBranch = "MOSAIC_WORKTREE_BRANCH";
    public const string EnvWorktreeBase = "MOSAIC_WORKTREE_BASE";
    public const string EnvWorktreePath = "MOSAIC_WORKTREE_PATH";
    public const string EnvCrashDir = "MOSAIC_CRASH_DIR";
    public const string EnvStartDelay = "MOSAIC_START_DELAY";
    public const string EnvScopeProperties = "MOSAIC_SCOPE_PROPERTIES";
    public const string EnvScopeUnit = "MOSAIC_SCOPE_UNIT";

    public static readonly IReadOnlySet<string> ReservedKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        EnvAgent, EnvRuntime, EnvSocket, EnvHolderSession, EnvHolderTarget, EnvSessionTarget, EnvWindowTarget, EnvWorkdir, EnvPaneCommand,
        EnvWorktreeRepository, EnvWorktreeBranch, EnvWorktreeBase, EnvWorktreePath,
        EnvCrashDir, EnvStartDelay, EnvScopeProperties, EnvScopeUnit, EnvLaunch,
    };

    /// <summary>Environment= of both units: the Exec lines tell a systemd launch from a -Direct one (which resolves
    /// the same lines with <see cref="LaunchDirect"/>).</summary>
    public const string EnvLaunch = "MOSAIC_LAUNCH";
    public const string LaunchSystemd = "systemd";
    public const string LaunchDirect = "direct";

    /// <summary>The comment line that records which roster a holder unit or env file was installed from (see
    /// <see cref="RecordedRoster"/>). Control bytes in the path are written as '?', so the line stays one comment line.</summary>
    public const string RosterLinePrefix = "# Roster: ";

    public static string RosterLine(string rosterPath)
        => RosterLinePrefix + new string(rosterPath.Select(c => char.IsControl(c) ? '?' : c).ToArray());

    /// <summary>The roster a file we wrote records (as <see cref="RosterLine"/> wrote it), or null when it records none
    /// (written before rosters were recorded).</summary>
    public static string? RecordedRoster(string text)
    {
        foreach (var line in text.Split('\n').Take(8))
        {
            if (line.StartsWith(RosterLinePrefix, StringComparison.Ordinal)) return line[RosterLinePrefix.Length..];
        }
        return null;
    }

    private static void AppendRoster(StringBuilder sb, string? rosterPath)
    {
        if (!string.IsNullOrEmpty(rosterPath)) sb.Append(RosterLine(rosterPath)).Append('\n');
    }

    public static string Holder(LaunchPrograms programs, string socket, string holderSession, string? rosterPath, string tenantMark)
    {
        var w = SystemdSyntax.ExecWord;
        var sb = new StringBuilder();
        sb.Append(LifecyclePaths.Marker).Append(" (Install-FleetUnit). Rewritten on every install; do not edit.\n");
        AppendRoster(sb, rosterPath);
        sb.Append("#\n");
        sb.Append("# Keeps the fleet's tmux server alive with its holder session. Panes belong to whatever started the tmux\n");
        sb.Append("# server, so ONLY this unit starts it: the server (tmux -D, this unit's main process) and every agent pane\n");
        sb.Append("# without a scope of its own live in this unit's control group. If the server dies, systemd restarts it\n");
        sb.Append("# (Restart=always) and each agent comes back through its own restart. Agent units (mosaic-agent@.service)\n");
        sb.Append("# require this unit and only ask the running server for a session, so stopping one agent never touches\n");
        sb.Append("# another (agent-deck #1721). Stopping THIS unit stops the fleet.\n");
        sb.Append("[Unit]\n");
        sb.Append("Description=").Append(SystemdSyntax.UnitText($"MosaicFleet tmux server holder (socket {socket})")).Append('\n');
        sb.Append("StartLimitIntervalSec=60\n");
        sb.Append("StartLimitBurst=20\n");
        sb.Append('\n');
        sb.Append("[Service]\n");
        sb.Append("Type=exec\n");
        sb.Append("Environment=").Append(EnvLaunch).Append('=').Append(LaunchSystemd).Append('\n');
        sb.Append("ExecStart=").Append(string.Join(' ', new[] { programs.Sh, "-c", SupervisionScripts.HolderServe, programs.Tmux, socket }.Select(w))).Append('\n');
        sb.Append("ExecStartPost=").Append(string.Join(' ', new[] { programs.Sh, "-c", SupervisionScripts.HolderReady, programs.Tmux, socket, TmuxArgument.Literal(holderSession) }.Select(w)))
            .Append(' ').Append(SystemdSyntax.ExecVariable(EnvLaunch)).Append(' ').Append(w(tenantMark)).Append('\n');
        sb.Append("Restart=always\n");
        sb.Append("RestartSec=1\n");
        sb.Append('\n');
        sb.Append("[Install]\n");
        sb.Append("WantedBy=default.target\n");
        return sb.ToString();
    }

    public static string AgentTemplate(LaunchPrograms programs, string tenant = TenantNames.DefaultTenant)
    {
        var holderUnit = TenantNames.HolderUnit(tenant);
        var w = SystemdSyntax.ExecWord;
        string V(string name) => SystemdSyntax.ExecVariable(name);
        var tmux = w(programs.Tmux);
        var sb = new StringBuilder();
        sb.Append(LifecyclePaths.Marker).Append(" (Install-FleetUnit). Rewritten on every install; do not edit.\n");
        sb.Append("#\n");
        sb.Append("# One agent's tmux session on the fleet's server. The instance name (%i, never %I, which would turn\n");
        sb.Append("# my-agent into my/agent) is the agent name; its settings come from its environment file (mode 0600; it may\n");
        sb.Append("# hold API keys). Environment-file values get no specifier or $ expansion, and each ${VAR} word below is\n");
        sb.Append("# exactly one argument, so any working directory or command reaches tmux byte-exact (a value ending in ';',\n");
        sb.Append("# which tmux would take for a command separator, is stored ending in '\\;', tmux's escape for a literal ';').\n");
        sb.Append("#\n");
        sb.Append("# Why the holder: panes belong to whatever started the tmux server. This unit requires and follows the\n");
        sb.Append("# holder (no BindsTo=: with it a dead server made systemd stop every agent for good) and checks its session\n");
        sb.Append("# first, so it never starts the server itself.\n");
        sb.Append("#\n");
        sb.Append("# Supervision: the unit lives as long as the runtime. ExecStartPre replaces the session (keeping a dead\n");
        sb.Append("# pane's screen) and, under systemd, puts the runtime in a scope of its own (mosaic-pane-<agent>.scope, tenant-keyed,\n");
        sb.Append("# with the roster's resource limits). ExecStart waits for the pane to die and exits with the runtime's\n");
        sb.Append("# status, so Restart=, RestartSec= and the start limit (per agent, in mosaic-agent@<agent>.service.d/) decide.\n");
        sb.Append("# ExecStopPost keeps the crash ($MOSAIC_CRASH_DIR) or, after a stop, ends the session.\n");
        sb.Append("#\n");
        sb.Append("# The pane runs /bin/sh -c <pane command> as argv: a one-string command would run under the user's\n");
        sb.Append("# default-shell (possibly fish). The pane command puts the runtime's bin directories on PATH and execs the\n");
        sb.Append("# runtime. remain-on-exit keeps a crashed runtime's pane, with its exit status, for Get-FleetAgent.\n");
        sb.Append("[Unit]\n");
        sb.Append("Description=MosaicFleet agent %i").Append(TenantNames.IsDefault(tenant) ? "" : $" (tenant {SystemdSyntax.UnitText(tenant)})").Append('\n');
        // Requires=/After= only: with BindsTo= a dead tmux server made systemd stop every agent for good; without it
        // the holder and each agent come back through their own restarts.
        sb.Append("Requires=").Append(holderUnit).Append('\n');
        sb.Append("After=").Append(holderUnit).Append('\n');
        sb.Append("StartLimitIntervalSec=600\n");
        sb.Append("StartLimitBurst=5\n");
        sb.Append('\n');
        sb.Append("[Service]\n");
        sb.Append("Type=exec\n");
        sb.Append("Restart=on-failure\n");
        sb.Append("RestartSec=10\n");
        sb.Append("Environment=").Append(EnvLaunch).Append('=').Append(LaunchSystemd).Append('\n');
        sb.Append("EnvironmentFile=%E/").Append(TenantNames.EnvDirectory(tenant).Replace('\\', '/')).Append("/%i.env\n");
        sb.Append("ExecStartPre=").Append(string.Join(' ', tmux, "-L", V(EnvSocket), "has-session", "-t", V(EnvHolderTarget))).Append('\n');
        // The agent's git worktree (Worktrees/WorktreeScripts.Ensure: made when missing, reused as it is; an agent
        // without one has an empty repository and the script does nothing), before the launch.
        sb.Append("ExecStartPre=").Append(string.Join(' ', w(programs.Sh), "-c", w(Worktrees.WorktreeScripts.Ensure), w(Worktrees.WorktreeScripts.ArgZero),
            V(EnvWorktreeRepository), V(EnvWorktreeBranch), V(EnvWorktreeBase), V(EnvWorktreePath))).Append('\n');
        sb.Append("ExecStartPre=").Append(string.Join(' ',
            w(programs.Sh), "-c", w(SupervisionScripts.AgentPre), tmux, V(EnvSocket), V(EnvAgent), V(EnvSessionTarget), V(EnvWindowTarget),
            V(EnvWorkdir), w(programs.Sh), V(EnvPaneCommand), V(EnvLaunch), V(EnvCrashDir), V(EnvStartDelay), V(EnvScopeProperties), V(EnvScopeUnit))).Append('\n');
        sb.Append("ExecStart=").Append(string.Join(' ',
            w(programs.Sh), "-c", w(SupervisionScripts.AgentWait), tmux, V(EnvSocket), V(EnvWindowTarget), V(EnvAgent))).Append('\n');
        sb.Append("ExecStopPost=").Append(string.Join(' ',
            w(programs.Sh), "-c", w(SupervisionScripts.AgentPost), tmux, V(EnvSocket), V(EnvAgent), V(EnvSessionTarget), V(EnvWindowTarget), V(EnvCrashDir))).Append('\n');
        sb.Append('\n');
        sb.Append("[Install]\n");
        sb.Append("WantedBy=default.target\n");
        return sb.ToString();
    }

    /// <summary>The agent's own drop-in (mosaic-agent@&lt;agent&gt;.service.d/): its roster restart settings. The start
    /// limit goes under [Unit] (systemd 252 ignores StartLimitIntervalSec= under [Service] as an unknown key).</summary>
    public static string SupervisionDropIn(string agentName, FleetRestartPolicy restart, int startDelaySeconds)
    {
        var sb = new StringBuilder();
        sb.Append(LifecyclePaths.Marker).Append(" (Install-FleetUnit) for agent ").Append(agentName).Append(". Rewritten on install; do not edit.\n");
        sb.Append("# The roster's restart settings: policy ").Append(restart.Policy).Append(", ").Append(restart.Limit)
            .Append(" ends within ").Append(Seconds(restart.WindowSeconds)).Append(" leave the unit failed.\n");
        sb.Append("[Unit]\n");
        sb.Append("StartLimitIntervalSec=").Append(Seconds(restart.WindowSeconds)).Append('\n');
        sb.Append("StartLimitBurst=").Append(restart.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        sb.Append('\n');
        sb.Append("[Service]\n");
        sb.Append("Restart=").Append(restart.Policy == "never" ? "no" : restart.Policy).Append('\n');
        sb.Append("RestartSec=").Append(Seconds(restart.DelaySeconds)).Append('\n');
        // The start slot (spacing) is waited for in ExecStartPre, inside the start timeout.
        sb.Append("TimeoutStartSec=").Append((90 + startDelaySeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }

    private static string Seconds(double s) => Math.Round(s, 3).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + "s";

    /// <summary>An agent's environment file: the launch data, then the agent's own variables.</summary>
    public static string EnvFile(string agentName, IEnumerable<KeyValuePair<string, string>> values, string? rosterPath = null)
    {
        var sb = new StringBuilder();
        sb.Append(LifecyclePaths.Marker).Append(" (Install-FleetUnit) for agent ").Append(agentName).Append(". Rewritten on install; do not edit.\n");
        AppendRoster(sb, rosterPath);
        sb.Append("# Read by mosaic-agent@").Append(agentName).Append(".service (EnvironmentFile=: no expansion in values) and by the\n");
        sb.Append("# agent's pane (sh '.': the same values, every value is double-quoted with \\\" \\\\ \\$ \\` escaped).\n");
        foreach (var (k, v) in values) sb.Append(SystemdSyntax.EnvLine(k, v)).Append('\n');
        return sb.ToString();
    }
}
