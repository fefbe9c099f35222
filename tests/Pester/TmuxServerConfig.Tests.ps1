# The fleet's tmux server runs on its own configuration (issue 17): a user's ~/.tmux.conf must not reach it.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    $script:Saved = @{ HOME = $env:HOME; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME }

    function script:New-HostileHome($e) {
        # Everything a user's configuration could do to detached agents, in every file tmux would read.
        $hostile = @(
            'set -g destroy-unattached on'
            'set -s exit-empty on'
            'set -g remain-on-exit off'
            'set -g history-limit 10'
            'set -s set-clipboard on'
            'set -g default-size 20x5'
        ) -join "`n"
        $home_ = Join-Path $e.Directory 'home'
        $cfg = Join-Path $e.Directory 'cfg'
        New-Item -ItemType Directory -Force $home_, (Join-Path $cfg 'tmux') | Out-Null
        Set-Content -LiteralPath (Join-Path $home_ '.tmux.conf') -Value $hostile
        Set-Content -LiteralPath (Join-Path $cfg 'tmux/tmux.conf') -Value $hostile
        $env:HOME = $home_
        $env:XDG_CONFIG_HOME = $cfg
        $yaml = @"
version: 1
tmux: { socketName: $($e.Socket), holderSession: _holder }
runtimes:
  sleeper: { command: 'sleep 600', paneCommands: [sleep] }
agents:
  - { name: coder0, runtime: sleeper }
  - { name: coder1, runtime: sleeper }
"@
        Set-Content -LiteralPath $e.RosterPath -Value $yaml
        $null = New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 1 -Stderr 'Failed to connect to bus: No medium found'
    }

    function script:Get-ServerOption($e, [string] $Scope, [string] $Name) {
        $v = & tmux -L $e.Socket show-options $Scope -v $Name 2>$null
        $global:LASTEXITCODE = 0
        "$v".Trim()
    }
}

AfterAll {
    foreach ($k in $Saved.Keys) { if ($null -eq $Saved[$k]) { Remove-Item "env:$k" -ErrorAction Ignore } else { Set-Item "env:$k" $Saved[$k] } }
}

Describe 'A fleet server started with a hostile ~/.tmux.conf in HOME' {
    BeforeAll {
        $script:e = New-FleetTestEnvironment
        New-HostileHome $e
        Use-ShimPath -Environment $e {
            Start-FleetAgent -RosterPath $e.RosterPath -Name coder0, coder1 -Direct -Confirm:$false -ErrorAction Stop | Out-Null
        }
        Start-Sleep -Milliseconds 500
        $script:agents = Use-ShimPath -Environment $e { Get-FleetAgent -RosterPath $e.RosterPath }
    }
    AfterAll { Remove-FleetTestEnvironment $e }

    It 'keeps every detached agent running' {
        $agents.Status | Should -Be @('Running', 'Running')
    }

    It 'has the fleet''s options, not the user''s: <Name>' -ForEach @(
        @{ Scope = '-g'; Name = 'destroy-unattached'; Value = 'off' }
        @{ Scope = '-s'; Name = 'exit-empty'; Value = 'off' }
        @{ Scope = '-g'; Name = 'remain-on-exit'; Value = 'on' }
        @{ Scope = '-g'; Name = 'history-limit'; Value = '10000' }
        @{ Scope = '-s'; Name = 'set-clipboard'; Value = 'off' }
        @{ Scope = '-g'; Name = 'default-size'; Value = '200x50' }
    ) {
        Get-ServerOption $e $Scope $Name | Should -Be $Value
    }
}

Describe 'A fleet server that was already running with the user''s configuration' {
    BeforeAll {
        $script:e = New-FleetTestEnvironment
        New-HostileHome $e
        # Someone started the fleet's socket with a user's file (an old version, or by hand): a running server keeps
        # its options, so the holder must set the fleet's own before it makes its session.
        $running = Join-Path $e.Directory 'running.conf'
        Set-Content -LiteralPath $running -Value "set -g destroy-unattached on`nset -s exit-empty off`nset -s set-clipboard on"
        & tmux -f $running -L $e.Socket start-server
        $LASTEXITCODE | Should -Be 0
        $script:before = Get-ServerOption $e '-g' 'destroy-unattached'
        Use-ShimPath -Environment $e {
            Start-FleetAgent -RosterPath $e.RosterPath -Name coder0 -Direct -Confirm:$false -ErrorAction Stop | Out-Null
        }
        Start-Sleep -Milliseconds 500
        $script:agent = Use-ShimPath -Environment $e { Get-FleetAgent -RosterPath $e.RosterPath -Name coder0 }
    }
    AfterAll { Remove-FleetTestEnvironment $e }

    It 'gets the fleet''s options when the holder starts, and the agent survives' {
        $before | Should -Be 'on'
        Get-ServerOption $e '-g' 'destroy-unattached' | Should -Be 'off'
        Get-ServerOption $e '-s' 'set-clipboard' | Should -Be 'off'
        $agent.Status | Should -Be 'Running'
    }
}
