# Rosters side by side (issue 17): two tenants with the same agent names on one host and one user manager.
# No systemd user manager here: systemctl/loginctl are recording shims, the launch path is real tmux (-Direct).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    $script:Saved = @{ HOME = $env:HOME; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME; XDG_STATE_HOME = $env:XDG_STATE_HOME; XDG_RUNTIME_DIR = $env:XDG_RUNTIME_DIR }

    function script:New-TenantRoster($e, [string] $Tenant, [string] $Socket) {
        $path = Join-Path $e.Directory "$Tenant.yaml"
        Set-Content -LiteralPath $path -Value @"
version: 1
tenant: $Tenant
tmux: { socketName: $Socket, holderSession: _holder }
runtimes:
  sleeper: { command: 'sleep 600', paneCommands: [sleep] }
agents:
  - { name: coder0, runtime: sleeper, environment: { TEAM: $Tenant } }
  - { name: coder1, runtime: sleeper }
"@
        $path
    }
}

AfterAll {
    foreach ($k in $Saved.Keys) { if ($null -eq $Saved[$k]) { Remove-Item "env:$k" -ErrorAction Ignore } else { Set-Item "env:$k" $Saved[$k] } }
}

Describe 'Two tenants with the same agent names on one host' {
    BeforeAll {
        $script:e = New-FleetTestEnvironment
        $script:sockB = "$($e.Socket)-b"
        $e.Sockets.Add($sockB)
        $env:HOME = Join-Path $e.Directory 'home'
        $env:XDG_CONFIG_HOME = Join-Path $e.Directory 'cfg'
        New-Item -ItemType Directory -Force $env:HOME | Out-Null
        $null = Enter-FleetTestStateDirs -Environment $e
        $script:sysLog = New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 0 -Stderr ''
        $null = New-RecordingShim -Environment $e -Program 'loginctl' -Fail -ExitCode 0 -Stderr ''
        $script:A = New-TenantRoster $e 'alpha' $e.Socket
        $script:B = New-TenantRoster $e 'beta' $sockB
        $script:unitDir = Join-Path $env:XDG_CONFIG_HOME 'systemd/user'
        Use-ShimPath -Environment $e {
            Install-FleetUnit -RosterPath $A -Confirm:$false -ErrorAction Stop
            Install-FleetUnit -RosterPath $B -Confirm:$false -ErrorAction Stop
            Start-FleetAgent -RosterPath $A -All -Direct -Confirm:$false -ErrorAction Stop | Out-Null
            Start-FleetAgent -RosterPath $B -All -Direct -Confirm:$false -ErrorAction Stop | Out-Null
        }
    }
    AfterAll { Remove-FleetTestEnvironment $e }

    It 'installs each tenant''s units and env files under names of its own' {
        @(Get-ChildItem -LiteralPath $unitDir -Name | Sort-Object) | Should -Be @(
            'mosaic-agent.alpha@.service', 'mosaic-agent.alpha@coder0.service.d', 'mosaic-agent.alpha@coder1.service.d',
            'mosaic-agent.beta@.service', 'mosaic-agent.beta@coder0.service.d', 'mosaic-agent.beta@coder1.service.d',
            'mosaic-tmux-holder.alpha.service', 'mosaic-tmux-holder.beta.service')
        foreach ($t in 'alpha', 'beta') {
            $envFile = Join-Path $env:XDG_CONFIG_HOME "mosaic/fleet/tenants/$t/agents/coder0.env"
            Get-Content -LiteralPath $envFile -Raw | Should -Match "TEAM=`"$t`""
        }
        $enables = @(Get-RecordedCalls $sysLog | Where-Object { $_ -contains 'enable' }) | ForEach-Object { $_ }
        $enables | Should -Contain 'mosaic-agent.alpha@coder0.service'
        $enables | Should -Contain 'mosaic-agent.beta@coder0.service'
        $enables | Should -Contain 'mosaic-tmux-holder.beta.service'
        $enables | Should -Not -Contain 'mosaic-agent@coder0.service'
    }

    It 'starts and lists each tenant''s agents on its own socket' {
        $a = Get-FleetAgent -RosterPath $A
        $b = Get-FleetAgent -RosterPath $B
        $a.Status | Should -Be @('Running', 'Running')
        $b.Status | Should -Be @('Running', 'Running')
        $a.Tenant | Select-Object -Unique | Should -Be 'alpha'
        $b.Socket | Select-Object -Unique | Should -Be $sockB
        $a[0].PanePid | Should -Not -Be $b[0].PanePid
    }

    It 'stops one tenant''s coder0 and leaves the other''s running' {
        Use-ShimPath -Environment $e { Stop-FleetAgent -RosterPath $A -Name coder0 -Direct -Confirm:$false -ErrorAction Stop }
        (Get-FleetAgent -RosterPath $A -Name coder0).Status | Should -Be 'Missing'
        (Get-FleetAgent -RosterPath $B -Name coder0).Status | Should -Be 'Running'
        (Get-FleetAgent -RosterPath $A -Name coder1).Status | Should -Be 'Running'
    }

    It 'refuses a second roster of the same tenant, and a second tenant on the same socket' {
        $again = Join-Path $e.Directory 'alpha-copy.yaml'
        (Get-Content -LiteralPath $A -Raw) -replace [regex]::Escape($e.Socket), 'other-socket' | Set-Content -LiteralPath $again
        try { Use-ShimPath -Environment $e { Install-FleetUnit -RosterPath $again -Confirm:$false -ErrorAction Stop } ; $caught = $null } catch { $caught = $_ }
        $caught | Assert-FleetError -Id FleetOtherRosterInstalled -Category ResourceExists
        $gamma = New-TenantRoster $e 'gamma' $sockB
        try { Use-ShimPath -Environment $e { Install-FleetUnit -RosterPath $gamma -Confirm:$false -ErrorAction Stop } ; $caught = $null } catch { $caught = $_ }
        $caught | Assert-FleetError -Id FleetTmuxSocketInUse
        Test-Path (Join-Path $unitDir 'mosaic-tmux-holder.gamma.service') | Should -BeFalse
    }

    It 'uninstalls one tenant and keeps the other''s files' {
        Use-ShimPath -Environment $e { Uninstall-FleetUnit -RosterPath $A -All -Force -Confirm:$false -ErrorAction Stop }
        @(Get-ChildItem -LiteralPath $unitDir -Name | Sort-Object) | Should -Be @('mosaic-agent.beta@.service', 'mosaic-agent.beta@coder0.service.d', 'mosaic-agent.beta@coder1.service.d', 'mosaic-tmux-holder.beta.service')
        Test-Path (Join-Path $env:XDG_CONFIG_HOME 'mosaic/fleet/tenants/beta/agents/coder0.env') | Should -BeTrue
    }
}

Describe 'Two tenants on one tmux socket, started -Direct (no units to refuse them)' {
    # The holder marks its server with its tenant (@mosaic_tenant); another tenant's roster on that socket reads,
    # starts, stops and types nothing there.
    BeforeAll {
        $script:e = New-FleetTestEnvironment
        $env:HOME = Join-Path $e.Directory 'home'
        $env:XDG_CONFIG_HOME = Join-Path $e.Directory 'cfg'
        New-Item -ItemType Directory -Force $env:HOME | Out-Null
        $null = Enter-FleetTestStateDirs -Environment $e
        $null = New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 0 -Stderr ''
        $script:A = New-TenantRoster $e 'alpha' $e.Socket
        $script:B = New-TenantRoster $e 'beta' $e.Socket
        $null = Start-FleetAgent coder0 -Direct -RosterPath $A
        $script:alphaPid = & tmux -L $e.Socket display-message -p -t '=coder0:' '#{pane_pid}'
    }
    AfterAll { Remove-FleetTestEnvironment $e }

    It 'marks the server with the tenant that started it' {
        & tmux -L $e.Socket show-options -gqv '@mosaic_tenant' | Should -Be 'alpha'
        (Get-FleetAgent coder0 -RosterPath $A).Status | Should -Be 'Running'
    }

    It 'gives the other tenant one FleetTmuxSocketInUse error and no agent of the other fleet' {
        $b = @(Get-FleetAgent -RosterPath $B -ErrorVariable errs -ErrorAction SilentlyContinue)
        $errs | Should -HaveCount 1
        $errs[0] | Assert-FleetError -Id FleetTmuxSocketInUse -Target local
        "$($errs[0])" | Should -Match "tenant 'alpha'"
        $b.Status | Should -Not -Contain 'Running'
    }

    It 'starts, stops and sends nothing there for the other tenant' {
        Start-FleetAgent coder1 -Direct -RosterPath $B -ErrorVariable se -ErrorAction SilentlyContinue | Out-Null
        $se | Should -Not -BeNullOrEmpty
        & tmux -L $e.Socket has-session -t '=coder1' 2>$null; $LASTEXITCODE | Should -Not -Be 0 -Because 'beta started nothing on alpha''s server'
        $global:LASTEXITCODE = 0
        Stop-FleetAgent coder0 -RosterPath $B -ErrorAction SilentlyContinue | Out-Null
        $r = Send-FleetMessage 'for beta only' -Name coder0 -RosterPath $B -TimeoutSeconds 5 -ErrorVariable me -ErrorAction SilentlyContinue
        $r.Status | Should -Be 'NotSent'
        $r.Detail | Should -Match "tenant 'alpha'"
        $me[0] | Assert-FleetError -Id MessageNotSent
        & tmux -L $e.Socket display-message -p -t '=coder0:' '#{pane_pid}' | Should -Be $alphaPid -Because 'alpha''s agent still runs, untouched'
        (Get-FleetAgent coder0 -RosterPath $A).Status | Should -Be 'Running'
    }
}
