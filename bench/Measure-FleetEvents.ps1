#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Measures the ways to follow a fleet's changes against each other, and Get-FleetEvent -Follow itself.
.DESCRIPTION
    On a private tmux socket with N idle agent panes (each `sh` printing a prompt, then `cat`) plus one fixture agent
    (tests/fixtures/busy_agent.py) for the latency rounds, this reports:
      - the floor: one `tmux display-message` round trip (median);
      - timed polling: one `list-panes -a` (the Engine's format) + one `systemctl --user show` for N units, wall time
        (median) and the CPU of those two processes per poll;
      - control mode: N `tmux -C attach` clients (one per session: a control client sees only its own session), the
        CPU they and the server use over -IdleSeconds with nothing changing, their memory, and the delay from a
        send-keys to the %output line for it;
      - hooks: a global pane-died hook and an alert-activity hook (monitor-activity on), each running `run-shell` that
        appends a line: how many of -Rounds changes they reported, and how late;
      - Get-FleetEvent -Follow on the N + 1 agents, CPU over -IdleSeconds with nothing changing (the pwsh process and
        what it reaped, its live children and what they ran, the tmux server's share), for: the floor (a pwsh with the
        module imported, idle), timed polling (MOSAIC_FLEET_EVENTS_POLL=1) and the long-lived source (the default);
        then, for the default, over -Rounds rounds the delay from a change to its
        event: a pane's process killed (Status Dead), a line sent to the fixture (Activity Busy), the fixture's screen
        settling (Activity Idle, from the moment its output stopped).
      - unless -NoRemote (and only with /usr/sbin/sshd, as root): the same fleet as a remote host through a private
        sshd on 127.0.0.1 (tests/fixtures/sshd), timed polling against the long-lived ssh source, with the CPU of the
        remote side (everything the sshd runs for the sessions, and the ssh ControlMaster).
    CPU is read from /proc (utime + stime, and cutime + cstime for reaped children) before and after each window, in
    percent of one core. Nothing here is a test: figures go to docs/benchmarks.md by hand.
.EXAMPLE
    pwsh -NoProfile -File bench/Measure-FleetEvents.ps1 -ModulePath out/MosaicFleet/MosaicFleet.psd1 -Count 50
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Count = 50,
    [int] $IdleSeconds = 30,
    [int] $Rounds = 5,
    # Seconds each follower runs before its idle window: start-up, the baseline, and .NET's tiered JIT (a method is
    # recompiled after 30 calls, so a once-a-second loop settles only after about 30 s).
    [int] $WarmupSeconds = 40,
    [string] $OutFile,
    # Skip the remote-host rounds (they start a private sshd on 127.0.0.1 from tests/fixtures/sshd; root only).
    [switch] $NoRemote
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$root = Resolve-Path (Join-Path $PSScriptRoot '..')
$fixture = Join-Path $root 'tests/fixtures/busy_agent.py'
$id = [guid]::NewGuid().ToString('N').Substring(0, 8)
$socket = "mfev-$id"
$work = Join-Path ([IO.Path]::GetTempPath()) "mfev-$id"
New-Item -ItemType Directory -Force $work | Out-Null
$tick = 100.0 # USER_HZ
$report = [System.Collections.Generic.List[string]]::new()
function Say([string] $line) { $report.Add($line); Write-Host $line }
function Median([double[]] $v) { if (-not $v) { return [double]::NaN }; $s = $v | Sort-Object; $s[[int][math]::Floor(($s.Count - 1) / 2)] }
function Cpu([int] $procId, [switch] $Children) {
    $f = ((Get-Content "/proc/$procId/stat" -Raw) -replace '^.*\) ', '') -split ' '
    # after "pid (comm) ": state=0, ..., utime=11, stime=12, cutime=13, cstime=14
    $own = [double]$f[11] + [double]$f[12]
    if ($Children) { $own += [double]$f[13] + [double]$f[14] }
    $own / $tick
}
function ServerPid { [int](& tmux -L $socket display-message -p '#{pid}') }
function Pct([double] $cpuSeconds, [double] $wallSeconds) { '{0:0.00} %' -f (100 * $cpuSeconds / $wallSeconds) }

try {
    # ---- the fleet: N idle panes + the fixture agent ----
    $src = Join-Path $work 'setup.tmux'
    $lines = for ($i = 1; $i -le $Count; $i++) { "new-session -d -s a$i -x 120 -y 30 -- sh -c 'printf ""ready\n> ""; exec cat'" }
    Set-Content $src $lines
    & tmux -L $socket new-session -d -s fx -x 200 -y 50 -- python3 $fixture 2 `; set-option -t '=fx:' remain-on-exit on `; source-file $src
    $roster = Join-Path $work 'roster.yaml'
    $agents = @('  - { name: fx, runtime: fixture }') + (1..$Count | ForEach-Object { "  - { name: a$_, runtime: idle }" })
    Set-Content $roster (@(
        'version: 1', "tmux: { socketName: $socket }", 'runtimes:',
        "  fixture: { command: 'python3 busy_agent.py', paneCommands: [python3], busyPattern: 'Working\.\.\.', waitingPattern: '\[y/n\]\s*$' }",
        "  idle: { command: 'cat', paneCommands: [cat] }",
        'agents:') + $agents)
    Start-Sleep -Milliseconds 500
    $load = (Get-Content /proc/loadavg -Raw).Trim()
    Say "Run $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm')) UTC, N = $Count idle panes + 1 fixture agent, tmux $((& tmux -V) -replace 'tmux ',''), load $load, $([Environment]::ProcessorCount) cores"

    # ---- floor ----
    $floor = for ($i = 0; $i -lt 21; $i++) { (Measure-Command { & tmux -L $socket display-message -p x | Out-Null }).TotalMilliseconds }
    Say ('Floor, one tmux round trip (display-message): {0:0.0} ms median' -f (Median $floor))

    # ---- timed polling: one list-panes + one systemctl show per host ----
    $fmt = "#{session_name}`u{1f}#{window_index}`u{1f}#{pane_index}`u{1f}#{pane_id}`u{1f}#{pane_pid}`u{1f}#{pane_current_command}`u{1f}#{pane_dead}`u{1f}#{pane_dead_status}`u{1f}#{window_activity}`u{1f}#{pane_current_path}`u{1e}"
    $units = 1..$Count | ForEach-Object { "mosaic-agent@a$_.service" }
    function StartProc([string[]] $argv) {
        $psi = [Diagnostics.ProcessStartInfo]::new($argv[0])
        foreach ($x in $argv[1..($argv.Count - 1)]) { $psi.ArgumentList.Add($x) }
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
        [Diagnostics.Process]::Start($psi)
    }
    $pollWall = @(); $pollCpu = @()
    for ($i = 0; $i -lt 21; $i++) {
        $before = Cpu $PID -Children
        $t = Measure-Command {
            $j1 = StartProc @('tmux', '-u', '-L', $socket, 'list-panes', '-a', '-F', $fmt)
            $j2 = StartProc (@('systemctl', '--user', 'show', '-p', 'Id,ActiveState,SubState') + $units)
            $null = $j1.StandardOutput.ReadToEnd(); $null = $j2.StandardOutput.ReadToEnd(); $null = $j2.StandardError.ReadToEnd()
            $j1.WaitForExit(); $j2.WaitForExit()
        }
        $pollCpu += ((Cpu $PID -Children) - $before) * 1000
        $pollWall += $t.TotalMilliseconds
    }
    Say ('Timed polling, one list-panes + one systemctl show (concurrent), N = {0}: {1:0.0} ms median wall, {2:0.0} ms CPU per poll (both processes, median of 21; CPU has a 10 ms tick)' -f ($Count + 1), (Median $pollWall), (Median $pollCpu))

    # ---- control mode: one client per session ----
    $srv = ServerPid
    $clients = [System.Collections.Generic.List[Diagnostics.Process]]::new()
    $sessions = @('fx') + (1..$Count | ForEach-Object { "a$_" })
    foreach ($s in $sessions) {
        $psi = [Diagnostics.ProcessStartInfo]::new('tmux', @('-L', $socket, '-C', 'attach', '-t', "=$s"))
        $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
        $clients.Add([Diagnostics.Process]::Start($psi))
    }
    # Drain their output on threads of their own (a blocked client would stall the server), each line stamped.
    Add-Type -TypeDefinition @"
using System.Collections.Concurrent;
public static class MfevDrain {
    public static ConcurrentQueue<string> Start(System.Diagnostics.Process p) {
        var q = new ConcurrentQueue<string>();
        var t = new System.Threading.Thread(() => { try { string l; while ((l = p.StandardOutput.ReadLine()) != null) q.Enqueue(System.DateTime.UtcNow.Ticks + " " + l); } catch { } });
        t.IsBackground = true; t.Start();
        return q;
    }
}
"@
    $outputs = @{}
    foreach ($c in $clients) { $outputs[$c.Id] = [MfevDrain]::Start($c) }
    Start-Sleep -Seconds 2
    $c0 = ($clients | ForEach-Object { Cpu $_.Id } | Measure-Object -Sum).Sum; $s0 = Cpu $srv
    Start-Sleep -Seconds $IdleSeconds
    $c1 = ($clients | ForEach-Object { Cpu $_.Id } | Measure-Object -Sum).Sum; $s1 = Cpu $srv
    $rss = ($clients | ForEach-Object { $_.Refresh(); $_.WorkingSet64 } | Measure-Object -Sum).Sum / 1MB
    # %output delay: send-keys to an idle cat pane, time until its client prints the %output line.
    $fxClient = $clients[1]; $q = $outputs[$fxClient.Id]
    $delays = for ($r = 0; $r -lt $Rounds; $r++) {
        $null = while ($q.TryDequeue([ref]$null)) { }
        $t0 = [DateTime]::UtcNow.Ticks
        & tmux -L $socket send-keys -t '=a1:' "ping$r" Enter
        $seen = $null
        $deadline = [DateTime]::UtcNow.AddSeconds(5)
        while (-not $seen -and [DateTime]::UtcNow -lt $deadline) {
            $l = $null
            if ($q.TryDequeue([ref]$l) -and $l -match "^(\d+) %output .*ping$r") { $seen = [long]$Matches[1] } else { Start-Sleep -Milliseconds 1 }
        }
        if ($seen) { ($seen - $t0) / 1e4 }
    }
    Say ('Control mode, {0} clients (one per session): idle CPU {1} of a core for the clients + {2} for the server; {3:0} MB resident; send-keys to %output {4:0.0} ms median' -f $clients.Count, (Pct ($c1 - $c0) $IdleSeconds), (Pct ($s1 - $s0) $IdleSeconds), $rss, (Median $delays))
    foreach ($c in $clients) { try { $c.StandardInput.Close(); if (-not $c.WaitForExit(2000)) { $c.Kill() } } catch { } }

    # ---- hooks ----
    $hookLog = Join-Path $work 'hooks.log'
    & tmux -L $socket set-hook -g pane-died "run-shell 'echo died #{session_name} `$(date +%s%N) >> $hookLog'"
    & tmux -L $socket set-option -g monitor-activity on
    & tmux -L $socket set-hook -g alert-activity "run-shell 'echo activity #{session_name} `$(date +%s%N) >> $hookLog'"
    $died = 0; $diedDelays = @(); $act = 0; $actDelays = @()
    for ($r = 0; $r -lt $Rounds; $r++) {
        $s = "h$r"
        & tmux -L $socket new-session -d -s $s -- sh -c 'printf "> "; exec cat' `; set-option -t "=${s}:" remain-on-exit on
        Start-Sleep -Milliseconds 300
        $t0 = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        & tmux -L $socket send-keys -t "=${s}:" "x$r" Enter
        Start-Sleep -Milliseconds 1500
        $t1 = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        & kill -TERM ([int](& tmux -L $socket display-message -p -t "=${s}:" '#{pane_pid}'))
        Start-Sleep -Milliseconds 1500
        $log = if (Test-Path $hookLog) { Get-Content $hookLog } else { @() }
        $d = $log | Where-Object { $_ -match "^died $s (\d+)" } | Select-Object -First 1
        if ($d -and $d -match '(\d+)$') { $died++; $diedDelays += ([long]$Matches[1] / 1e6) - $t1 }
        $a = $log | Where-Object { $_ -match "^activity $s (\d+)" } | Select-Object -First 1
        if ($a -and $a -match '(\d+)$') { $act++; $actDelays += ([long]$Matches[1] / 1e6) - $t0 }
    }
    & tmux -L $socket set-hook -gu pane-died; & tmux -L $socket set-hook -gu alert-activity; & tmux -L $socket set-option -g monitor-activity off
    for ($r = 0; $r -lt $Rounds; $r++) { & tmux -L $socket kill-session -t "=h$r" 2>$null }
    Say ('Hooks: pane-died fired for {0} of {1} exits ({2:0} ms median); alert-activity for {3} of {1} outputs in detached sessions ({4:0} ms median)' -f $died, $Rounds, (Median $diedDelays), $act, (Median $actDelays))

    # ---- Get-FleetEvent -Follow: the floor (an idle pwsh with the module), timed polling, the long-lived source ----
    $events = Join-Path $work 'events.jsonl'
    $pwsh = Join-Path $PSHOME 'pwsh'
    function StartPwsh([string] $command, [hashtable] $extraEnv = @{}) {
        $psi = [Diagnostics.ProcessStartInfo]::new($pwsh, @('-NoProfile', '-NonInteractive', '-Command', $command))
        $psi.UseShellExecute = $false; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $psi.Environment['XDG_STATE_HOME'] = Join-Path $work 'state'
        foreach ($k in $extraEnv.Keys) { $psi.Environment[$k] = $extraEnv[$k] }
        $p = [Diagnostics.Process]::Start($psi)
        $null = $p.StandardOutput.ReadToEndAsync(); $null = $p.StandardError.ReadToEndAsync()
        $p
    }
    # CPU seconds of a process and every live descendant, each with what it reaped (cutime + cstime).
    function Children([int] $parent) {
        foreach ($d in [IO.Directory]::GetDirectories('/proc')) {
            $name = [IO.Path]::GetFileName($d)
            if ($name -notmatch '^\d+$') { continue }
            try { $f = ((Get-Content "$d/stat" -Raw -ErrorAction Stop) -replace '^.*\) ', '') -split ' ' } catch { continue }
            if ([int]$f[1] -eq $parent) { [int]$name }
        }
    }
    function TreeCpu([int] $procId) {
        $sum = 0.0
        try { $sum = Cpu $procId -Children } catch { return 0.0 }
        foreach ($c in Children $procId) { $sum += TreeCpu $c }
        $sum
    }
    function SourceCpu([int] $procId) { $t = 0.0; foreach ($c in Children $procId) { $t += TreeCpu $c }; $t }
    function IdleWindow([Diagnostics.Process] $p, [string] $label) {
        $srv = ServerPid
        $own0 = Cpu $p.Id -Children; $src0 = SourceCpu $p.Id; $s0 = Cpu $srv
        $kids = @(Children $p.Id | ForEach-Object { (Get-Content "/proc/$_/comm" -ErrorAction SilentlyContinue) })
        Start-Sleep -Seconds $IdleSeconds
        $own1 = Cpu $p.Id -Children; $src1 = SourceCpu $p.Id; $s1 = Cpu $srv
        $n = if (Test-Path $events) { @(Get-Content $events).Count } else { 0 }
        Say ('{0}, nothing changing for {1} s: {2} of a core for pwsh (+ children it reaped), {3} for its live children ({4}) and what they ran, tmux server {5}; {6} events' -f $label, $IdleSeconds,
            (Pct ($own1 - $own0) $IdleSeconds), (Pct ($src1 - $src0) $IdleSeconds), ($(if ($kids) { $kids -join ', ' } else { 'none' })), (Pct ($s1 - $s0) $IdleSeconds), $n)
    }
    $follow = "Import-Module '$ModulePath'; Get-FleetEvent -Follow -RosterPath '$roster' | ForEach-Object { [IO.File]::AppendAllText('$events', ([DateTime]::UtcNow.Ticks.ToString() + ' ' + `$_.Agent + ' ' + `$_.Property + ' ' + `$_.To + [char]10)) }"

    # The floor: a pwsh with the module loaded, doing nothing.
    $idle = StartPwsh "Import-Module '$ModulePath'; Start-Sleep -Seconds 100000"
    Start-Sleep -Seconds $WarmupSeconds
    IdleWindow $idle 'Floor: pwsh with the module imported, idle'
    $idle.Kill($true); $null = $idle.WaitForExit(5000)

    # Timed polling (the previous mechanism): one list-panes + one systemctl started from pwsh every second.
    $poller = StartPwsh $follow @{ MOSAIC_FLEET_EVENTS_POLL = '1' }
    Start-Sleep -Seconds $WarmupSeconds
    IdleWindow $poller 'Get-FleetEvent -Follow, timed polling (MOSAIC_FLEET_EVENTS_POLL=1)'
    & kill -INT $poller.Id; if (-not $poller.WaitForExit(10000)) { $poller.Kill($true) }
    Remove-Item $events -ErrorAction SilentlyContinue

    # The long-lived source (the default): one sh for this host, printing only changes.
    $follower = StartPwsh $follow
    Start-Sleep -Seconds $WarmupSeconds # start-up, JIT and the baseline readings
    IdleWindow $follower 'Get-FleetEvent -Follow, one long-lived source per host (default)'
    $sources = @(Children $follower.Id)
    function WaitEvent([string] $agent, [string] $prop, [string] $to, [long] $afterTicks) {
        $deadline = [DateTime]::UtcNow.AddSeconds(15)
        while ([DateTime]::UtcNow -lt $deadline) {
            if (Test-Path $events) {
                foreach ($l in Get-Content $events) { $p = $l -split ' '; if ([long]$p[0] -gt $afterTicks -and $p[1] -eq $agent -and $p[2] -eq $prop -and $p[3] -eq $to) { return [long]$p[0] } }
            }
            Start-Sleep -Milliseconds 20
        }
        $null
    }
    $statusD = @(); $busyD = @(); $idleD = @()
    for ($r = 0; $r -lt $Rounds; $r++) {
        $target = "a$($r + 1)"
        $t0 = [DateTime]::UtcNow.Ticks
        & kill -TERM ([int](& tmux -L $socket display-message -p -t "=${target}:" '#{pane_pid}'))
        & tmux -L $socket set-option -t "=${target}:" remain-on-exit on 2>$null
        $e = WaitEvent $target Status Missing $t0; if (-not $e) { $e = WaitEvent $target Status Dead $t0 }
        if ($e) { $statusD += ($e - $t0) / 1e4 }
        $t0 = [DateTime]::UtcNow.Ticks
        & tmux -L $socket send-keys -t '=fx:' "job$r" Enter
        $e = WaitEvent fx Activity Busy $t0; if ($e) { $busyD += ($e - $t0) / 1e4 }
        # The fixture is busy for 2 s after the line; its screen stops changing when it prints "done".
        $deadline = [DateTime]::UtcNow.AddSeconds(10); $doneAt = $null
        while (-not $doneAt -and [DateTime]::UtcNow -lt $deadline) {
            if ((& tmux -L $socket capture-pane -p -t '=fx:') -match "done: job$r") { $doneAt = [DateTime]::UtcNow.Ticks } else { Start-Sleep -Milliseconds 20 }
        }
        $e = WaitEvent fx Activity Idle $t0; if ($e -and $doneAt) { $idleD += ($e - $doneAt) / 1e4 }
        Start-Sleep -Milliseconds 500
    }
    Say ('Get-FleetEvent -Follow delays over {0} rounds (median / max): Status {1:0} / {2:0} ms; Activity Busy {3:0} / {4:0} ms; Activity Idle after the output stopped {5:0} / {6:0} ms' -f $Rounds,
        (Median $statusD), ($statusD | Measure-Object -Maximum).Maximum, (Median $busyD), ($busyD | Measure-Object -Maximum).Maximum, (Median $idleD), ($idleD | Measure-Object -Maximum).Maximum)
    # Ctrl+C: SIGINT, then the process must be gone with no child left.
    & kill -INT $follower.Id
    $ended = $follower.WaitForExit(10000)
    $left = @($sources | Where-Object { Test-Path "/proc/$_" })
    Say ("Ctrl+C (SIGINT): follower ended: $ended; its source processes left: $($left.Count) of $($sources.Count)")
    if (-not $ended) { $follower.Kill($true) }

    # ---- the same fleet as a remote host: ssh to a private sshd on 127.0.0.1 (this machine, so the "remote" side's
    # CPU can be read too: everything the sshd runs for the sessions) ----
    if (-not $NoRemote -and (Test-Path /usr/sbin/sshd)) {
        $port = & { $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $l.Start(); $l.LocalEndpoint.Port; $l.Stop() }
        $sshdDir = Join-Path $work 'sshd'
        & sh (Join-Path $root 'tests/fixtures/sshd/new-test-sshd.sh') $sshdDir $port
        $sshd = [Diagnostics.Process]::Start('/usr/sbin/sshd', @('-D', '-f', (Join-Path $sshdDir 'sshd_config'), '-E', (Join-Path $sshdDir 'sshd.log')))
        $runDir = Join-Path $work 'run'
        New-Item -ItemType Directory -Force $runDir | Out-Null; & chmod 700 $runDir
        try {
            Start-Sleep -Seconds 1
            $remoteRoster = Join-Path $work 'roster-remote.yaml'
            Set-Content $remoteRoster (@(
                'version: 1', 'runtimes:',
                "  fixture: { command: 'python3 busy_agent.py', paneCommands: [python3], busyPattern: 'Working\.\.\.', waitingPattern: '\[y/n\]\s*$' }",
                "  idle: { command: 'cat', paneCommands: [cat] }",
                'hosts:',
                "  far: { ssh: root@127.0.0.1, port: $port, identityFile: '$sshdDir/user_ed25519', knownHostsFile: '$sshdDir/known_hosts', tmux: { socketName: $socket } }",
                'agents:') + ($agents | ForEach-Object { $_ -replace ' }$', ', host: far }' }))
            $remoteFollow = $follow.Replace("-RosterPath '$roster'", "-RosterPath '$remoteRoster'")
            # The ssh ControlMaster (a daemon once its first client is gone) and the sshd's sessions.
            function RemoteSideCpu {
                $t = TreeCpu $sshd.Id
                foreach ($d in [IO.Directory]::GetDirectories('/proc')) {
                    $name = [IO.Path]::GetFileName($d)
                    if ($name -notmatch '^\d+$') { continue }
                    $cmdline = try { [IO.File]::ReadAllText("$d/cmdline") } catch { '' }
                    if ($cmdline -match '\[mux\]' -and $cmdline -match [regex]::Escape($runDir)) { $t += Cpu ([int]$name) }
                }
                $t
            }
            foreach ($mode in 'poll', 'source') {
                $extra = @{ XDG_RUNTIME_DIR = $runDir }
                if ($mode -eq 'poll') { $extra['MOSAIC_FLEET_EVENTS_POLL'] = '1' }
                Remove-Item $events -ErrorAction SilentlyContinue
                $p = StartPwsh $remoteFollow $extra
                Start-Sleep -Seconds $WarmupSeconds
                $r0 = RemoteSideCpu
                IdleWindow $p ("Remote host over ssh, " + $(if ($mode -eq 'poll') { 'timed polling (one ssh call a second)' } else { 'one long-lived ssh source (default)' }))
                $r1 = RemoteSideCpu
                Say ('    the remote side meanwhile (sshd sessions, what they ran, the ssh ControlMaster): {0} of a core' -f (Pct ($r1 - $r0) $IdleSeconds))
                & kill -INT $p.Id; if (-not $p.WaitForExit(10000)) { $p.Kill($true) }
            }
        }
        finally { $sshd.Kill($true); $null = $sshd.WaitForExit(5000) }
    }
}
finally {
    & tmux -L $socket kill-server 2>$null
    if ($OutFile) { $report | Set-Content $OutFile }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
