# Supervision on a REAL systemd --user manager (tests/fixtures/systemd, its own cgroup subtree) and a real tmux server
# started by the holder unit: restarts by systemd, the start limit (Failed), crash files, the holder's restart,
# Start/Stop, spacing and each runtime's own scope. Delays and limits are short so the file stays lean.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'UserManagerHelpers.psm1') -Force
    $script:NoManager = Get-TestUserManagerSkipReason
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UserManagerHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force

    function script:Get-PaneInfo($e, $session) {
        $line = & tmux -L $e.Socket list-panes -t "=${session}:" -F '#{pane_pid}|#{pane_dead}|#{pane_dead_status}' 2>$null
        $global:LASTEXITCODE = 0
        if (-not $line) { return $null }
        $p = "$line".Split('|')
        [pscustomobject]@{ Pid = [int]$p[0]; Dead = $p[1] -eq '1'; Status = $p[2] }
    }

    function script:Get-Agent([string] $Name) { Get-FleetAgent -Name $Name -RosterPath $e.RosterPath }

    # 0.1's holder unit and agent template, as 0.1 rendered them (oneshot, RemainAfterExit, BindsTo, ExecStop
    # kill-session/kill-server, the socket in the holder's Description), under the default tenant's names.
    function script:Set-ZeroOneUnits($m, $e) {
        $tmux = (Get-Command tmux -CommandType Application)[0].Source
        Set-Content -LiteralPath (Join-Path $m.UnitDirectory 'mosaic-tmux-holder.service') -Value @"
# Written by MosaicFleet (Install-FleetUnit). Rewritten on every install; do not edit.
[Unit]
Description=MosaicFleet tmux server holder (socket $($e.Socket))
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c '"`$`$0" -L "`$`$1" has-session -t "=`$`$2" 2>/dev/null || exec "`$`$0" -L "`$`$1" new-session -d -s "`$`$2"' $tmux $($e.Socket) _holder
ExecStop=-$tmux -L $($e.Socket) kill-server
"@
        Set-Content -LiteralPath (Join-Path $m.UnitDirectory 'mosaic-agent@.service') -Value @"
# Written by MosaicFleet (Install-FleetUnit). Rewritten on every install; do not edit.
[Unit]
Requires=mosaic-tmux-holder.service
BindsTo=mosaic-tmux-holder.service
After=mosaic-tmux-holder.service
[Service]
Type=oneshot
RemainAfterExit=yes
KillMode=process
EnvironmentFile=%E/mosaic/fleet/agents/%i.env
ExecStartPre=$tmux -L `${MOSAIC_TMUX_SOCKET} has-session -t `${MOSAIC_HOLDER_TARGET}
ExecStart=$tmux -L `${MOSAIC_TMUX_SOCKET} new-session -d -s `${MOSAIC_AGENT} -c `${MOSAIC_AGENT_WORKDIR} -- /bin/sh -c `${MOSAIC_PANE_COMMAND} ";" set-option -t `${MOSAIC_WINDOW_TARGET} remain-on-exit on
ExecStop=-$tmux -L `${MOSAIC_TMUX_SOCKET} kill-session -t `${MOSAIC_SESSION_TARGET}
"@
    }
}

Describe 'Supervision on a real user manager' -Skip:([bool]$NoManager) {
    BeforeAll {
        $script:m = Start-TestUserManager
        $script:savedManager = Enter-TestUserManager $m
        $script:e = New-FleetTestEnvironment
        $script:savedState = Enter-FleetTestStateDirs $e
        # The fixture's runtime dir, not the test environment's: systemd-run in the panes reaches the manager there.
        $env:XDG_RUNTIME_DIR = $m.XdgRuntimeDir
        $script:alloc = Join-Path $e.Directory 'alloc.py'
        Set-Content -LiteralPath $alloc -Value "import time`nb = []`nfor i in range(64):`n    b.append(bytearray(8 * 1024 * 1024))`n    time.sleep(0.02)`nprint('survived', flush=True)`ntime.sleep(600)`n"
        $yaml = @"
version: 1
tmux: { socketName: $($e.Socket), holderSession: _holder }
defaults:
  restart: { delaySeconds: 1, limit: 3, windowSeconds: 60 }
runtimes:
  crasher: { command: "sh -c 'echo boom-`$`$; echo last-line-of-crash; sleep 1; exit 3'", paneCommands: [sh] }
  steady: { command: 'sleep 600', paneCommands: [sleep] }
  clean: { command: "sh -c 'sleep 1; exit 0'", paneCommands: [sh] }
  hog: { command: $(ConvertTo-YamlScalar "python3 $alloc"), paneCommands: [python3] }
agents:
  - { name: crasher, runtime: crasher }
  - { name: steady, runtime: steady }
  - { name: clean, runtime: clean }
  - { name: hog, runtime: hog, restart: { policy: never }, resources: { memoryMax: 64M, tasksMax: 50, cpuWeight: 50 } }
  - { name: sp1, runtime: steady }
  - { name: sp2, runtime: steady }
"@
        Set-Content -LiteralPath $e.RosterPath -Value $yaml -NoNewline
        Install-FleetUnit -RosterPath $e.RosterPath -NoEnable
    }
    AfterAll {
        Invoke-TestSystemctl $m stop mosaic-tmux-holder.service 2>$null
        Remove-FleetTestEnvironment $e
        Exit-FleetTestStateDirs $savedState
        Exit-TestUserManager $savedManager
        Stop-TestUserManager $m
    }

    It 'installs units systemd accepts: exec waiter, per-agent drop-in with the start limit under [Unit]' {
        $dropIn = Join-Path $m.UnitDirectory 'mosaic-agent@crasher.service.d/50-mosaic-supervision.conf'
        Get-Content -Raw $dropIn | Should -Match '(?s)\[Unit\]\nStartLimitIntervalSec=60s\nStartLimitBurst=3\n.*\[Service\]\nRestart=on-failure\nRestartSec=1s'
        # systemd itself reads the start limit (under [Service], 252 would ignore StartLimitIntervalSec= as unknown).
        (Invoke-TestSystemctl $m show -p 'Type,Restart,RestartUSec,StartLimitBurst,StartLimitIntervalUSec' mosaic-agent@crasher.service | Sort-Object) -join ',' |
            Should -Be 'Restart=on-failure,RestartUSec=1s,StartLimitBurst=3,StartLimitIntervalUSec=1min,Type=exec'
        (Invoke-TestSystemctl $m show -p Restart --value mosaic-agent@hog.service) | Should -Be 'no'
        (Invoke-TestSystemctl $m show -p 'Type,Restart' mosaic-tmux-holder.service | Sort-Object) -join ',' | Should -Be 'Restart=always,Type=exec'
    }

    It 'relaunches a runtime that exits 3 after 1 s without anyone calling Start' {
        Start-FleetAgent -Name crasher, steady, clean -RosterPath $e.RosterPath -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        $first = Get-PaneInfo $e crasher
        $first | Should -Not -BeNullOrEmpty
        Wait-Until { $p = Get-PaneInfo $e crasher; $p -and -not $p.Dead -and $p.Pid -ne $first.Pid } -TimeoutSeconds 15 | Should -BeTrue
        $a = Get-Agent crasher
        $a.Restarts | Should -BeGreaterOrEqual 1
        $a.Supervised | Should -BeTrue
        (Get-Agent steady).Supervised | Should -BeTrue
    }

    It 'does not restart a runtime that exits 0' {
        Wait-Until { (Get-Agent clean).Status -eq 'Dead' } -TimeoutSeconds 10 | Should -BeTrue
        Start-Sleep -Seconds 2.5
        $a = Get-Agent clean
        $a.Status | Should -Be 'Dead'
        $a.LastExitStatus | Should -Be 0
        $a.ServiceState | Should -Be 'inactive/dead'
        $a.Supervised | Should -BeFalse
    }

    It 'after the limit it stays failed, and Get-FleetAgent says so' {
        Wait-Until { (Get-Agent crasher).Status -eq 'Failed' } -TimeoutSeconds 30 | Should -BeTrue
        $a = Get-Agent crasher
        $a.ServiceState | Should -Be 'failed/failed'
        $a.LastExitStatus | Should -Be 3
        $a.Supervised | Should -BeFalse
        $a.Restarts | Should -BeGreaterOrEqual 2
        $dead = Get-PaneInfo $e crasher
        Start-Sleep -Seconds 2.5
        (Get-PaneInfo $e crasher).Pid | Should -Be $dead.Pid -Because 'a failed unit launches nothing more'
        (Get-Agent crasher).Status | Should -Be 'Failed'
    }

    It 'keeps the crash: the dead pane''s last lines and exit status, mode 0600, newest first' {
        $crashes = @(Get-FleetAgentOutput -Name crasher -Crash -RosterPath $e.RosterPath)
        $crashes.Count | Should -BeGreaterOrEqual 3
        $crashes[0].Text | Should -Match 'last-line-of-crash'
        $crashes[0].Text | Should -Match 'boom-\d+'
        $crashes[0].ExitStatus | Should -Be 3
        $crashes[0].CapturedAt | Should -BeGreaterOrEqual $crashes[-1].CapturedAt
        $dir = Join-Path $env:XDG_STATE_HOME 'mosaic/fleet/local/crashes/crasher'
        $files = @(Get-ChildItem -LiteralPath $dir -Filter '*.txt')
        $files.Count | Should -Be $crashes.Count
        $files | ForEach-Object { $_.UnixMode | Should -Be '-rw-------' }
        (Get-Item -LiteralPath $dir).UnixMode | Should -Be 'drwx------'
    }

    It 'Start clears a failed agent and starts it' {
        $before = Get-PaneInfo $e crasher
        Start-FleetAgent -Name crasher -RosterPath $e.RosterPath -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        Wait-Until { $p = Get-PaneInfo $e crasher; $p -and $p.Pid -ne $before.Pid } -TimeoutSeconds 10 | Should -BeTrue
        $a = Get-Agent crasher
        $a.Status | Should -Not -Be 'Failed'
        $a.Restarts | Should -Be 0 -Because 'a start by hand begins a new count'
    }

    It 'Stop stays stopped (also during a restart wait)' {
        Stop-FleetAgent -Name crasher, steady -RosterPath $e.RosterPath
        Start-Sleep -Seconds 2.5
        foreach ($n in 'crasher', 'steady') {
            $a = Get-Agent $n
            $a.Status | Should -Be 'Missing'
            $a.ServiceState | Should -Be 'inactive/dead'
        }
    }

    It 'killing the tmux server brings the fleet back' {
        Start-FleetAgent -Name steady -RosterPath $e.RosterPath
        $before = Get-PaneInfo $e steady
        $holderPid = [int] "$(Invoke-TestSystemctl $m show -p MainPID --value mosaic-tmux-holder.service)"
        & tmux -L $e.Socket kill-server
        Wait-Until { $p = Get-PaneInfo $e steady; $p -and -not $p.Dead -and $p.Pid -ne $before.Pid } -TimeoutSeconds 20 | Should -BeTrue
        [int] "$(Invoke-TestSystemctl $m show -p MainPID --value mosaic-tmux-holder.service)" | Should -Not -Be $holderPid
        $a = Get-Agent steady
        $a.Status | Should -Be 'Running'
        $a.Supervised | Should -BeTrue
    }

    It 'runs each runtime in a scope of its own, outside the holder''s cgroup' {
        $p = Get-PaneInfo $e steady
        Get-ProcessCgroup $p.Pid | Should -Be "$($m.CgroupPath)/app.slice/mosaic-pane-steady.scope"
        $r = Get-FleetAgent -Name steady -Resources -RosterPath $e.RosterPath
        $r.CpuSeconds | Should -Not -BeNullOrEmpty
        $r.PSObject.TypeNames[0] | Should -Be 'MosaicFleet.FleetAgent#Resources'
        $widths = ($r | Format-Table | Out-String -Width 300) -split "`n" | ForEach-Object { $_.TrimEnd().Length }
        ($widths | Measure-Object -Maximum).Maximum | Should -BeLessOrEqual 80
    }

    It 'Start-FleetAgent -Spacing starts one agent after another with that gap' {
        Start-FleetAgent -Name sp1, sp2 -Spacing 2 -RosterPath $e.RosterPath
        $created = foreach ($n in 'sp1', 'sp2') { [long] "$(& tmux -L $e.Socket display-message -p -t "=${n}:" '#{session_created}')" }
        ($created[1] - $created[0]) | Should -BeGreaterOrEqual 2
        (Get-Agent sp2).Supervised | Should -BeTrue
    }

    It 'kills alone a runtime that allocates past memoryMax' {
        $controllers = Get-Content -Raw -LiteralPath (Join-Path $m.CgroupDirectory 'cgroup.controllers') -ErrorAction Ignore
        if ("$controllers" -notmatch '\bmemory\b') {
            Set-ItResult -Skipped -Because "the manager's cgroup2 hierarchy has no memory controller here (controllers: '$("$controllers".Trim())'); MemoryMax cannot be enforced"
            return
        }
        $steady = Get-PaneInfo $e steady
        Start-FleetAgent -Name hog -RosterPath $e.RosterPath -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        Wait-Until { (Get-Agent hog).Status -in 'Failed', 'Dead' } -TimeoutSeconds 20 | Should -BeTrue
        (Get-Agent hog).LastExitStatus | Should -Be 137
        $now = Get-PaneInfo $e steady
        $now.Pid | Should -Be $steady.Pid
        $now.Dead | Should -BeFalse
    }
}

Describe 'Upgrade from 0.1''s oneshot units on a real user manager' -Skip:([bool]$NoManager) {
    BeforeAll {
        $script:m = Start-TestUserManager
        $script:savedManager = Enter-TestUserManager $m
        $script:e = New-FleetTestEnvironment
        $script:savedState = Enter-FleetTestStateDirs $e
        $env:XDG_RUNTIME_DIR = $m.XdgRuntimeDir
        Set-Content -LiteralPath $e.RosterPath -NoNewline -Value @"
version: 1
tmux: { socketName: $($e.Socket), holderSession: _holder }
defaults:
  restart: { delaySeconds: 1 }
runtimes:
  steady: { command: 'sleep 600', paneCommands: [sleep] }
agents:
  - { name: old, runtime: steady }
"@
        Install-FleetUnit -RosterPath $e.RosterPath -NoEnable
        Set-ZeroOneUnits $m $e
        Remove-Item -LiteralPath (Join-Path $m.UnitDirectory 'mosaic-agent@old.service.d') -Recurse -Force
        Invoke-TestSystemctl $m daemon-reload
        Invoke-TestSystemctl $m start mosaic-agent@old.service
    }
    AfterAll {
        Invoke-TestSystemctl $m stop mosaic-tmux-holder.service 2>$null
        Remove-FleetTestEnvironment $e
        Exit-FleetTestStateDirs $savedState
        Exit-TestUserManager $savedManager
        Stop-TestUserManager $m
    }

    It 'adopts a running agent without ending its runtime, then restarts it when it dies; the holder needs -Force' {
        $before = Get-PaneInfo $e old
        $before.Dead | Should -BeFalse
        "$(Invoke-TestSystemctl $m show -p SubState --value mosaic-agent@old.service)" | Should -Be 'exited' -Because '0.1 left it active (exited)'
        Install-FleetUnit -RosterPath $e.RosterPath -NoEnable -WarningVariable w -WarningAction SilentlyContinue
        $w | Should -HaveCount 1
        "$($w[0])" | Should -Match 'mosaic-tmux-holder\.service.*-Force'
        (Get-PaneInfo $e old).Pid | Should -Be $before.Pid -Because 'adoption keeps the runtime'
        $a = Get-Agent old
        $a.ServiceState | Should -Be 'active/running'
        $a.Supervised | Should -BeTrue
        & tmux -L $e.Socket show-options -t '=old:' -v '@mosaic_adopt' 2>$null | Should -BeNullOrEmpty
        $global:LASTEXITCODE = 0
        # Supervised now: the runtime's death brings a new one (the hooks were set on the running server).
        Stop-Process -Id $before.Pid -Force
        Wait-Until { $p = Get-PaneInfo $e old; $p -and -not $p.Dead -and $p.Pid -ne $before.Pid } -TimeoutSeconds 15 | Should -BeTrue
        (Get-Agent old).Restarts | Should -Be 1
    }
}

Describe 'Upgrade from 0.1 of a roster that now has a tenant, on a real user manager' -Skip:([bool]$NoManager) {
    # 0.1 installed every roster under the default tenant's names; the same roster with tenant: acme installs under
    # mosaic-agent.acme@*. The old units still run its agents on the same socket: a warning, then -Force moves them.
    BeforeAll {
        $script:m = Start-TestUserManager
        $script:savedManager = Enter-TestUserManager $m
        $script:e = New-FleetTestEnvironment
        $script:savedState = Enter-FleetTestStateDirs $e
        $env:XDG_RUNTIME_DIR = $m.XdgRuntimeDir
        $script:body = @"
tmux: { socketName: $($e.Socket), holderSession: _holder }
runtimes:
  steady: { command: 'sleep 600', paneCommands: [sleep] }
agents:
  - { name: old, runtime: steady }
  - { name: idle, runtime: steady }
"@
        # 0.1's files, as 0.1 rendered them: default names, no roster recorded (the holder names its socket).
        $envDir = Join-Path $env:XDG_CONFIG_HOME 'mosaic/fleet/agents'
        New-Item -ItemType Directory -Force -Path $envDir | Out-Null
        foreach ($a in 'old', 'idle') {
            Set-Content -LiteralPath (Join-Path $envDir "$a.env") -Value @"
# Written by MosaicFleet (Install-FleetUnit) for agent $a. Rewritten on install; do not edit.
MOSAIC_AGENT=$a
MOSAIC_TMUX_SOCKET=$($e.Socket)
MOSAIC_HOLDER_TARGET==_holder
MOSAIC_SESSION_TARGET==$a
MOSAIC_WINDOW_TARGET==${a}:
MOSAIC_AGENT_WORKDIR=$($e.Directory)
MOSAIC_PANE_COMMAND=exec sleep 600
"@
        }
        Set-ZeroOneUnits $m $e
        Invoke-TestSystemctl $m daemon-reload
        Invoke-TestSystemctl $m start mosaic-agent@old.service
        Set-Content -LiteralPath $e.RosterPath -NoNewline -Value "version: 1`ntenant: acme`n$body"
    }
    AfterAll {
        Invoke-TestSystemctl $m stop mosaic-tmux-holder.acme.service mosaic-tmux-holder.service 2>$null
        Remove-FleetTestEnvironment $e
        Exit-FleetTestStateDirs $savedState
        Exit-TestUserManager $savedManager
        Stop-TestUserManager $m
    }

    It 'says plainly that the old units still run the agents, and leaves them alone without -Force' {
        $before = Get-PaneInfo $e old
        $before.Dead | Should -BeFalse
        Install-FleetUnit -RosterPath $e.RosterPath -WarningVariable w -WarningAction SilentlyContinue -ErrorAction Stop
        $move = @($w | Where-Object { "$_" -match 'default tenant' })
        $move | Should -HaveCount 1
        foreach ($u in 'mosaic-tmux-holder.service', 'mosaic-agent@old.service', 'mosaic-agent@idle.service') { "$($move[0])" | Should -Match ([regex]::Escape($u)) }
        "$($move[0])" | Should -Match "units of tenant 'acme'"
        "$($move[0])" | Should -Match '-Force'
        (Get-PaneInfo $e old).Pid | Should -Be $before.Pid
        "$(Invoke-TestSystemctl $m is-active mosaic-agent@old.service)" | Should -Be 'active'
        Test-Path (Join-Path $m.UnitDirectory 'mosaic-agent.acme@.service') | Should -BeTrue
    }

    It '-Force stops and removes the old units and starts under the tenant''s units the agents that ran' {
        $before = Get-PaneInfo $e old
        Install-FleetUnit -RosterPath $e.RosterPath -Force -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue -ErrorAction Stop
        @($w | Where-Object { "$_" -match 'default tenant' }) | Should -HaveCount 0
        foreach ($f in 'mosaic-tmux-holder.service', 'mosaic-agent@.service') { Test-Path (Join-Path $m.UnitDirectory $f) | Should -BeFalse -Because "$f was 0.1's" }
        Test-Path (Join-Path $env:XDG_CONFIG_HOME 'mosaic/fleet/agents/old.env') | Should -BeFalse
        "$(Invoke-TestSystemctl $m is-active mosaic-agent@old.service)" | Should -Not -Be 'active'
        Wait-Until { "$(Invoke-TestSystemctl $m is-active mosaic-agent.acme@old.service)" -eq 'active' } -TimeoutSeconds 15 | Should -BeTrue
        $a = Get-Agent old
        $a.Status | Should -Be 'Running'
        $a.Supervised | Should -BeTrue
        $a.ServiceState | Should -Be 'active/running'
        (Get-PaneInfo $e old).Pid | Should -Not -Be $before.Pid -Because 'the move restarts the runtime'
        (Get-Agent idle).Status | Should -Be 'Missing' -Because 'it did not run before the move'
        # Nothing left to move: a second install says nothing about it.
        Install-FleetUnit -RosterPath $e.RosterPath -WarningVariable w2 -WarningAction SilentlyContinue
        @($w2 | Where-Object { "$_" -match 'default tenant' }) | Should -HaveCount 0
    }
}
