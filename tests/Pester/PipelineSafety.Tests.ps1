# Issue 20: an empty pipeline acts on nothing; the whole fleet only when asked for (-All or a -Name wildcard).
# Real tmux on a private socket with fixture TUIs; systemctl/loginctl are recording shims (no user manager here).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    $script:SavedVars = @{ HOME = $env:HOME; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME; USER = $env:USER }
}

AfterAll {
    foreach ($k in $SavedVars.Keys) { if ($null -eq $SavedVars[$k]) { Remove-Item "env:$k" -ErrorAction Ignore } else { Set-Item "env:$k" $SavedVars[$k] } }
}

Describe 'An empty pipeline acts on nothing' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment -Prefix mfp
        $script:savedState = Enter-FleetTestStateDirs $envt
        $script:logPath = Join-Path $env:XDG_STATE_HOME 'mosaic/fleet/messages.jsonl'
        $env:HOME = Join-Path $envt.Directory 'home'
        $env:XDG_CONFIG_HOME = Join-Path $envt.Directory 'cfg'
        $env:USER = 'fleetop'
        New-Item -ItemType Directory -Force $env:HOME | Out-Null
        $script:roster = Set-FleetTestRoster -Environment $envt -Agents @(
            @{ name = 'tui0'; runtime = 'fake' }
            @{ name = 'tui1'; runtime = 'fake' }
            @{ name = 'spare'; runtime = 'fake' }
        ) -Extra @"
runtimes:
  fake: { command: 'python3 $((Join-Path (Get-RepoRoot) 'tests/fixtures/fake_tui.py').Replace("'", "''")) --mode accept', paneCommands: [python3], resetCommand: '/reset' }
"@
        foreach ($n in 'tui0', 'tui1') { Start-FixtureTui -Environment $envt -Session $n | Out-Null }
        $script:sysLog = New-RecordingShim -Environment $envt -Program 'systemctl' -Fail -ExitCode 0 -Stderr ''
        $script:loginLog = New-RecordingShim -Environment $envt -Program 'loginctl' -Fail -ExitCode 0 -Stderr ''

        function script:Get-PanePids {
            $out = & tmux -L $envt.Socket list-panes -a -F '#{session_name}=#{pane_pid}' 2>$null
            $global:LASTEXITCODE = 0
            @($out | Where-Object { $_ -notlike '_holder=*' } | Sort-Object)
        }
        function script:Assert-NothingHappened($Before) {
            Get-PanePids | Should -Be $Before -Because 'no agent may be stopped, started or restarted'
            @(Get-FixtureMessages -Environment $envt -Session tui0) + @(Get-FixtureMessages -Environment $envt -Session tui1) | Should -BeNullOrEmpty
            @(Get-FixtureMessages -Environment $envt -Session tui0 -Pastes) + @(Get-FixtureMessages -Environment $envt -Session tui1 -Pastes) | Should -BeNullOrEmpty
            Test-Path -LiteralPath $logPath | Should -BeFalse -Because 'nothing was sent, so nothing was logged'
        }
        # None of the agents drifted: the README's filter matches nothing.
        (Get-FleetAgent -RosterPath $roster | Where-Object Drift) | Should -BeNullOrEmpty
        $script:before = Get-PanePids
        $before.Count | Should -Be 2
    }
    AfterAll {
        Exit-FleetTestStateDirs $savedState
        Remove-FleetTestEnvironment $envt
    }

    It '<Cmd>: nothing arrives, nothing happens, nothing is returned' -ForEach @(
        @{ Cmd = 'Send-FleetMessage'; Run = { param($r) $input | Send-FleetMessage 'only the drifted ones' -NoVerify -RosterPath $r } }
        @{ Cmd = 'Send-FleetMessage (verified)'; Run = { param($r) $input | Send-FleetMessage 'only the drifted ones' -TimeoutSeconds 2 -RosterPath $r } }
        @{ Cmd = 'Reset-FleetAgent'; Run = { param($r) $input | Reset-FleetAgent -RosterPath $r -Confirm:$false } }
        @{ Cmd = 'Stop-FleetAgent'; Run = { param($r) $input | Stop-FleetAgent -Direct -PassThru -RosterPath $r } }
        @{ Cmd = 'Restart-FleetAgent'; Run = { param($r) $input | Restart-FleetAgent -Direct -PassThru -RosterPath $r } }
        @{ Cmd = 'Start-FleetAgent'; Run = { param($r) $input | Start-FleetAgent -Direct -PassThru -RosterPath $r } }
        @{ Cmd = 'Test-FleetDrift'; Run = { param($r) $input | Test-FleetDrift -RosterPath $r } }
        @{ Cmd = 'Wait-FleetAgent'; Run = { param($r) $input | Wait-FleetAgent -TimeoutSeconds 2 -RosterPath $r } }
        @{ Cmd = 'Get-FleetAgentOutput'; Run = { param($r) $input | Get-FleetAgentOutput -RosterPath $r } }
        @{ Cmd = 'Get-FleetAgent'; Run = { param($r) $input | Get-FleetAgent -RosterPath $r } }
    ) {
        # An empty array, and the README's filter that matched nothing: both feed the cmdlet an empty pipeline.
        $out1 = @(@() | & $Run $roster 2>&1)
        $out2 = @(Get-FleetAgent -RosterPath $roster | Where-Object Drift | & $Run $roster 2>&1)
        $out1.Count + $out2.Count | Should -Be 0
        Assert-NothingHappened $before
        # 'spare' has no session: a start of "every agent" would have launched it.
        & tmux -L $envt.Socket has-session -t '=spare' 2>$null
        $LASTEXITCODE | Should -Not -Be 0
        $global:LASTEXITCODE = 0
    }

    It 'Test-FleetDrift -Quiet answers $false for an empty pipeline' {
        @() | Test-FleetDrift -Quiet -RosterPath $roster | Should -BeExactly $false
    }

    It 'Get-FleetMessageLog returns no entry for an empty pipeline' {
        Send-FleetMessage 'hello' -Name tui0 -RosterPath $roster | Out-Null
        try {
            @(Get-FleetMessageLog).Count | Should -Be 1
            @(@() | Get-FleetMessageLog).Count | Should -Be 0
        } finally {
            Remove-Item -LiteralPath $logPath
            # The fixture saw the message: forget it, so the other tests' "nothing typed" stays meaningful.
            Remove-Item -LiteralPath (Join-Path $envt.Directory 'tui0.log'), (Join-Path $envt.Directory 'tui0.log.pastes') -ErrorAction Ignore
        }
    }

    It 'Install-FleetUnit installs nothing and Uninstall-FleetUnit removes nothing for an empty pipeline' {
        $envDir = Join-Path $env:XDG_CONFIG_HOME 'mosaic/fleet/agents'
        Use-ShimPath $envt {
            @(@() | Install-FleetUnit -RosterPath $roster -PassThru).Count | Should -Be 0
            Test-Path -LiteralPath $envDir | Should -BeFalse
            Get-RecordedCalls $sysLog | Where-Object { $_[1] -notin 'show', 'list-units' } | Should -BeNullOrEmpty
            Install-FleetUnit -RosterPath $roster -NoEnable
            @(Get-ChildItem $envDir -Filter *.env).Count | Should -Be 3
            Remove-Item -LiteralPath $sysLog
            @(@() | Uninstall-FleetUnit -RosterPath $roster -Confirm:$false -PassThru).Count | Should -Be 0
            @(Get-FleetAgent -RosterPath $roster | Where-Object Drift | Uninstall-FleetUnit -RosterPath $roster -Confirm:$false -PassThru).Count | Should -Be 0
            @(Get-ChildItem $envDir -Filter *.env).Count | Should -Be 3
            Get-RecordedCalls $sysLog | Where-Object { $_[1] -notin 'show', 'list-units' } | Should -BeNullOrEmpty
        }
    }

    It 'Install-FleetUnit -Name installs only the agents named, and removes nothing' {
        $envDir = Join-Path $env:XDG_CONFIG_HOME 'mosaic/fleet/agents'
        Remove-Item -LiteralPath (Join-Path $envDir 'tui1.env')
        Use-ShimPath $envt {
            $out = 'tui1' | Install-FleetUnit -RosterPath $roster -NoEnable -PassThru
            ($out | Where-Object Kind -eq 'EnvFile').Agent | Should -Be @('tui1')
        }
        @(Get-ChildItem $envDir -Filter *.env).Name | Sort-Object | Should -Be @('spare.env', 'tui0.env', 'tui1.env')
    }

    It 'Uninstall-FleetUnit -Name removes only that agent''s unit and env file' {
        $envDir = Join-Path $env:XDG_CONFIG_HOME 'mosaic/fleet/agents'
        Remove-Item -LiteralPath $sysLog -ErrorAction Ignore
        Use-ShimPath $envt {
            $out = Uninstall-FleetUnit spare -RosterPath $roster -Confirm:$false -PassThru
            $out.Path | Should -Be @((Join-Path $envDir 'spare.env'), (Join-Path $env:XDG_CONFIG_HOME 'systemd/user/mosaic-agent@spare.service.d/50-mosaic-supervision.conf'))
        }
        @(Get-ChildItem $envDir -Filter *.env).Name | Sort-Object | Should -Be @('tui0.env', 'tui1.env')
        Test-Path (Join-Path $env:XDG_CONFIG_HOME 'systemd/user/mosaic-agent@.service') | Should -BeTrue
        (Get-RecordedCalls $sysLog | ForEach-Object { $_ -join ' ' }) | Should -Contain '--user disable --now --no-reload mosaic-agent@spare.service'
        (Get-RecordedCalls $sysLog | ForEach-Object { $_ -join ' ' }) | Where-Object { $_ -like '*mosaic-agent@tui0.service*' } | Should -BeNullOrEmpty
    }
}

Describe 'The whole fleet only when asked for' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment -Prefix mfa
        $script:roster = Set-FleetTestRoster -Environment $envt -Agents @(
            @{ name = 'a0'; runtime = 'pi' }
            @{ name = 'a1'; runtime = 'pi' }
        )
        $pi = New-FakeRuntime -Environment $envt -Name 'pi' -Target 'sleep'
        foreach ($n in 'a0', 'a1') { Start-TestPane -Environment $envt -Session $n -Command @($pi, '600') }
    }
    AfterAll { Remove-FleetTestEnvironment $envt }

    It 'Stop, Restart, Reset, Send, Start and Uninstall refuse to run with no -Name, no pipeline input and no -All' {
        # In a child pwsh -NonInteractive: a cmdlet that prompted for a mandatory -Name would fail there instead of hanging.
        # -WhatIf everywhere: a cmdlet that wrongly went ahead only describes what it would have done.
        $r = $roster.Replace("'", "''")
        $cmds = @(
            "Stop-FleetAgent -Direct -WhatIf -RosterPath '$r'"
            "Restart-FleetAgent -Direct -WhatIf -RosterPath '$r'"
            "Start-FleetAgent -Direct -WhatIf -RosterPath '$r'"
            "Reset-FleetAgent -WhatIf -RosterPath '$r'"
            "Send-FleetMessage 'hi' -WhatIf -RosterPath '$r'"
            "Uninstall-FleetUnit -WhatIf -RosterPath '$r'"
        )
        $script = "Import-Module `$env:MOSAIC_FLEET_MODULE; " + (($cmds | ForEach-Object { "try { $_ -ErrorAction Stop; 'RAN' } catch { `$_.FullyQualifiedErrorId + '|' + `$_.CategoryInfo.Category }" }) -join '; ')
        $res = Invoke-ChildPwsh -Command $script -Environment @{ XDG_CONFIG_HOME = (Join-Path $envt.Directory 'cfg') }
        $lines = @($res.Stdout -split "`n" | Where-Object { $_ -match '\|' })
        $lines.Count | Should -Be 6 -Because $res.Stdout
        foreach ($l in $lines) { $l | Should -BeLike 'AgentNameRequired,MosaicFleet.Cmdlets.*|InvalidArgument' }
        $res.Stdout | Should -Not -Match 'What if'
    }

    It '-All and a -Name wildcard act on every agent' {
        $r = $roster.Replace("'", "''")
        $res = Invoke-ChildPwsh -Command "Import-Module `$env:MOSAIC_FLEET_MODULE; Stop-FleetAgent -All -Direct -WhatIf -RosterPath '$r'; Restart-FleetAgent * -Direct -WhatIf -RosterPath '$r'"
        $res.Stdout | Should -Match '"Stop directly in tmux" on target "a0"'
        $res.Stdout | Should -Match '"Stop directly in tmux" on target "a1"'
        $res.Stdout | Should -Match '"Restart directly in tmux" on target "a0"'
        $res.Stdout | Should -Match '"Restart directly in tmux" on target "a1"'
    }

    It 'Get-FleetAgent and Test-FleetDrift keep "no names = the whole roster" when not fed by a pipeline' {
        (Get-FleetAgent -RosterPath $roster).Name | Should -Be @('a0', 'a1')
        (Test-FleetDrift -RosterPath $roster).Name | Should -Be @('a0', 'a1')
    }

    It 'piped names still count, and -Name on the command line counts when piped objects cannot bind' {
        ('a1' | Get-FleetAgent -RosterPath $roster).Name | Should -Be 'a1'
        $out = @(Get-FleetAgent -RosterPath $roster | Test-FleetDrift -Name a0 -RosterPath $roster -ErrorAction SilentlyContinue)
        $out.Name | Should -Be @('a0')
    }
}
