# Issue 21: the module behaves the way built-in cmdlets taught its users.
# Real tmux on a private socket with fixture TUIs; systemctl/loginctl are recording shims (no user manager here).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    $script:SavedVars = @{ HOME = $env:HOME; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME; USER = $env:USER }
    $script:FakeTui = (Join-Path (Get-RepoRoot) 'tests/fixtures/fake_tui.py').Replace("'", "''")
}

AfterAll {
    foreach ($k in $SavedVars.Keys) { if ($null -eq $SavedVars[$k]) { Remove-Item "env:$k" -ErrorAction Ignore } else { Set-Item "env:$k" $SavedVars[$k] } }
}

Describe 'Idioms against fixture TUIs' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment -Prefix mfi
        $script:savedState = Enter-FleetTestStateDirs $envt
        $script:roster = Set-FleetTestRoster -Environment $envt -Agents @(
            @{ name = 'tui0'; runtime = 'fake' }
            @{ name = 'tui1'; runtime = 'fake' }
            @{ name = 'tui2'; runtime = 'fake' }
        ) -Extra @"
runtimes:
  fake: { command: 'python3 $FakeTui', paneCommands: [python3], resetCommand: '/reset', idleAfterSeconds: 0.5 }
"@
        foreach ($n in 'tui0', 'tui1', 'tui2') { Start-FixtureTui -Environment $envt -Session $n | Out-Null }
        function script:Get-Received([string] $Session) { @(Get-FixtureMessages -Environment $envt -Session $Session) }
    }
    AfterAll {
        Exit-FleetTestStateDirs $savedState
        Remove-FleetTestEnvironment $envt
    }

    It '-Activity of Wait-FleetAgent is an enum, and a lower-case busy waits for Busy (item 1)' {
        (Get-Command Wait-FleetAgent).Parameters['Activity'].ParameterType | Should -Be ([MosaicFleet.FleetAgentActivity])
        # tui0 is idle: waiting for busy must not return it as Idle at once; it times out instead.
        $out = @(Wait-FleetAgent tui0 -Activity busy -TimeoutSeconds 2 -RosterPath $roster -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'AgentWaitTimeout,*'
        $errs[0].Exception.Message | Should -Match 'was not Busy'
        (Wait-FleetAgent tui0 -Activity IDLE -TimeoutSeconds 10 -RosterPath $roster).Activity | Should -Be 'Idle'
    }

    It 'strings piped to Send-FleetMessage bind as names and reach only those agents (item 3)' {
        $r = @('tui1' | Send-FleetMessage 'only tui1' -Source t -RosterPath $roster)
        $r.Agent | Should -Be @('tui1')
        Get-Received tui1 | Should -Contain '[t] only tui1'
        Get-Received tui0 | Should -Not -Contain '[t] only tui1'
        Get-Received tui2 | Should -Not -Contain '[t] only tui1'
        $names = Join-Path $envt.Directory 'names.txt'
        Set-Content -LiteralPath $names -Value 'tui0', 'tui2'
        (Get-Content $names | Send-FleetMessage 'from a file' -Source t -RosterPath $roster).Agent | Should -Be @('tui0', 'tui2')
        Get-Received tui1 | Should -Not -Contain '[t] from a file'
    }

    It 'a string piped to Watch-FleetAgent binds as the name (item 3)' {
        $err = $null
        try { 'tui0' | Watch-FleetAgent -WhatIf -RosterPath $roster -ErrorAction Stop } catch { $err = $_ }
        $err | Should -BeNullOrEmpty
    }
}

Describe 'Installing one roster never dismantles another (item 2)' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment -Prefix mfr
        $env:HOME = Join-Path $envt.Directory 'home'
        $env:XDG_CONFIG_HOME = Join-Path $envt.Directory 'cfg'
        $env:USER = 'fleetop'
        New-Item -ItemType Directory -Force $env:HOME | Out-Null
        $script:envDir = Join-Path $env:XDG_CONFIG_HOME 'mosaic/fleet/agents'
        $script:holder = Join-Path $env:XDG_CONFIG_HOME 'systemd/user/mosaic-tmux-holder.service'
        $script:sysLog = New-RecordingShim -Environment $envt -Program 'systemctl' -Fail -ExitCode 0 -Stderr ''
        New-RecordingShim -Environment $envt -Program 'loginctl' -Fail -ExitCode 0 -Stderr '' | Out-Null
        $extra = "runtimes:`n  fake: { command: 'python3 $FakeTui', paneCommands: [python3] }"
        $script:rosterA = Set-FleetTestRoster -Environment $envt -Path (Join-Path $envt.Directory 'a.yaml') -Extra $extra -Agents @(
            @{ name = 'a0'; runtime = 'fake' }, @{ name = 'a1'; runtime = 'fake' })
        $script:rosterB = Set-FleetTestRoster -Environment $envt -Path (Join-Path $envt.Directory 'b.yaml') -Extra $extra -Agents @(
            @{ name = 'b0'; runtime = 'fake' })
        Use-ShimPath $envt { Install-FleetUnit -RosterPath $rosterA -NoEnable }
        function script:Get-State { Get-ChildItem $envDir, (Split-Path $holder) -File | ForEach-Object { $_.Name + '=' + (Get-FileHash $_.FullName).Hash } }
    }
    AfterAll { Remove-FleetTestEnvironment $envt }

    It 'records the roster in the holder unit and every env file' {
        Get-Content -LiteralPath $holder | Should -Contain "# Roster: $rosterA"
        Get-Content -LiteralPath (Join-Path $envDir 'a0.env') | Should -Contain "# Roster: $rosterA"
    }

    It 'a second roster of the same tenant is refused with a clear error, and nothing of the first changes' {
        $before = Get-State
        Remove-Item -LiteralPath $sysLog -ErrorAction Ignore
        $err = $null
        try { Use-ShimPath $envt { Install-FleetUnit -RosterPath $rosterB -Confirm:$false } } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'FleetOtherRosterInstalled,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        $err.Exception.Message | Should -Match ([regex]::Escape("roster $rosterA"))
        $err.Exception.Message | Should -Match 'Uninstall-FleetUnit -All'
        Get-State | Should -Be $before
        Get-RecordedCalls $sysLog | Should -BeNullOrEmpty
    }

    It 'Initialize-Fleet -WhatIf with another roster plans no removal or disable: it is refused' {
        $err = $null
        $out = try { Use-ShimPath $envt { Initialize-Fleet -RosterPath $rosterB -WhatIf 6>&1 } } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'FleetOtherRosterInstalled,*'
        "$out" | Should -Not -Match 'Remove|Disable'
    }

    It 'a fleet installed before rosters were recorded, on another tmux socket, counts as another roster' {
        $legacy = Join-Path $envt.Directory 'legacy-cfg'
        $unitDir = Join-Path $legacy 'systemd/user'
        New-Item -ItemType Directory -Force $unitDir | Out-Null
        Set-Content -LiteralPath (Join-Path $unitDir 'mosaic-tmux-holder.service') -Value "# Written by MosaicFleet (Install-FleetUnit). Rewritten on every install; do not edit.`n[Unit]`nDescription=MosaicFleet tmux server holder (socket someone-else)`n"
        $saved = $env:XDG_CONFIG_HOME
        try {
            $env:XDG_CONFIG_HOME = $legacy
            $err = $null
            try { Use-ShimPath $envt { Install-FleetUnit -RosterPath $rosterB -Confirm:$false } } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'FleetOtherRosterInstalled,*'
            $err.Exception.Message | Should -Match 'socket someone-else'
        } finally { $env:XDG_CONFIG_HOME = $saved }
    }

    It 'removing this roster''s leftovers asks at High impact: refused without a prompt, done with -Confirm:$false' {
        # a1 leaves roster A: its env file is a leftover of A.
        $smaller = Join-Path $envt.Directory 'a.yaml'
        (Get-Content -Raw $smaller) -replace "(?m)^.*name: 'a1'.*\n?", '' | Set-Content -LiteralPath $smaller -NoNewline
        $r = $smaller.Replace("'", "''")
        $child = Invoke-ChildPwsh -Command "Import-Module `$env:MOSAIC_FLEET_MODULE; Install-FleetUnit -RosterPath '$r' -NoEnable" -Environment @{
            XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME; HOME = $env:HOME; USER = 'fleetop'; PATH = "$($envt.ShimDir):$env:PATH" }
        # -NonInteractive: the High-impact question cannot be asked, so nothing is removed.
        "$($child.Stdout)$($child.Stderr)" | Should -Match 'NonInteractive|prompt'
        Test-Path -LiteralPath (Join-Path $envDir 'a1.env') | Should -BeTrue
        Use-ShimPath $envt { Install-FleetUnit -RosterPath $smaller -NoEnable -Confirm:$false }
        Test-Path -LiteralPath (Join-Path $envDir 'a1.env') | Should -BeFalse
        Test-Path -LiteralPath (Join-Path $envDir 'a0.env') | Should -BeTrue
        (Get-RecordedCalls $sysLog | ForEach-Object { $_ -join ' ' }) | Should -Contain '--user disable mosaic-agent@a1.service'
    }

    It 'after Uninstall-FleetUnit -All, the other roster installs' {
        Use-ShimPath $envt {
            Uninstall-FleetUnit -All -Force
            Install-FleetUnit -RosterPath $rosterB -NoEnable
        }
        Get-Content -LiteralPath $holder | Should -Contain "# Roster: $rosterB"
        @(Get-ChildItem $envDir -Filter *.env).Name | Should -Be @('b0.env')
    }
}
