# The lifecycle on a REAL systemd user manager (UserManagerHelpers.psm1: systemd --user in a cgroup subtree of its own),
# locally and on a remote host over the test sshd whose sessions reach the same manager. One manager for the file.
# systemctl goes through a recording shim that execs the manager's nsenter wrapper, so the tests see both what systemd
# did and how many calls it took. loginctl stays a recording shim (it needs logind and a system bus).
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'UserManagerHelpers.psm1') -Force
    $script:NoManager = Get-TestUserManagerSkipReason
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UserManagerHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    $script:Fixture = Join-Path (Get-RepoRoot) 'tests/fixtures/record-runtime.py'
    $script:SavedEnv = @{}
    foreach ($k in 'HOME', 'XDG_CONFIG_HOME', 'XDG_RUNTIME_DIR', 'MOSAIC_SYSTEMCTL', 'MOSAIC_LOGINCTL', 'PATH', 'USER') { $SavedEnv[$k] = [Environment]::GetEnvironmentVariable($k) }

    function script:Get-Calls($log) { @(Get-RecordedCalls $log | ForEach-Object { $_ -join ' ' }) }
    function script:Sctl { $out = Invoke-TestSystemctl $m @args; $global:LASTEXITCODE = 0; $out }
    function script:Get-Prop([string] $Unit, [string] $Property) { "$(Sctl show -p $Property --value -- $Unit)".Trim() }
    function script:Get-Pane($socket, $session) {
        $line = & tmux -L $socket list-panes -t "=${session}:" -F '#{pane_id}|#{pane_pid}|#{pane_current_command}|#{pane_dead}' 2>$null
        $global:LASTEXITCODE = 0
        if (-not $line) { return $null }
        $p = "$line".Split('|', 4)
        [pscustomobject]@{ Id = $p[0]; Pid = [int]$p[1]; Command = $p[2]; Dead = $p[3] -eq '1' }
    }
    function script:Get-StartCalls($log) { @(Get-Calls $log | Where-Object { $_ -match '^--user (start|stop|restart|enable|disable|daemon-reload)' }) }
}

AfterAll {
    foreach ($k in $SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($k, $SavedEnv[$k]) }
}

Describe 'The lifecycle on a real systemd user manager' -Skip:([bool]$NoManager) {
    BeforeAll {
        $script:m = Start-TestUserManager
        $null = Enter-TestUserManager $m
        $script:e = New-FleetTestEnvironment -Prefix mfs
        $script:records = Join-Path $e.Directory 'records'
        New-Item -ItemType Directory -Force $records | Out-Null
        New-FakeRuntime -Environment $e -Name fakert -Target python3 | Out-Null
        # systemctl: record, then the manager's wrapper (found first on PATH, after the shim directory).
        $env:PATH = "$($e.ShimDir):$($m.Environment.PATH)"
        $script:sysLog = New-RecordingShim -Environment $e -Program 'systemctl'
        $env:MOSAIC_SYSTEMCTL = Join-Path $e.ShimDir 'systemctl'
        $script:loginLog = New-RecordingShim -Environment $e -Program 'loginctl' -Fail -ExitCode 0 -Stderr ''
        $env:MOSAIC_LOGINCTL = Join-Path $e.ShimDir 'loginctl'
        $env:USER = 'fleetop'
        $agents = foreach ($n in 'coder0', 'coder1', 'coder2') {
            "  - { name: $n, runtime: fakert, workingDirectory: '~', runtimeBin: $(ConvertTo-YamlScalar $e.BinDir), environment: { RECORD_DIR: $(ConvertTo-YamlScalar $records) } }"
        }
        $yaml = @"
version: 1
transport: tmux
tmux: { socketName: $($e.Socket), holderSession: _holder }
runtimes:
  fakert: { command: $(ConvertTo-YamlScalar "fakert $(ConvertTo-ShQuote $Fixture)"), paneCommands: [fakert] }
agents:
$($agents -join "`n")
"@
        Set-Content -LiteralPath $e.RosterPath -Value $yaml -NoNewline
        $script:units = 'coder0', 'coder1', 'coder2' | ForEach-Object { "mosaic-agent@$_.service" }
        $script:holder = 'mosaic-tmux-holder.service'
    }
    AfterAll {
        Stop-TestUserManager $m
        Remove-FleetTestEnvironment $e
    }

    It 'Install-FleetUnit: one enable for all units, one reload; units loaded and enabled; no warning' {
        $out = Install-FleetUnit -RosterPath $e.RosterPath -PassThru -WarningVariable w
        $w | Should -BeNullOrEmpty
        $out.Count | Should -Be 8 # holder, template, and per agent its env file and its supervision drop-in
        Get-StartCalls $sysLog | Should -Be @(
            "--user enable --no-reload $holder $($units -join ' ')"
            '--user daemon-reload')
        Get-Calls $loginLog | Should -Be @('enable-linger fleetop')
        foreach ($u in @($holder) + $units) {
            Get-Prop $u LoadState | Should -Be 'loaded' -Because $u
            "$(Sctl is-enabled $u)" | Should -Be 'enabled' -Because $u
        }
        # Enabled, not started: the manager holds them as inactive (or not at all); Get-FleetAgent says so.
        (Get-FleetAgent -RosterPath $e.RosterPath).ServiceState | Should -Be @('inactive/dead', 'inactive/dead', 'inactive/dead')
    }

    It 'Start-FleetAgent through systemd: one start call for all; each runtime in a scope of its own; ServiceState is systemd''s' {
        Remove-Item $sysLog
        $a = Start-FleetAgent 'coder*' -RosterPath $e.RosterPath -PassThru
        $a.Status | Should -Be @('Running', 'Running', 'Running')
        # Supervised: the unit lives as long as the runtime (Type=exec around the waiter).
        $a.ServiceState | Should -Be @('active/running', 'active/running', 'active/running')
        Get-StartCalls $sysLog | Should -Be @("--user start $($units -join ' ')")
        $holderCgroup = Get-TestUnitCgroup $m $holder
        $holderCgroup | Should -BeLike "$($m.CgroupPath)/app.slice/mosaic-tmux-holder.service"
        foreach ($n in 'coder0', 'coder1', 'coder2') {
            $pane = Get-Pane $e.Socket $n
            Wait-Until -TimeoutSeconds 20 { (Get-Pane $e.Socket $n).Command -eq 'fakert' } | Should -BeTrue
            Get-ProcessCgroup $pane.Pid | Should -Be "$($m.CgroupPath)/app.slice/mosaic-pane-$n.scope"
        }
        foreach ($u in $units) { Get-Prop $u ActiveState | Should -Be 'active' }
    }

    It 'a second Install-FleetUnit cycles neither the holder nor a running agent, and does not reload' {
        $before = @{}
        foreach ($u in @($holder) + $units) { $before[$u] = Get-Prop $u InvocationID }
        $panes = 'coder0', 'coder1', 'coder2' | ForEach-Object { (Get-Pane $e.Socket $_).Pid }
        Remove-Item $sysLog
        $out = Install-FleetUnit -RosterPath $e.RosterPath -PassThru -WarningVariable w
        $w | Should -BeNullOrEmpty
        $out.Changed | Should -Not -Contain $true
        Get-StartCalls $sysLog | Should -Be @("--user enable --no-reload $holder $($units -join ' ')")
        foreach ($u in @($holder) + $units) {
            Get-Prop $u InvocationID | Should -Be $before[$u] -Because "$u must not be restarted"
            Get-Prop $u ActiveState | Should -Be 'active'
        }
        'coder0', 'coder1', 'coder2' | ForEach-Object { (Get-Pane $e.Socket $_).Pid } | Should -Be $panes
    }

    It 'Stop-FleetAgent stops only its agent' {
        $others = 'coder0', 'coder2' | ForEach-Object { (Get-Pane $e.Socket $_).Pid }
        Remove-Item $sysLog
        Stop-FleetAgent coder1 -RosterPath $e.RosterPath
        Get-StartCalls $sysLog | Should -Be @('--user stop mosaic-agent@coder1.service')
        Get-Pane $e.Socket coder1 | Should -BeNullOrEmpty
        Get-Prop 'mosaic-agent@coder1.service' ActiveState | Should -Be 'inactive'
        'coder0', 'coder2' | ForEach-Object { (Get-Pane $e.Socket $_).Pid } | Should -Be $others
        Get-Prop $holder ActiveState | Should -Be 'active'
        (Get-FleetAgent coder1 -RosterPath $e.RosterPath).ServiceState | Should -Be 'inactive/dead'
    }

    It 'Restart-FleetAgent gives a new pane, in its own scope again' {
        $old = Get-Pane $e.Socket coder0
        $a = Restart-FleetAgent coder0 -RosterPath $e.RosterPath -PassThru -WarningVariable w
        $w | Should -BeNullOrEmpty -Because 'the installed files are what the roster gives'
        $a.Status | Should -Be 'Running'
        $new = Get-Pane $e.Socket coder0
        $new.Id | Should -Not -Be $old.Id
        $new.Pid | Should -Not -Be $old.Pid
        Get-ProcessCgroup $new.Pid | Should -Be "$($m.CgroupPath)/app.slice/mosaic-pane-coder0.scope"
        Get-Prop 'mosaic-agent@coder0.service' ActiveState | Should -Be 'active'
    }

    It 'Restart-FleetAgent of a running agent warns when the roster changed since the install' {
        $saved = Get-Content -LiteralPath $e.RosterPath -Raw
        try {
            Set-Content -LiteralPath $e.RosterPath -NoNewline -Value ($saved.Replace('paneCommands: [fakert] }', "paneCommands: [fakert], environment: { CHANGED: '1' } }"))
            (Get-Content -LiteralPath $e.RosterPath -Raw) | Should -Match 'CHANGED'
            Restart-FleetAgent coder0 -RosterPath $e.RosterPath -WarningVariable w -WarningAction SilentlyContinue | Out-Null
            "$w" | Should -Match 'differ from what the roster gives now.*Install-FleetUnit'
        } finally {
            Set-Content -LiteralPath $e.RosterPath -NoNewline -Value $saved
        }
    }

    It 'a unit that fails to start is that agent''s error; the others start in the same one call' {
        Stop-FleetAgent 'coder*' -RosterPath $e.RosterPath
        $dropIn = Join-Path $m.UnitDirectory 'mosaic-agent@coder2.service.d'
        New-Item -ItemType Directory -Force $dropIn | Out-Null
        Set-Content (Join-Path $dropIn 'fail.conf') "[Service]`nExecStartPre=/bin/false`n"
        Sctl daemon-reload
        Remove-Item $sysLog
        $a = Start-FleetAgent 'coder*' -RosterPath $e.RosterPath -PassThru -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0] | Assert-FleetError -Id StartFailed -Target 'coder2'
        "$($errs[0])" | Should -Match 'mosaic-agent@coder2\.service'
        "$($errs[0])" | Should -Not -Match 'coder[01]'
        Get-StartCalls $sysLog | Should -Be @("--user start $($units -join ' ')")
        $a.Name | Should -Be @('coder0', 'coder1')
        $a.Status | Should -Be @('Running', 'Running')
        # Restart=on-failure also retries a failed start (after RestartSec), until the start limit.
        (Get-FleetAgent coder2 -RosterPath $e.RosterPath).ServiceState | Should -BeIn @('failed/failed', 'activating/auto-restart')
    }

    It 'Get-FleetAgent for a unit the manager dropped (disabled, then reset-failed): inactive/dead; masked: masked' {
        Sctl stop mosaic-agent@coder2.service # its failing start is retried (Restart=on-failure) until stopped
        Sctl disable mosaic-agent@coder2.service
        Sctl reset-failed mosaic-agent@coder2.service
        @(Sctl list-units --all --plain --no-legend 'mosaic-agent@coder2*') | Should -BeNullOrEmpty
        (Get-FleetAgent coder2 -RosterPath $e.RosterPath).ServiceState | Should -Be 'inactive/dead'
        Sctl mask mosaic-agent@coder2.service
        try {
            (Get-FleetAgent coder2 -RosterPath $e.RosterPath).ServiceState | Should -Be 'masked'
        } finally {
            Sctl unmask mosaic-agent@coder2.service
            Sctl enable mosaic-agent@coder2.service
            Remove-Item (Join-Path $m.UnitDirectory 'mosaic-agent@coder2.service.d/fail.conf')
            Sctl daemon-reload
        }
    }

    It 'Get-FleetAgent spawns two processes for the host: tmux list-panes and one systemctl' {
        Remove-Item $sysLog
        $tmuxLog = New-RecordingShim -Environment $e -Program 'tmux'
        try {
            $env:MOSAIC_TMUX = Join-Path $e.ShimDir 'tmux'
            $null = Get-FleetAgent -RosterPath $e.RosterPath
        } finally { Remove-Item Env:MOSAIC_TMUX; Remove-Item (Join-Path $e.ShimDir 'tmux') }
        Get-Calls $sysLog | Should -Be @('--user list-units --all --plain --no-legend --full --no-pager -- mosaic-agent@*')
        @(Get-Calls $tmuxLog).Count | Should -Be 1
    }

    It 'Uninstall-FleetUnit stops and disables every unit in one call, then removes the files; the units are not-found' {
        Remove-Item $sysLog
        $out = Uninstall-FleetUnit -All -Force -PassThru -WarningVariable w
        $w | Should -BeNullOrEmpty
        $out.Action | Should -Not -Contain 'Unchanged'
        Get-StartCalls $sysLog | Should -Be @(
            "--user disable --now --no-reload $($units -join ' ') $holder"
            '--user daemon-reload')
        Get-ChildItem $m.UnitDirectory -Filter 'mosaic-*' | Should -BeNullOrEmpty
        foreach ($u in @($holder) + $units) { Get-Prop $u LoadState | Should -Be 'not-found' }
        & tmux -L $e.Socket has-session 2>$null
        $LASTEXITCODE | Should -Not -Be 0 -Because 'stopping the holder ends the fleet''s tmux server'
        $global:LASTEXITCODE = 0
        (Get-FleetAgent -RosterPath $e.RosterPath).ServiceState | Should -Be @('not-found', 'not-found', 'not-found')
    }

    Context 'on a remote host whose ssh sessions reach the manager' {
        BeforeAll {
            $script:sshd = Start-TestSshd -Environment $e -SetEnv @{
                HOME = $m.Home; XDG_CONFIG_HOME = $m.XdgConfigHome; XDG_RUNTIME_DIR = $m.XdgRuntimeDir; MOSAIC_RUNTIME_BIN = $e.BinDir
                PATH = "$($e.ShimDir):$($m.BinDirectory):/usr/local/bin:/usr/bin:/bin" }
            $script:rsock = "$($e.Socket)-r"
            $e.Sockets.Add($rsock)
            $yaml = @"
version: 1
transport: tmux
tmux: { socketName: $($e.Socket), holderSession: _holder }
hosts:
  far: { ssh: root@127.0.0.1, port: $($sshd.Ports[0]), identityFile: $(ConvertTo-YamlScalar $sshd.IdentityFile), knownHostsFile: $(ConvertTo-YamlScalar $sshd.KnownHostsFile), tmux: { socketName: $rsock } }
runtimes:
  fakert: { command: $(ConvertTo-YamlScalar "fakert $(ConvertTo-ShQuote $Fixture)"), paneCommands: [fakert] }
agents:
  - { name: far1, runtime: fakert, host: far, environment: { RECORD_DIR: $(ConvertTo-YamlScalar $records) } }
  - { name: far2, runtime: fakert, host: far, environment: { RECORD_DIR: $(ConvertTo-YamlScalar $records) } }
"@
            $script:remoteRoster = Join-Path $e.Directory 'remote.yaml'
            Set-Content -LiteralPath $remoteRoster -Value $yaml -NoNewline
            # This side: other directories, so whatever lands in the manager's came over ssh. A short runtime
            # directory: ssh's ControlMaster socket path must fit a Unix socket's 108 bytes.
            $env:HOME = Join-Path $e.Directory 'lhome'
            $env:XDG_CONFIG_HOME = Join-Path $e.Directory 'lcfg'
            $script:shortRun = Join-Path '/tmp' ('mfr-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
            New-Item -ItemType Directory $shortRun | Out-Null
            & chmod 700 $shortRun
            $env:XDG_RUNTIME_DIR = $shortRun
        }
        AfterAll {
            if ($sshd) { Stop-TestSshd $sshd -ControlDirectory (Join-Path $shortRun 'mosaic-fleet') }
            $env:HOME = $m.Home; $env:XDG_CONFIG_HOME = $m.XdgConfigHome; $env:XDG_RUNTIME_DIR = $m.XdgRuntimeDir
            Remove-Item -LiteralPath $shortRun -Recurse -Force -ErrorAction Ignore
        }

        It 'installs, starts (one call), reads and uninstalls through systemd on the host' {
            Remove-Item $sysLog -ErrorAction Ignore
            Install-FleetUnit -RosterPath $remoteRoster -HostName far -WarningVariable w -WarningAction SilentlyContinue
            # loginctl is not on the remote PATH: the one expected warning.
            @($w | Where-Object { "$_" -notmatch 'linger' }) | Should -BeNullOrEmpty
            Get-StartCalls $sysLog | Should -Be @(
                '--user enable --no-reload mosaic-tmux-holder.service mosaic-agent@far1.service mosaic-agent@far2.service'
                '--user daemon-reload')
            "$(Sctl is-enabled mosaic-agent@far2.service)" | Should -Be 'enabled'
            (Get-FleetAgent -RosterPath $remoteRoster).ServiceState | Should -Be @('inactive/dead', 'inactive/dead')

            Remove-Item $sysLog
            $a = Start-FleetAgent 'far*' -RosterPath $remoteRoster -PassThru
            $a.Status | Should -Be @('Running', 'Running')
            $a.ServiceState | Should -Be @('active/running', 'active/running')
            Get-StartCalls $sysLog | Should -Be @('--user start mosaic-agent@far1.service mosaic-agent@far2.service')
            Get-ProcessCgroup (Get-Pane $rsock far1).Pid | Should -Be "$($m.CgroupPath)/app.slice/mosaic-pane-far1.scope"

            Stop-FleetAgent far1 -RosterPath $remoteRoster
            (Get-FleetAgent -RosterPath $remoteRoster).ServiceState | Should -Be @('inactive/dead', 'active/running')

            Remove-Item $sysLog
            Uninstall-FleetUnit -All -RosterPath $remoteRoster -HostName far -Force
            Get-StartCalls $sysLog | Should -Be @(
                '--user disable --now --no-reload mosaic-agent@far1.service mosaic-agent@far2.service mosaic-tmux-holder.service'
                '--user daemon-reload')
            (Get-FleetAgent -RosterPath $remoteRoster).ServiceState | Should -Be @('not-found', 'not-found')
        }
    }
}

# Issue 17 on the real manager: two rosters of different tenants, each with a coder0 and a tmux socket of its own, install,
# start, stop and uninstall independently on one host and one user manager.
Describe 'Two tenants with the same agent names on a real systemd user manager' -Skip:([bool]$NoManager) {
    BeforeAll {
        $script:m = Start-TestUserManager
        $null = Enter-TestUserManager $m
        $script:e = New-FleetTestEnvironment -Prefix mft
        New-FakeRuntime -Environment $e -Name fakert -Target python3 | Out-Null
        $env:PATH = "$($e.ShimDir):$($m.Environment.PATH)"
        $env:MOSAIC_SYSTEMCTL = $m.Systemctl
        $script:loginLog = New-RecordingShim -Environment $e -Program 'loginctl' -Fail -ExitCode 0 -Stderr ''
        $env:MOSAIC_LOGINCTL = Join-Path $e.ShimDir 'loginctl'
        $env:USER = 'fleetop'
        $script:rosters = @{}
        $script:sockets = @{}
        $records = Join-Path $e.Directory 'records'
        New-Item -ItemType Directory -Force $records | Out-Null
        foreach ($t in 'alpha', 'beta') {
            $sockets[$t] = "$($e.Socket)$($t[0])"
            $rosters[$t] = Join-Path $e.Directory "$t.yaml"
            Set-Content -LiteralPath $rosters[$t] -NoNewline -Value @"
version: 1
tenant: $t
tmux: { socketName: $($sockets[$t]), holderSession: _holder }
runtimes:
  fakert: { command: $(ConvertTo-YamlScalar "fakert $(ConvertTo-ShQuote $Fixture)"), paneCommands: [fakert] }
agents:
  - { name: coder0, runtime: fakert, workingDirectory: '~', runtimeBin: $(ConvertTo-YamlScalar $e.BinDir), environment: { RECORD_DIR: $(ConvertTo-YamlScalar $records) } }
"@
        }
    }
    AfterAll {
        foreach ($s in $sockets.Values) { & tmux -L $s kill-server 2>$null; $global:LASTEXITCODE = 0 }
        Stop-TestUserManager $m
        Remove-FleetTestEnvironment $e
    }

    It 'installs and starts both through systemd: units of their own, both coder0 running on their own sockets' {
        foreach ($t in 'alpha', 'beta') { Install-FleetUnit -RosterPath $rosters[$t] -Confirm:$false -ErrorAction Stop | Out-Null }
        foreach ($t in 'alpha', 'beta') {
            Get-Prop "mosaic-agent.$t@coder0.service" LoadState | Should -Be 'loaded'
            "$(Sctl is-enabled "mosaic-tmux-holder.$t.service")" | Should -Be 'enabled'
        }
        foreach ($t in 'alpha', 'beta') { Start-FleetAgent coder0 -RosterPath $rosters[$t] -ErrorAction Stop }
        foreach ($t in 'alpha', 'beta') {
            Wait-Until -TimeoutSeconds 20 { (Get-Pane $sockets[$t] coder0).Command -eq 'fakert' } | Should -BeTrue
            $a = Get-FleetAgent coder0 -RosterPath $rosters[$t]
            $a.Status | Should -Be 'Running'
            $a.ServiceState | Should -Be 'active/running'
            Get-ProcessCgroup $a.PanePid | Should -Be "$($m.CgroupPath)/app.slice/mosaic-pane.$t-coder0.scope"
        }
    }

    It 'stops one tenant''s coder0 and leaves the other''s running' {
        $beta = (Get-Pane $sockets['beta'] coder0).Pid
        Stop-FleetAgent coder0 -RosterPath $rosters['alpha'] -ErrorAction Stop
        Get-Prop 'mosaic-agent.alpha@coder0.service' ActiveState | Should -Be 'inactive'
        Get-Pane $sockets['alpha'] coder0 | Should -BeNullOrEmpty
        (Get-Pane $sockets['beta'] coder0).Pid | Should -Be $beta
        Get-Prop 'mosaic-agent.beta@coder0.service' ActiveState | Should -Be 'active'
    }

    It 'uninstalls one tenant and keeps the other''s units running' {
        Uninstall-FleetUnit -RosterPath $rosters['alpha'] -All -Force -Confirm:$false -ErrorAction Stop
        Get-Prop 'mosaic-agent.alpha@coder0.service' LoadState | Should -Be 'not-found'
        Get-Prop 'mosaic-tmux-holder.beta.service' ActiveState | Should -Be 'active'
        (Get-FleetAgent coder0 -RosterPath $rosters['beta']).Status | Should -Be 'Running'
    }
}
