# Lifecycle: Install-/Uninstall-FleetUnit, Initialize-Fleet, Start-/Stop-/Restart-FleetAgent.
# Here the exact systemctl/loginctl calls and their failure paths are checked with recording shims first on PATH, units
# with systemd-analyze verify, and the launch path with real tmux on a private socket. What systemd itself does with
# them (loaded, enabled, panes in the holder's cgroup, nothing cycled) is proven on a real user manager in
# SystemdLifecycle.Tests.ps1.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    $script:Fixture = Join-Path (Get-RepoRoot) 'tests/fixtures/record-runtime.py'
    $script:Saved = @{ HOME = $env:HOME; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME; USER = $env:USER; XDG_RUNTIME_DIR = $env:XDG_RUNTIME_DIR }

    function script:New-LifecycleFleet {
        <# A test environment with its own HOME, XDG_CONFIG_HOME, a fake runtime 'fakert' reachable only through the
           roster's runtimeBin, and a roster of coder0 (awkward working directory) and coder1. #>
        param([string] $Coder1Exit = '')
        $e = New-FleetTestEnvironment
        $home_ = Join-Path $e.Directory 'home'
        $awkward = Join-Path $home_ 'src/my app/100% $HOME'
        $records = Join-Path $e.Directory 'records'
        New-Item -ItemType Directory -Force $awkward, (Join-Path $home_ 'w1'), $records | Out-Null
        # The real interpreter (not a pyenv-style shim script, which would dispatch on the link's name).
        New-FakeRuntime -Environment $e -Name fakert -Target python3 | Out-Null
        $command = "fakert $(ConvertTo-ShQuote $Fixture) --flag 'a b' `"it's`""
        $yaml = @"
version: 1
transport: tmux
tmux: { socketName: $($e.Socket), holderSession: _holder }
runtimes:
  fakert: { command: $(ConvertTo-YamlScalar $command), paneCommands: [fakert] }
agents:
  - name: coder0
    runtime: fakert
    workingDirectory: '~/src/my app/100% `$HOME'
    runtimeBin: $(ConvertTo-YamlScalar $e.BinDir)
    environment: { RECORD_DIR: $(ConvertTo-YamlScalar $records), API_KEY: 'k`$y "q" %i \n' }
  - name: coder1
    runtime: fakert
    workingDirectory: '~/w1'
    runtimeBin: $(ConvertTo-YamlScalar $e.BinDir)
    environment: { RECORD_DIR: $(ConvertTo-YamlScalar $records), RECORD_EXIT: '$Coder1Exit' }
"@
        Set-Content -LiteralPath $e.RosterPath -Value $yaml -NoNewline
        $e | Add-Member -NotePropertyMembers @{ Home = $home_; Awkward = $awkward; Records = $records; Config = (Join-Path $e.Directory 'cfg') } -PassThru
    }

    function script:Use-LifecycleFleet($e) {
        $env:HOME = $e.Home
        $env:XDG_CONFIG_HOME = $e.Config
        $env:USER = 'fleetop'
    }

    function script:Get-Pane($e, $session) {
        $line = & tmux -L $e.Socket list-panes -t "=${session}:" -F '#{pane_id}|#{pane_pid}|#{pane_current_command}|#{pane_dead}|#{pane_current_path}' 2>$null
        $global:LASTEXITCODE = 0
        if (-not $line) { return $null }
        $p = "$line".Split('|', 5)
        [pscustomobject]@{ Id = $p[0]; Pid = [int]$p[1]; Command = $p[2]; Dead = $p[3] -eq '1'; Path = $p[4] }
    }

    function script:Get-Calls($log) { @(Get-RecordedCalls $log | ForEach-Object { $_ -join ' ' }) }

    # What `systemctl --user list-units --all --plain --no-legend` prints for these agents' units.
    function script:Get-ShowOutput([string[]] $Agents, [string] $Active) {
        ($Agents | ForEach-Object { "mosaic-agent@$_.service loaded $Active exited MosaicFleet agent $_`n" }) -join ''
    }
}

AfterAll {
    foreach ($k in $Saved.Keys) { Set-Item "env:$k" $Saved[$k] -ErrorAction Ignore; if ($null -eq $Saved[$k]) { Remove-Item "env:$k" -ErrorAction Ignore } }
}

Describe 'Install-FleetUnit' {
    BeforeAll {
        $script:e = New-LifecycleFleet
        Use-LifecycleFleet $e
        $script:sysLog = New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 0 -Stderr ''
        $script:loginLog = New-RecordingShim -Environment $e -Program 'loginctl' -Fail -ExitCode 0 -Stderr ''
        $script:unitDir = Join-Path $e.Config 'systemd/user'
        $script:envDir = Join-Path $e.Config 'mosaic/fleet/agents'
    }
    AfterAll { Remove-FleetTestEnvironment $e }

    It 'writes the holder, the template and one 0600 env file per agent, then reloads, enables and lingers, in order' {
        $out = Use-ShimPath $e { Install-FleetUnit -RosterPath $e.RosterPath -PassThru -WarningVariable script:w }
        $w | Should -BeNullOrEmpty
        $out | ForEach-Object { $_ | Should -BeOfType ([MosaicFleet.FleetUnitFile]) }
        $out.Kind | Should -Be @('HolderUnit', 'AgentUnit', 'EnvFile', 'AgentDropIn', 'EnvFile', 'AgentDropIn')
        $out.Agent | Should -Be @($null, $null, 'coder0', 'coder0', 'coder1', 'coder1')
        $out.Changed | Should -Be @($true, $true, $true, $true, $true, $true)
        $out[3].Path | Should -Be (Join-Path $unitDir 'mosaic-agent@coder0.service.d/50-mosaic-supervision.conf')
        $out[0].Path | Should -Be (Join-Path $unitDir 'mosaic-tmux-holder.service')
        $out[1].Path | Should -Be (Join-Path $unitDir 'mosaic-agent@.service')
        (Get-Item (Join-Path $envDir 'coder0.env')).UnixMode | Should -Be '-rw-------'
        # One enable for all units (no reload of its own), then one reload.
        Get-Calls $sysLog | Should -Be @(
            '--user enable --no-reload mosaic-tmux-holder.service mosaic-agent@coder0.service mosaic-agent@coder1.service'
            '--user daemon-reload')
        Get-Calls $loginLog | Should -Be @('enable-linger fleetop')
    }

    It 'renders units that systemd-analyze --user verify accepts, including the awkward working directory' {
        $runtime = Join-Path $e.Directory 'xdg-runtime'
        New-Item -ItemType Directory -Force $runtime | Out-Null
        & chmod 700 $runtime
        $saved = $env:XDG_RUNTIME_DIR
        try {
            $env:XDG_RUNTIME_DIR = $runtime
            $text = & systemd-analyze --user verify (Join-Path $unitDir 'mosaic-tmux-holder.service') 'mosaic-agent@coder0.service' 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($text -join "`n")
        } finally { $env:XDG_RUNTIME_DIR = $saved }
        (Read-SystemdEnvFile (Join-Path $envDir 'coder0.env'))['MOSAIC_AGENT_WORKDIR'] | Should -BeExactly $e.Awkward
    }

    It 'a unit with a relative ExecStart fails the same verify (the check can fail)' {
        $bad = Join-Path $unitDir 'mft-bad.service'
        Set-Content $bad "[Service]`nExecStart=tmux-not-absolute -V`n"
        $runtime = Join-Path $e.Directory 'xdg-runtime'
        $saved = $env:XDG_RUNTIME_DIR
        try {
            $env:XDG_RUNTIME_DIR = $runtime
            & systemd-analyze --user verify $bad 2>&1 | Out-Null
            $LASTEXITCODE | Should -Not -Be 0
        } finally { $env:XDG_RUNTIME_DIR = $saved; Remove-Item $bad; $global:LASTEXITCODE = 0 }
    }

    It 'is idempotent: a second run rewrites nothing (same mtime), reports Changed = false and does not reload' {
        $stamp = [datetime]::new(2001, 2, 3, 4, 5, 6, [DateTimeKind]::Utc)
        Get-ChildItem $unitDir, $envDir -File -Recurse | ForEach-Object { $_.LastWriteTimeUtc = $stamp }
        Remove-Item $sysLog, $loginLog
        $out = Use-ShimPath $e { Install-FleetUnit -RosterPath $e.RosterPath -PassThru }
        $out.Changed | Should -Be @($false, $false, $false, $false, $false, $false)
        Get-ChildItem $unitDir, $envDir -File -Recurse | ForEach-Object { $_.LastWriteTimeUtc | Should -Be $stamp }
        # enable printed no link it created, and no file changed: no reload.
        Get-Calls $sysLog | Should -Be @('--user enable --no-reload mosaic-tmux-holder.service mosaic-agent@coder0.service mosaic-agent@coder1.service')
    }

    It '-NoEnable reloads but enables nothing and leaves linger alone' {
        Remove-Item (Join-Path $envDir 'coder1.env'), $sysLog, $loginLog
        Use-ShimPath $e { Install-FleetUnit -RosterPath $e.RosterPath -NoEnable }
        Get-Calls $sysLog | Should -Be @('--user daemon-reload')
        Test-Path $loginLog | Should -BeFalse
        Join-Path $envDir 'coder1.env' | Should -Exist
    }

    It 'removes the env file of an agent dropped from the roster and disables its unit' {
        # The same roster file, edited (another roster file would be another roster's fleet: refused).
        $full = Get-Content -Raw $e.RosterPath
        try {
            $full -replace '(?s)  - name: coder1.*$', '' | Set-Content $e.RosterPath
            Remove-Item $sysLog
            # Removing a leftover is at High impact: -Confirm:$false, as a script would pass.
            $out = Use-ShimPath $e { Install-FleetUnit -RosterPath $e.RosterPath -NoEnable -PassThru -Confirm:$false }
            Join-Path $envDir 'coder1.env' | Should -Not -Exist
            ($out | Where-Object Agent -eq 'coder1').Action | Should -Be @('Removed', 'Removed')
            Join-Path $unitDir 'mosaic-agent@coder1.service.d/50-mosaic-supervision.conf' | Should -Not -Exist
            Get-Calls $sysLog | Should -Be @('--user disable --now --no-reload mosaic-agent@coder1.service', '--user daemon-reload')
        } finally {
            Set-Content -LiteralPath $e.RosterPath -Value $full -NoNewline
        }
        Use-ShimPath $e { Install-FleetUnit -RosterPath $e.RosterPath -NoEnable }
    }

    It 'turns each failing systemctl/loginctl call into a warning naming the unit and systemd''s message, and completes' {
        $fresh = Join-Path $e.Directory 'cfg-fail'
        $env:XDG_CONFIG_HOME = $fresh
        try {
            New-RecordingShim -Environment $e -Program 'systemctl' -Fail -Stderr 'Failed to connect to bus: No medium found' | Out-Null
            New-RecordingShim -Environment $e -Program 'loginctl' -Fail -Stderr 'Could not enable linger: Access denied' | Out-Null
            $out = Use-ShimPath $e { Install-FleetUnit -RosterPath $e.RosterPath -PassThru -WarningVariable script:w -WarningAction SilentlyContinue -ErrorVariable script:errs }
            $errs | Should -BeNullOrEmpty
            $out.Count | Should -Be 6
            # The enable for all units fails, so each unit is tried alone: one warning per unit, then the reload's, then linger's.
            $w.Count | Should -Be 5
            $w[0] | Should -Match 'mosaic-tmux-holder\.service.*Failed to connect to bus: No medium found'
            $w[1] | Should -Match 'mosaic-agent@coder0\.service.*No medium found'
            $w[2] | Should -Match 'mosaic-agent@coder1\.service.*No medium found'
            $w[3] | Should -Match 'Reload.*No medium found'
            $w[4] | Should -Match 'fleetop.*Access denied'
            Get-Calls (Join-Path $e.Directory 'systemctl.calls') | Select-Object -Last 5 | Should -Be @(
                '--user enable --no-reload mosaic-tmux-holder.service mosaic-agent@coder0.service mosaic-agent@coder1.service'
                '--user enable --no-reload mosaic-tmux-holder.service'
                '--user enable --no-reload mosaic-agent@coder0.service'
                '--user enable --no-reload mosaic-agent@coder1.service'
                '--user daemon-reload')
            Join-Path $fresh 'mosaic/fleet/agents/coder1.env' | Should -Exist
        } finally {
            $env:XDG_CONFIG_HOME = $e.Config
            New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 0 -Stderr '' | Out-Null
            New-RecordingShim -Environment $e -Program 'loginctl' -Fail -ExitCode 0 -Stderr '' | Out-Null
        }
    }

    It '-WhatIf writes nothing, runs nothing and says what it would do' {
        $fresh = Join-Path $e.Directory 'cfg-whatif'
        Remove-Item $sysLog, $loginLog -ErrorAction Ignore
        $r = Invoke-ChildPwsh -Command "Import-Module `$env:MOSAIC_FLEET_MODULE; Install-FleetUnit -RosterPath '$($e.RosterPath)' -WhatIf" -Environment @{
            XDG_CONFIG_HOME = $fresh; HOME = $e.Home; PATH = "$($e.ShimDir):$env:PATH"; USER = 'fleetop' }
        $r.Stderr | Should -BeNullOrEmpty
        $r.Stdout | Should -Match 'What if: Performing the operation "Write AgentUnit" on target ".*mosaic-agent@\.service"'
        $r.Stdout | Should -Match 'What if: .*systemctl --user enable --no-reload mosaic-tmux-holder\.service mosaic-agent@coder0\.service mosaic-agent@coder1\.service'
        $r.Stdout | Should -Match 'What if: .*loginctl enable-linger fleetop'
        Test-Path $fresh | Should -BeFalse
        Test-Path $sysLog | Should -BeFalse
        Test-Path $loginLog | Should -BeFalse
    }

    It 'refuses an unknown host, and a remote host it cannot reach, with clear errors' {
        { Install-FleetUnit -RosterPath $e.RosterPath -HostName nowhere -ErrorAction Stop } | Should -Throw -ErrorId 'HostNotFound,MosaicFleet.Cmdlets.InstallFleetUnitCommand'
        $remote = Join-Path $e.Directory 'remote.yaml'
        # A host name that does not resolve: ssh fails at once (no DNS here), one error for the host.
        (Get-Content -Raw $e.RosterPath).Replace('runtimes:', "hosts:`n  dragon: { ssh: op@dragon.invalid }`nruntimes:") | Set-Content $remote
        $err = $null
        try { Install-FleetUnit -RosterPath $remote -HostName dragon -ErrorAction Stop } catch { $err = $_ }
        $err | Assert-FleetError -Id FleetHostUnreachable; $err.FullyQualifiedErrorId | Should -BeLike '*,MosaicFleet.Cmdlets.InstallFleetUnitCommand'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.TargetObject | Should -Be 'dragon'
    }

    It 'Uninstall-FleetUnit -WhatIf removes nothing and runs nothing' {
        Remove-Item $sysLog -ErrorAction Ignore
        Use-ShimPath $e { Uninstall-FleetUnit -All -WhatIf }
        Test-Path $sysLog | Should -BeFalse
        Join-Path $unitDir 'mosaic-agent@.service' | Should -Exist
        Join-Path $envDir 'coder0.env' | Should -Exist
    }

    It 'Uninstall-FleetUnit -Force stops and disables the units, then removes only the files it wrote' {
        $foreign = Join-Path $envDir 'not-ours.env'
        Set-Content $foreign 'X=1'
        Remove-Item $sysLog -ErrorAction Ignore
        $out = Use-ShimPath $e { Uninstall-FleetUnit -All -Force -PassThru }
        Get-Calls $sysLog | Should -Be @(
            '--user disable --now --no-reload mosaic-agent@coder0.service mosaic-agent@coder1.service mosaic-tmux-holder.service'
            '--user daemon-reload'
            '--user reset-failed mosaic-agent@*')
        $out.Action | Should -Be @('Removed', 'Removed', 'Removed', 'Removed', 'Removed', 'Removed')
        Get-ChildItem $unitDir -Filter 'mosaic-*' -File -Recurse | Should -BeNullOrEmpty
        Get-ChildItem $envDir | ForEach-Object Name | Should -Be @('not-ours.env')
    }
}

Describe 'Start-, Stop-, Restart-FleetAgent through systemd (recording systemctl)' {
    BeforeAll {
        $script:e = New-LifecycleFleet
        Use-LifecycleFleet $e
        New-RecordingShim -Environment $e -Program 'loginctl' -Fail -ExitCode 0 -Stderr '' | Out-Null
        $script:sysLog = New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 0 -Stderr ''
        Use-ShimPath $e { Install-FleetUnit -RosterPath $e.RosterPath -NoEnable }
    }
    AfterAll { Remove-FleetTestEnvironment $e }

    It 'start: one list-units, then ONE systemctl --user start for all selected units' {
        New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 0 -Stderr '' -Stdout (Get-ShowOutput 'coder0', 'coder1' 'inactive') | Out-Null
        Remove-Item $sysLog -ErrorAction Ignore
        Use-ShimPath $e { Start-FleetAgent 'coder*' -RosterPath $e.RosterPath }
        Get-Calls $sysLog | Should -Be @(
            '--user list-units --all --plain --no-legend --full --no-pager -- mosaic-agent@*'
            '--user start mosaic-agent@coder0.service mosaic-agent@coder1.service'
            # Half a second later, one read of the started agents (did one die at once?).
            '--user list-units --all --plain --no-legend --full --no-pager -- mosaic-agent@*')
    }

    It 'stop and restart of active units: systemctl --user stop / restart' {
        New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 0 -Stderr '' -Stdout (Get-ShowOutput 'coder0' 'active') | Out-Null
        Remove-Item $sysLog -ErrorAction Ignore
        Use-ShimPath $e { Stop-FleetAgent coder0 -RosterPath $e.RosterPath; Restart-FleetAgent coder0 -RosterPath $e.RosterPath }
        Get-Calls $sysLog | Where-Object { $_ -notlike '--user list-units *' } | Should -Be @(
            '--user stop mosaic-agent@coder0.service'
            '--user restart mosaic-agent@coder0.service')
    }

    It 'a failed start and an unknown name are errors for those names; the other names still go ahead' {
        # systemctl answers list-units, and fails every start, naming each unit as systemctl does.
        $show = Get-ShowOutput 'coder0', 'coder1' 'inactive'
        Set-Content (Join-Path $e.ShimDir 'systemctl') @"
#!/bin/sh
printf '%s\n' "`$*" >> $(ConvertTo-ShQuote "$sysLog.failing")
case "`$2" in list-units) printf '%s' $(ConvertTo-ShQuote $show) ;; *) shift 2; for u in "`$@"; do echo "Job for `$u failed because the control process exited with error code." >&2; done; exit 1 ;; esac
"@
        Use-ShimPath $e { Start-FleetAgent coder0, nobody, coder1 -RosterPath $e.RosterPath -ErrorVariable script:errs -ErrorAction SilentlyContinue }
        $errs.Count | Should -Be 3
        $errs[0] | Assert-FleetError -Id AgentNotFound -Category ObjectNotFound -Target 'nobody'
        $errs[1] | Assert-FleetError -Id StartFailed -Target 'coder0'
        $errs[1].ToString() | Should -Match 'Job for mosaic-agent@coder0\.service failed'
        $errs[2].TargetObject | Should -Be 'coder1'
        # One call for both; each failure is named by systemctl, so no unit is tried again.
        Get-Content "$sysLog.failing" | Where-Object { $_ -notlike '--user list-units *' } | Should -Be @('--user start mosaic-agent@coder0.service mosaic-agent@coder1.service')
        "$($errs[1])" | Should -Not -Match 'coder1'
    }

    It 'an agent that joined the roster after the install starts directly, with a warning that nothing supervises it' {
        $saved = Get-Content -LiteralPath $e.RosterPath -Raw
        try {
            Add-Content -LiteralPath $e.RosterPath -Value "`n  - { name: late, runtime: fakert, workingDirectory: '~/w1', runtimeBin: $(ConvertTo-YamlScalar $e.BinDir), environment: { RECORD_DIR: $(ConvertTo-YamlScalar $e.Records) } }"
            # The user manager answers (exit 0), and knows no unit for 'late'.
            New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 0 -Stderr '' | Out-Null
            $out = @(Use-ShimPath $e { Start-FleetAgent late -RosterPath $e.RosterPath -PassThru 3>&1 })
            $a = $out | Where-Object { $_ -is [MosaicFleet.FleetAgent] }
            $a.Status | Should -Be 'Running'
            $a.Supervised | Should -BeFalse
            "$($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })" | Should -Match "Agent 'late' has no installed unit.*Install-FleetUnit"
            # -Direct asks for it: no warning then.
            $again = @(Use-ShimPath $e { Restart-FleetAgent late -Direct -RosterPath $e.RosterPath 3>&1 })
            $again | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | Should -BeNullOrEmpty
        } finally {
            Use-ShimPath $e { Stop-FleetAgent late -Direct -RosterPath $e.RosterPath -ErrorAction SilentlyContinue } | Out-Null
            Set-Content -LiteralPath $e.RosterPath -Value $saved -NoNewline
        }
    }

    It 'without a user manager (list-units fails) it starts directly in tmux instead' {
        New-RecordingShim -Environment $e -Program 'systemctl' -Fail -Stderr 'Failed to connect to bus: No medium found' | Out-Null
        Remove-Item $sysLog -ErrorAction Ignore
        $a = Use-ShimPath $e { Start-FleetAgent coder0 -RosterPath $e.RosterPath -PassThru }
        $a.Status | Should -Be 'Running'
        Get-Calls $sysLog | Where-Object { $_ -notlike '--user list-units *' } | Should -BeNullOrEmpty
        Wait-Until -TimeoutSeconds 30 { @(Get-Records $e 'coder0').Count -ge 1 } | Should -BeTrue
    }
}

Describe 'Start-FleetAgent -Direct with real tmux' {
    BeforeAll {
        $script:e = New-LifecycleFleet -Coder1Exit 7
        Use-LifecycleFleet $e
        $script:first = Start-FleetAgent coder0 -Direct -RosterPath $e.RosterPath -PassThru
        Wait-Until -TimeoutSeconds 30 { @(Get-Records $e 'coder0').Count -ge 1 -and (Get-Pane $e 'coder0').Command -eq 'fakert' } | Should -BeTrue
    }
    AfterAll { Remove-FleetTestEnvironment $e }

    It 'starts the agent in its working directory with the runtime bin on PATH and the runtime as the pane''s process' {
        $first.Status | Should -Be 'Running'
        $r = @(Get-Records $e 'coder0')[0]
        $r.argv | Should -Be @('--flag', 'a b', "it's")
        $r.cwd | Should -BeExactly $e.Awkward
        $r.path | Should -BeLike "$($e.BinDir):*"
        $r.apiKey | Should -BeExactly 'k$y "q" %i \n'
        $pane = Get-Pane $e 'coder0'
        $pane.Command | Should -Be 'fakert'
        $pane.Path | Should -BeExactly $e.Awkward
        (Get-FleetAgent coder0 -RosterPath $e.RosterPath).Drift | Should -BeFalse
    }

    It 'started the holder session first and set remain-on-exit on the agent''s window' {
        & tmux -L $e.Socket has-session -t '=_holder'
        $LASTEXITCODE | Should -Be 0
        & tmux -L $e.Socket show-options -w -v -t '=coder0:' remain-on-exit | Should -Be 'on'
    }

    It 'a second start says it is already running and changes nothing' {
        $before = Get-Pane $e 'coder0'
        $verbose = Start-FleetAgent coder0 -Direct -RosterPath $e.RosterPath -PassThru -Verbose 4>&1
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain "coder0 is already running (pane $($before.Id)); nothing to do."
        ($verbose | Where-Object { $_ -is [MosaicFleet.FleetAgent] }).Status | Should -Be 'Running'
        (Get-Pane $e 'coder0').Pid | Should -Be $before.Pid
        @(Get-Records $e 'coder0').Count | Should -Be 1
        # Nothing was launched, so there is no second look (the start check) either: one read of the host's panes.
        $tmuxLog = New-RecordingShim -Environment $e -Program 'tmux'
        try {
            Use-ShimPath $e { Start-FleetAgent coder0 -Direct -RosterPath $e.RosterPath }
            @(Get-RecordedCalls $tmuxLog | Where-Object { $_ -contains 'list-panes' }).Count | Should -Be 1
        } finally { Remove-Item (Join-Path $e.ShimDir 'tmux'), $tmuxLog -ErrorAction Ignore }
    }

    It 'a runtime whose command is not installed: Restart reports AgentExitedAtStart (exit 127), not a silent success' {
        $missing = Join-Path $e.Directory 'missing-start.yaml'
        (Get-Content -Raw $e.RosterPath).Replace("command: 'fakert ", "command: 'no-such-runtime-xyz ") | Set-Content $missing
        # Restart: coder0 runs (from the tests above); its new pane runs the missing command.
        $out = @(Restart-FleetAgent coder0 -Direct -RosterPath $missing -PassThru -ErrorVariable errs -ErrorAction SilentlyContinue)
        try {
            $tmuxStatus = & tmux -L $e.Socket list-panes -t '=coder0:' -F '#{pane_dead}|#{pane_dead_status}'
            $tmuxStatus | Should -BeLike '1|*'
            $errs.Count | Should -Be 1
            $errs[0] | Assert-FleetError -Id AgentExitedAtStart -Category InvalidResult -Target 'coder0'
            if ($tmuxStatus -eq '1|127') { "$($errs[0])" | Should -Match 'exit status 127: its command was not found' }
            $out.Status | Should -Be 'Dead'
        } finally {
            Restart-FleetAgent coder0 -Direct -RosterPath $e.RosterPath -ErrorAction SilentlyContinue
        }
    }

    It 'a runtime that exits leaves a Dead pane with its status, and Start replaces it' {
        # If it is already dead when Start looks (half a second after launch), that is Start's AgentExitedAtStart error.
        Start-FleetAgent coder1 -Direct -RosterPath $e.RosterPath -ErrorVariable startErrs -ErrorAction SilentlyContinue
        foreach ($r in $startErrs) { $r | Assert-FleetError -Id AgentExitedAtStart -Target coder1 }
        # tmux marks a pane dead when its pty closes and records the exit status when it reaps the child; tmux 3.3a
        # sometimes never records it (about 1 run in 5, plain tmux), so the status is checked against what tmux says.
        Wait-Until -TimeoutSeconds 30 { (Get-FleetAgent coder1 -RosterPath $e.RosterPath).Status -eq 'Dead' } | Should -BeTrue
        $null = Wait-Until -TimeoutSeconds 3 { $null -ne (Get-FleetAgent coder1 -RosterPath $e.RosterPath).DeadStatus }
        # tmux first: a status it has recorded stays, so the agent must show it; one recorded in between may show.
        $tmuxStatus = & tmux -L $e.Socket list-panes -t '=coder1:' -F '#{pane_dead_status}'
        $dead = Get-FleetAgent coder1 -RosterPath $e.RosterPath
        $dead.Status | Should -Be 'Dead'
        if ($tmuxStatus) { $tmuxStatus | Should -Be '7' }
        if ($tmuxStatus -or $null -ne $dead.DeadStatus) { $dead.DeadStatus | Should -Be 7 }
        $old = (Get-Pane $e 'coder1').Id
        Start-FleetAgent coder1 -Direct -RosterPath $e.RosterPath -ErrorVariable againErrs -ErrorAction SilentlyContinue
        foreach ($r in $againErrs) { $r | Assert-FleetError -Id AgentExitedAtStart }
        Wait-Until -TimeoutSeconds 30 { @(Get-Records $e 'coder1').Count -ge 2 } | Should -BeTrue
        (Get-Pane $e 'coder1').Id | Should -Not -Be $old
    }

    It 'restart gives a new pane pid' {
        $before = Get-Pane $e 'coder0'
        $after = Restart-FleetAgent coder0 -Direct -RosterPath $e.RosterPath -PassThru
        $after.PanePid | Should -Not -Be $before.Pid
        Wait-Until -TimeoutSeconds 30 { @(Get-Records $e 'coder0').Count -ge 2 } | Should -BeTrue
    }

    It 'stop removes the agent''s session only; the holder and other agents stay' {
        $out = Get-FleetAgent coder1 -RosterPath $e.RosterPath
        Stop-FleetAgent coder0 -RosterPath $e.RosterPath
        & tmux -L $e.Socket has-session -t '=coder0' 2>$null
        $LASTEXITCODE | Should -Not -Be 0
        & tmux -L $e.Socket has-session -t '=_holder'
        $LASTEXITCODE | Should -Be 0
        (Get-Pane $e 'coder1').Id | Should -Be $out.PaneId
        $verbose = Stop-FleetAgent coder0 -RosterPath $e.RosterPath -PassThru -Verbose 4>&1
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain 'coder0 is already stopped; nothing to do.'
        ($verbose | Where-Object { $_ -is [MosaicFleet.FleetAgent] }).Status | Should -Be 'Missing'
    }

    It 'binds Name from Get-FleetAgent objects on the pipeline' {
        $out = Get-FleetAgent coder0 -RosterPath $e.RosterPath | Start-FleetAgent -Direct -RosterPath $e.RosterPath -PassThru
        $out.Name | Should -Be 'coder0'
        $out.Status | Should -Be 'Running'
    }
}

Describe 'The installed unit, resolved by systemd''s rules, starts the same session as -Direct' {
    BeforeAll {
        $script:e = New-LifecycleFleet
        Use-LifecycleFleet $e
        New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 0 -Stderr '' | Out-Null
        New-RecordingShim -Environment $e -Program 'loginctl' -Fail -ExitCode 0 -Stderr '' | Out-Null
        Use-ShimPath $e { Install-FleetUnit -RosterPath $e.RosterPath }
        $script:unitDir = Join-Path $e.Config 'systemd/user'
    }
    AfterAll { Remove-FleetTestEnvironment $e }

    It 'runs the holder''s ExecStartPost, then the agent''s ExecStartPre lines with its env file' {
        # 1. -Direct, then stop everything (kill the server).
        Start-FleetAgent coder0 -Direct -RosterPath $e.RosterPath
        Wait-Until -TimeoutSeconds 30 { @(Get-Records $e 'coder0').Count -ge 1 -and (Get-Pane $e 'coder0').Command -eq 'fakert' } | Should -BeTrue
        $direct = Get-Pane $e 'coder0'
        & tmux -L $e.Socket kill-server

        # 2. What systemd would run: specifiers %i and %E, the env file without expansion, ${VAR} words as one argument.
        $specs = @{ i = 'coder0'; E = $e.Config }
        $envFileLine = @(Get-SystemdUnitValue (Join-Path $unitDir 'mosaic-agent@.service') 'EnvironmentFile')
        $envFileLine.Count | Should -Be 1
        $envFile = (Resolve-SystemdExecLine $envFileLine[0] @{} $specs)[0]
        $envFile | Should -Be (Join-Path $e.Config 'mosaic/fleet/agents/coder0.env')
        $vars = Read-SystemdEnvFile $envFile
        # No user manager here: the launch as a direct one (MOSAIC_LAUNCH, the units' Environment=, says which). The
        # holder's ExecStart is the server itself (tmux -D) and the agent's is its waiter: the launch is the holder's
        # ExecStartPost and the agent's ExecStartPre lines.
        $vars['MOSAIC_LAUNCH'] = 'direct'
        $lines = @(
            Get-SystemdUnitValue (Join-Path $unitDir 'mosaic-tmux-holder.service') 'ExecStartPost' | ForEach-Object { , (Resolve-SystemdExecLine $_ @{ MOSAIC_LAUNCH = 'direct' } $specs) }
            Get-SystemdUnitValue (Join-Path $unitDir 'mosaic-agent@.service') 'ExecStartPre' | ForEach-Object { , (Resolve-SystemdExecLine $_ $vars $specs) })
        $lines.Count | Should -Be 4 # holder ExecStartPost; has-session, the worktree script and the launch script (ExecStartPre)
        foreach ($argv in $lines) {
            [IO.Path]::IsPathRooted($argv[0]) | Should -BeTrue
            $rest = @($argv | Select-Object -Skip 1)
            # A unit runs with a minimal PATH: so do we.
            $saved = $env:PATH
            try { $env:PATH = '/usr/bin:/bin'; & $argv[0] @rest } finally { $env:PATH = $saved }
            $LASTEXITCODE | Should -Be 0 -Because ($argv -join ' | ')
        }
        Wait-Until -TimeoutSeconds 30 { @(Get-Records $e 'coder0').Count -ge 2 -and (Get-Pane $e 'coder0').Command -eq 'fakert' } | Should -BeTrue

        # 3. The same session: same command line, directory, environment, and PATH head (prefix baked in).
        $r = @(Get-Records $e 'coder0')
        $r[1].argv | Should -Be $r[0].argv
        $r[1].cwd | Should -BeExactly $r[0].cwd
        $r[1].apiKey | Should -BeExactly $r[0].apiKey
        $r[1].path | Should -BeLike "$($e.BinDir):*"
        $unitPane = Get-Pane $e 'coder0'
        $unitPane.Command | Should -Be $direct.Command
        $unitPane.Path | Should -BeExactly $direct.Path
        & tmux -L $e.Socket show-options -w -v -t '=coder0:' remain-on-exit | Should -Be 'on'
        (Get-FleetAgent coder0 -RosterPath $e.RosterPath).Status | Should -Be 'Running'
    }
}

Describe 'Initialize-Fleet' {
    BeforeAll {
        $script:e = New-LifecycleFleet
        Use-LifecycleFleet $e
        New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 0 -Stderr '' | Out-Null
        $script:loginLog = New-RecordingShim -Environment $e -Program 'loginctl' -Fail -ExitCode 0 -Stderr ''
        $script:starter = Join-Path $e.Directory 'new/roster.yaml'
    }
    AfterAll { Remove-FleetTestEnvironment $e }

    It '-WhatIf creates nothing' {
        Use-ShimPath $e { Initialize-Fleet -RosterPath $starter -WhatIf } | Out-Null
        $starter | Should -Not -Exist
        Join-Path $e.Config 'systemd/user/mosaic-agent@.service' | Should -Not -Exist
    }

    It 'writes a starter roster that loads, installs the units with linger, and says where the roster is' {
        $out = Use-ShimPath $e { Initialize-Fleet -RosterPath $starter }
        $out[0].Kind | Should -Be 'Roster'
        $out[0].Path | Should -Be $starter
        $out[0].Changed | Should -BeTrue
        (Get-FleetRoster -RosterPath $starter).Agents.Count | Should -Be 0
        Join-Path $e.Config 'systemd/user/mosaic-agent@.service' | Should -Exist
        Get-Calls $loginLog | Should -Be @('enable-linger fleetop')
    }

    It 'never overwrites an existing roster' {
        $before = Get-Content -Raw $starter
        $out = Use-ShimPath $e { Initialize-Fleet -RosterPath $starter }
        $out[0].Changed | Should -BeFalse
        Get-Content -Raw $starter | Should -Be $before
    }

    It 'warns for each runtime command missing, naming the PATH prefix it searched' {
        $roster = Join-Path $e.Directory 'missing.yaml'
        (Get-Content -Raw $e.RosterPath).Replace("command: 'fakert ", "command: 'no-such-runtime-xyz ") | Set-Content $roster
        # Another roster: a config folder of its own (this host already has the first roster's fleet installed).
        $saved = $env:XDG_CONFIG_HOME
        $env:XDG_CONFIG_HOME = Join-Path $e.Directory 'cfg-missing'
        try {
            Use-ShimPath $e { Initialize-Fleet -RosterPath $roster -WarningVariable script:w -WarningAction SilentlyContinue } | Out-Null
        } finally { $env:XDG_CONFIG_HOME = $saved }
        $w.Count | Should -Be 1
        $w[0] | Should -Match "Runtime 'fakert'.*'no-such-runtime-xyz'.*$([regex]::Escape($e.BinDir))"
    }
}
