namespace MosaicFleet.Engine.Lifecycle;

/// <summary>The constant sh scripts of the holder and agent units. Each is one `sh -c &lt;script&gt; &lt;tmux&gt; args...`
/// Exec line: the script never changes with the roster, the data are its arguments ($0 is the absolute tmux), so the
/// unit and -Direct run the same words. Written for POSIX sh (dash, busybox), checked on systemd 252 + tmux 3.3a.
///
/// Why a waiter and not tmux itself as the agent unit's main process: the runtime is a pane of the holder's server,
/// so systemd can only learn of its end from a process of the agent unit that waits for it. The waiter blocks in
/// `tmux wait-for mosaic-exit-&lt;agent&gt;`, signalled by global hooks (pane-died, session-closed), and re-checks the pane
/// on every wake, because `wait-for` also returns when the server dies, a signal sent with no waiter is remembered,
/// and tmux 3.3a sometimes leaves a fast-exiting pane an unreaped zombie with no hook until another tmux child exits
/// (so a timed wake looks at /proc and runs `run-shell true` to unstick it). It exits with the runtime's status
/// (128 + signal for a signal), or 70 when the session or the server is gone: systemd's Restart= decides the rest.</summary>
public static class SupervisionScripts
{
    /// <summary>The tmux wait-for channel an agent's waiter blocks on.</summary>
    public const string ChannelPrefix = "mosaic-exit-";

    /// <summary>A session option set on a live agent session before Install-FleetUnit switches a 0.1 unit to the
    /// supervising one: the stop leaves the session alone and the start adopts the pane instead of replacing it.</summary>
    public const string AdoptOption = "@mosaic_adopt";

    /// <summary>Session options: launches since the last start by hand, the exit status of the previous launch, and
    /// (on a dead pane) the status its end was recorded with.</summary>
    public const string RestartsOption = "@mosaic_restarts";
    public const string LastExitOption = "@mosaic_last_exit";
    public const string ExitOption = "@mosaic_exit";

    /// <summary>Seconds between the waiter's timed re-checks (the hooks wake it at once; this bounds a missed hook).
    /// A missed hook is a fast exit's (tmux 3.3a leaves the pane an unreaped zombie): the first minute after a launch
    /// is re-checked every <see cref="EarlyRecheckSeconds"/> s, later every <see cref="RecheckSeconds"/> s, so a
    /// fleet of idle waiters costs one tmux client per agent per half minute.</summary>
    public const int RecheckSeconds = 30;
    public const int EarlyRecheckSeconds = 3;
    private const string RecheckSecondsText = "30";
    private const string EarlyRecheckSecondsText = "3";

    /// <summary>Holder ExecStart: `tmux -D` is the unit's main process, so systemd sees the server die and restarts it.
    /// A server already on the socket (a -Direct start) would make `tmux -D` exit 1 in a loop, so wait until it is
    /// gone. Args: $0 tmux, $1 socket.</summary>
    public const string HolderServe =
        "while \"$0\" -L \"$1\" list-sessions >/dev/null 2>&1; do sleep 5; done; exec \"$0\" -f " + Tmux.ServerOptions.ConfigFile + " -L \"$1\" -D";

    /// <summary>Holder ExecStartPost (and -Direct's holder step): the holder session and the global hooks that wake the
    /// waiters. Under systemd it first waits for the `tmux -D` server to answer (a client command before that would
    /// start a second server); a direct start starts the server with the holder session. A server already marked for
    /// another tenant (<see cref="Roster.TenantNames.MarkOption"/>) is left alone: exit 3, nothing set. Args: $0 tmux,
    /// $1 socket, $2 holder session, $3 launch (systemd or direct), $4 the tenant's mark (none: no mark).</summary>
    public static readonly string HolderReady =
        "t=$0 s=$1 h=$2 i=0; "
        + "if [ \"$3\" = systemd ]; then "
        + "until \"$t\" -L \"$s\" list-sessions >/dev/null 2>&1; do i=$((i+1)); "
        + "if [ $i -gt 200 ]; then echo \"the tmux server on socket $s did not answer\" >&2; exit 1; fi; sleep 0.05; done; fi; "
        + "if [ -n \"$4\" ]; then cur=$(\"$t\" -L \"$s\" show-options -gqv " + Roster.TenantNames.MarkOption + " 2>/dev/null); "
        + "if [ -n \"$cur\" ] && [ \"$cur\" != \"$4\" ]; then echo \"the tmux server on socket $s runs the fleet of tenant $cur; give this roster a socketName of its own\" >&2; exit 3; fi; fi; "
        // The fleet's own server options (never the user's ~/.tmux.conf: -f /dev/null), set BEFORE the holder session is
        // made, on a server this started or found running (a "destroy-unattached on" would end the detached holder).
        + "\"$t\" -f " + Tmux.ServerOptions.ConfigFile + " -L \"$s\" start-server \\; " + Tmux.ServerOptions.ShellText() + " || exit 1; "
        + "\"$t\" -L \"$s\" has-session -t \"=$h\" 2>/dev/null || \"$t\" -f " + Tmux.ServerOptions.ConfigFile + " -L \"$s\" new-session -d -s \"$h\" || exit 1; "
        + "[ -z \"$4\" ] || \"$t\" -L \"$s\" set-option -g " + Roster.TenantNames.MarkOption + " \"$4\" || exit 1; "
        + "w=\"'$t' -S #{q:socket_path} wait-for -S " + ChannelPrefix + "\"; "
        + "exec \"$t\" -L \"$s\" set-hook -g 'pane-died[42]' \"run-shell -b \\\"$w#{q:session_name}\\\"\" \\; "
        + "set-hook -g 'pane-exited[42]' \"run-shell -b \\\"$w#{q:session_name}\\\"\" \\; "
        + "set-hook -g 'session-closed[42]' \"run-shell -b \\\"$w#{q:hook_session_name}\\\"\"";

    // A non-negative whole number. Written without '!' (as in [!0-9]: a csh/tcsh login shell takes '!' in an ssh argv
    // word for history expansion, and dash knows no [^0-9]): test's own integer check.
    private const string IsNumFunction = "isnum() { [ -n \"$1\" ] && [ \"$1\" -ge 0 ] 2>/dev/null; }; ";

    // Keeps a dead pane's screen: up to 2000 lines of scrollback and its exit status, in <crash dir>/<UTC>.txt,
    // mode 0600 (umask before the first byte; noclobber so the temp file is never an existing file or symlink), then
    // keeps the newest 20. Needs t s a wt crash; $1 = exit status text.
    private const string CaptureFunction =
        "capture() { [ -n \"$crash\" ] || return 0; umask 077; mkdir -p \"$crash\" || return 0; "
        + "f=\"$crash/$(date -u +%Y%m%dT%H%M%SZ)\"; [ -e \"$f.txt\" ] && f=\"$f-$$\"; tmp=\"$crash/.tmp-$$\"; rm -f \"$tmp\"; "
        + "if ( set -C; { printf 'agent: %s\\nended: %s\\nexit status: %s\\nservice result: %s\\n\\n' \"$a\" \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\" \"$1\" \"${SERVICE_RESULT:-}\"; "
        + "\"$t\" -L \"$s\" capture-pane -p -J -S -2000 -t \"$wt\"; } > \"$tmp\" ); then mv -f \"$tmp\" \"$f.txt\"; else rm -f \"$tmp\"; fi; "
        + "ls -1 \"$crash\" | grep -E '^[0-9]{8}T[0-9]{6}Z(-[0-9]+)?\\.txt$' | sort -r | tail -n +21 | while read -r old; do rm -f \"$crash/$old\"; done; }; ";

    /// <summary>Agent ExecStartPre: waits for its start slot (spacing after a server start), keeps a dead pane that no
    /// ExecStopPost recorded, carries the restart count over an automatic restart, replaces the session (or adopts a
    /// live one marked for adoption), and under systemd puts the runtime in a scope of its own with the roster's
    /// limits. Args: $0 tmux, $1 socket, $2 agent, $3 session target, $4 window target, $5 workdir, $6 sh,
    /// $7 pane command, $8 launch, $9 crash dir, then delay seconds, scope properties and the scope's name (tenant-keyed).</summary>
    public const string AgentPre =
        "t=$0 s=$1 a=$2 st=$3 wt=$4 wd=$5 sh=$6 cmd=$7 launch=$8 crash=$9; shift 9; delay=${1:-0} props=$2 scope=${3:-mosaic-pane-$a}; "
        + CaptureFunction + IsNumFunction
        + "isnum \"$delay\" || delay=0; "
        + "if [ \"$delay\" -gt 0 ] && up=$(\"$t\" -L \"$s\" display-message -p '#{start_time}' 2>/dev/null); then "
        + "now=$(date +%s); isnum \"$up\" || up=$now; left=$((up + delay - now)); "
        + "if [ $left -gt 0 ] && [ $left -le \"$delay\" ]; then sleep $left; fi; fi; "
        + "n=0 last=; "
        // tmux 3.3a can leave a dead pane's process unreaped (no exit status) until another of its children exits: a
        // run-shell makes one, so the status read next is there.
        + "\"$t\" -L \"$s\" run-shell true >/dev/null 2>&1; "
        + "if old=$(\"$t\" -L \"$s\" list-panes -t \"$wt\" -F '#{pane_dead}:#{" + AdoptOption + "}:#{" + RestartsOption + "}:#{pane_dead_status}:#{" + ExitOption + "}:#{pane_dead_signal}' 2>/dev/null | head -n 1); [ -n \"$old\" ]; then "
        + "set -f; IFS=:; set -- $old; IFS=' '; dead=$1 adopt=$2 r=$3 code=$4 rec=$5; isnum \"$6\" && code=$((128 + $6)); "
        + "if [ \"$dead\" = 0 ] && [ \"$adopt\" = 1 ]; then "
        + "exec \"$t\" -L \"$s\" set-option -t \"$wt\" -u " + AdoptOption + " \\; set-option -t \"$wt\" remain-on-exit on; fi; "
        + "if [ \"$dead\" = 1 ]; then [ -n \"$rec\" ] || capture \"${code:-unknown}\"; last=${rec:-$code}; "
        + "if [ \"$launch\" = systemd ]; then isnum \"$r\" || r=0; n=$((r + 1)); fi; fi; "
        + "\"$t\" -L \"$s\" kill-session -t \"$st\" 2>/dev/null; fi; "
        + "set -- \"$sh\" -c \"$cmd\"; "
        + "if [ \"$launch\" = systemd ] && run=$(command -v systemd-run) && [ -S \"${XDG_RUNTIME_DIR:-/nonexistent}/systemd/private\" ]; then "
        + "systemctl --user stop \"$scope.scope\" >/dev/null 2>&1; p=; for x in $props; do p=\"$p -p $x\"; done; "
        + "set -- \"$run\" --user --scope --quiet --collect --unit=\"$scope\" $p -- \"$@\"; fi; "
        + "exec \"$t\" -L \"$s\" new-session -d -s \"$a\" -c \"$wd\" -- \"$@\" \\; set-option -t \"$wt\" remain-on-exit on \\; "
        + "set-option -t \"$wt\" " + RestartsOption + " \"$n\" \\; set-option -t \"$wt\" " + LastExitOption + " \"$last\"";

    /// <summary>Agent ExecStart: the waiter (see the class summary). Args: $0 tmux, $1 socket, $2 window target, $3 agent.</summary>
    public const string AgentWait =
        "t=$0 s=$1 wt=$2 c=" + ChannelPrefix + "$3 n=0; " + IsNumFunction
        + "while :; do "
        + "st=$(\"$t\" -L \"$s\" list-panes -t \"$wt\" -F '#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}:#{pane_pid}' 2>/dev/null | head -n 1); [ -n \"$st\" ] || exit 70; "
        + "set -f; IFS=:; set -- $st; IFS=' '; dead=$1 code=$2 sig=$3 pid=$4; "
        + "if [ \"$dead\" = 1 ]; then isnum \"$sig\" && exit $((128 + sig)); "
        // Dead with no status yet: tmux saw the pty close before it reaped the process; a tmux child's exit makes it
        // reap (run-shell true), then look again (a few times, then give up on the status).
        + "if ! isnum \"$code\" && [ $n -lt 5 ]; then n=$((n + 1)); \"$t\" -L \"$s\" run-shell true >/dev/null 2>&1; sleep 0.1; continue; fi; "
        + "isnum \"$code\" || exit 1; [ \"$code\" -gt 255 ] && exit 1; exit \"$code\"; fi; "
        + "n=$((n + 1)); if [ $n -le 20 ]; then w=" + EarlyRecheckSecondsText + "; else w=" + RecheckSecondsText + "; fi; "
        + "timeout $w \"$t\" -L \"$s\" wait-for \"$c\" && continue; "
        + "z=; if [ -r \"/proc/$pid/stat\" ]; then read -r z < \"/proc/$pid/stat\"; z=${z##*) }; fi; "
        + "case $z in ''|Z*|X*) \"$t\" -L \"$s\" run-shell true >/dev/null 2>&1;; esac; "
        + "done";

    /// <summary>Agent ExecStopPost ($SERVICE_RESULT, $EXIT_CODE, $EXIT_STATUS from systemd): after the runtime ended
    /// (the waiter exited) keep the dead pane's screen and record its status on the session; after a stop (the waiter
    /// was signalled) end the session, unless it is marked for adoption. Args: $0 tmux, $1 socket, $2 agent,
    /// $3 session target, $4 window target, $5 crash dir.</summary>
    public const string AgentPost =
        "t=$0 s=$1 a=$2 st=$3 wt=$4 crash=$5; "
        + CaptureFunction + IsNumFunction
        + "x=$(\"$t\" -L \"$s\" list-panes -t \"$wt\" -F '#{pane_dead}:#{" + AdoptOption + "}:#{pane_dead_status}:#{pane_dead_signal}' 2>/dev/null | head -n 1); [ -n \"$x\" ] || exit 0; "
        + "set -f; IFS=:; set -- $x; IFS=' '; dead=$1 adopt=$2 code=$3 sig=$4; "
        + "[ \"$adopt\" = 1 ] && exit 0; "
        + "if [ \"$EXIT_CODE\" = exited ] && [ \"$dead\" = 1 ]; then "
        + "isnum \"$sig\" && code=$((128 + sig)); capture \"${code:-unknown}\"; "
        + "\"$t\" -L \"$s\" set-option -t \"$wt\" " + ExitOption + " \"${code:-}\" 2>/dev/null; exit 0; fi; "
        + "\"$t\" -L \"$s\" kill-session -t \"$st\" 2>/dev/null; exit 0";
}
