BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
}

Describe 'Get-FleetAgent against a real tmux fleet' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $pi = New-FakeRuntime -Environment $envt -Name 'pi' -Target 'sleep'
        Set-FleetTestRoster -Environment $envt -Agents @(
            @{ name = 'coder0'; runtime = 'pi'; className = 'worker'; model = 'gpt-5.5'; effort = 'high' }
            @{ name = 'coder1'; runtime = 'pi'; className = 'worker' }
            @{ name = 'coder10'; runtime = 'pi' }
            @{ name = 'wrapped'; runtime = 'pi' }
            @{ name = 'canary'; runtime = 'dogfood' }
            @{ name = 'ghost'; runtime = 'codex' }
            @{ name = 'crashed'; runtime = 'pi' }
        ) | Out-Null
        Start-TestPane -Environment $envt -Session 'coder0' -Command @($pi, '600')
        # coder1 is a python3 left running where pi should be: drift.
        Start-TestPane -Environment $envt -Session 'coder1' -Command @('python3', '-c', 'import time; time.sleep(600)')
        Start-TestPane -Environment $envt -Session 'coder10' -Command @($pi, '600')
        Start-TestPane -Environment $envt -Session 'wrapped' -Command @('node', '-e', 'setTimeout(() => {}, 600000)')
        Start-TestPane -Environment $envt -Session 'canary' -Command @('python3', '-c', 'import time; time.sleep(600)')
        Start-TestPane -Environment $envt -Session 'crashed' -Command @('sh', '-c', 'sleep 0.3; exit 3') -RemainOnExit
        # Not an agent: sessions outside the roster are ignored.
        Start-TestPane -Environment $envt -Session 'scratch' -Command @('sleep', '600')
        Wait-Until { (& tmux -L $envt.Socket list-panes -a -F '#{session_name}:#{pane_dead}') -contains 'crashed:1' -and
                     (& tmux -L $envt.Socket list-panes -a -F '#{session_name}:#{pane_current_command}') -contains 'wrapped:node' } | Should -BeTrue
        # pane_dead turns 1 when the pty closes, pane_dead_status once tmux has reaped the process. tmux 3.3a sometimes
        # never records the status (seen in about 1 of 5 runs, with plain tmux commands and no PowerShell): give it time.
        $null = Wait-Until -TimeoutSeconds 3 { (& tmux -L $envt.Socket list-panes -a -F '#{session_name}:#{pane_dead_status}') -contains 'crashed:3' }
        # tmux's record is read just BEFORE the agents: once recorded it stays, so the agents must show it too; if tmux
        # records it in between, the agents may show it (and then it must be the right one).
        $script:tmuxDeadStatus = (& tmux -L $envt.Socket list-panes -t '=crashed:' -F '#{pane_dead_status}')
        $script:agents = Get-FleetAgent -RosterPath $envt.RosterPath
    }
    AfterAll { Remove-FleetTestEnvironment $envt }

    It 'emits one typed FleetAgent per roster agent, in roster order' {
        $agents.Count | Should -Be 7
        $agents | ForEach-Object { $_ | Should -BeOfType ([MosaicFleet.FleetAgent]) }
        $agents.Name | Should -Be @('coder0', 'coder1', 'coder10', 'wrapped', 'canary', 'ghost', 'crashed')
    }

    It 'reads the pane of a binary named pi as pi, with no drift' {
        $a = $agents | Where-Object Name -eq 'coder0'
        $a.Status | Should -Be 'Running'
        $a.PaneCommand | Should -Be 'pi'
        $a.Drift | Should -BeFalse
        $a.PaneId | Should -Match '^%\d+$'
        $a.PanePid | Should -BeGreaterThan 0
        $a.Host | Should -Be 'local'
        $a.Tenant | Should -Be 'local'
        $a.Socket | Should -Be $envt.Socket
        $a.Model | Should -Be 'gpt-5.5'
        $a.ClassName | Should -Be 'worker'
    }

    It 'accepts node for a wrapped pi runtime' {
        ($agents | Where-Object Name -eq 'wrapped').Drift | Should -BeFalse
    }

    It 'Where Drift returns exactly the python3 agent, with a reason that says what ran instead' {
        $drifted = @(Get-FleetAgent -RosterPath $envt.RosterPath | Where-Object Drift)
        $drifted.Name | Should -Be @('coder1')
        $drifted[0].DriftReason | Should -Be 'python3 (expected pi or node)'
    }

    It 'shows a roster agent without a session as Missing, not as drift' {
        $a = $agents | Where-Object Name -eq 'ghost'
        $a.Status | Should -Be 'Missing'
        $a.Drift | Should -BeFalse
        $a.PaneId | Should -BeNullOrEmpty
    }

    It 'shows a pane whose runtime exited as Dead with its exit status' {
        $a = $agents | Where-Object Name -eq 'crashed'
        $a.Status | Should -Be 'Dead'
        # The exit status is exactly what tmux recorded: 3, or nothing where tmux recorded none.
        if ($tmuxDeadStatus) { $tmuxDeadStatus | Should -Be '3' }
        if ($tmuxDeadStatus -or $null -ne $a.DeadStatus) { $a.DeadStatus | Should -Be 3 }
        $a.Drift | Should -BeFalse
    }

    It 'matches session names exactly (coder1 is not a prefix match for coder10)' {
        ($agents | Where-Object Name -eq 'coder1').PaneId | Should -Not -Be ($agents | Where-Object Name -eq 'coder10').PaneId
    }

    It 'filters by name with wildcards, by runtime and by class' {
        (Get-FleetAgent 'coder1*' -RosterPath $envt.RosterPath).Name | Should -Be @('coder1', 'coder10')
        (Get-FleetAgent -Runtime dogfood -RosterPath $envt.RosterPath).Name | Should -Be @('canary')
        (Get-FleetAgent -ClassName worker -RosterPath $envt.RosterPath).Name | Should -Be @('coder0', 'coder1')
    }

    It 'binds names from the pipeline by property name' {
        $names = [pscustomobject]@{ Name = 'coder0' }, [pscustomobject]@{ Name = 'canary' }
        ($names | Get-FleetAgent -RosterPath $envt.RosterPath).Name | Should -Be @('coder0', 'canary')
    }

    It 'gives an ObjectNotFound error for a name not in the roster and still returns the others' {
        $out = Get-FleetAgent 'coder0', 'nobody' -RosterPath $envt.RosterPath -ErrorVariable errs -ErrorAction SilentlyContinue
        $out.Name | Should -Be 'coder0'
        $errs.Count | Should -Be 1
        $errs[0] | Assert-FleetError -Id AgentNotFound -Category ObjectNotFound -Target 'nobody'
    }

    It 'ends with InvalidWildcardPattern (InvalidArgument, the pattern as target) for a malformed pattern, in every cmdlet that selects agents' {
        foreach ($call in @(
                { Get-FleetAgent -Name 'coder[' -RosterPath $envt.RosterPath }
                { Get-FleetAgent -Runtime 'p[' -RosterPath $envt.RosterPath }
                { Stop-FleetAgent 'coder[' -RosterPath $envt.RosterPath -WhatIf }
                { Send-FleetMessage 'hi' -Name 'coder[' -RosterPath $envt.RosterPath -WhatIf }
                { Get-FleetMessageLog -Name 'coder[' -RosterPath $envt.RosterPath })) {
            $err = $null
            try { & $call -ErrorAction Stop } catch { $err = $_ }
            $err | Should -Not -BeNullOrEmpty -Because "$call"
            $err | Assert-FleetError -Id InvalidWildcardPattern -Because "$call"
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.TargetObject | Should -BeIn @('coder[', 'p[')
            "$err" | Should -Match 'not a valid wildcard pattern'
        }
        # An escaped bracket is a literal one: a valid pattern that names no agent.
        @(Get-FleetAgent -Name 'coder`[' -RosterPath $envt.RosterPath -ErrorAction SilentlyContinue).Count | Should -Be 0
    }

    It 'gives RuntimeNotFound / ClassNameNotFound for a literal runtime or class the roster does not know, nothing for a pattern' {
        $out = @(Get-FleetAgent -Runtime 'cluade' -RosterPath $envt.RosterPath -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $errs.Count | Should -Be 1
        $errs[0] | Assert-FleetError -Id RuntimeNotFound -Category ObjectNotFound -Target 'cluade'
        # A built-in runtime that no agent uses is known: it selects nothing, silently.
        @(Get-FleetAgent -Runtime 'opencode' -RosterPath $envt.RosterPath -ErrorVariable errs2).Count | Should -Be 0
        $errs2 | Should -BeNullOrEmpty
        @(Get-FleetAgent -Runtime 'clu*' -RosterPath $envt.RosterPath -ErrorVariable errs3).Count | Should -Be 0
        $errs3 | Should -BeNullOrEmpty
        $null = Get-FleetAgent -ClassName 'nosuchclass' -RosterPath $envt.RosterPath -ErrorVariable errs4 -ErrorAction SilentlyContinue
        $errs4[0] | Assert-FleetError -Id ClassNameNotFound
    }

    It 'reports ServiceState as empty, without error or warning, where no systemd user manager answers' {
        # A systemctl that answers as it does where no user manager runs, so the test does not depend on this machine.
        New-RecordingShim -Environment $envt -Program 'systemctl' -Fail -Stderr 'Failed to connect to bus: No medium found' | Out-Null
        $all = Use-ShimPath $envt { Get-FleetAgent coder0 -RosterPath $envt.RosterPath -Verbose -ErrorVariable errs -WarningVariable warns 4>&1 3>$null }
        $out = @($all | Where-Object { $_ -is [MosaicFleet.FleetAgent] })
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'systemd' })
        $out.Count | Should -Be 1
        $out[0].ServiceState | Should -BeNullOrEmpty
        $errs | Should -BeNullOrEmpty
        $warns | Should -BeNullOrEmpty
        $verbose.Count | Should -Be 1
        $verbose[0].Message | Should -Match 'no systemd user manager answered.*Failed to connect to bus'
    }

    It 'shows a default table with Name, Runtime, Status, Drift, Idle, PaneCommand, Service and Host' {
        $text = ($agents | Format-Table | Out-String -Width 80)
        $header = ($text -split "`n" | Where-Object { $_ -match '\bName\b' } | Select-Object -First 1)
        foreach ($col in 'Name', 'Runtime', 'Status', 'Drift', 'Idle', 'PaneCommand', 'Service', 'Host') { $header | Should -Match "\b$col\b" }
        $text | Should -Match 'python3'
    }
}

Describe 'Get-FleetAgent costs one list-panes per call' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $script:tmuxLog = New-RecordingShim -Environment $envt -Program 'tmux'
        $script:sysLog = New-RecordingShim -Environment $envt -Program 'systemctl' -Fail -Stderr 'Failed to connect to bus: No medium found'
    }
    AfterAll { Remove-FleetTestEnvironment $envt }

    It 'makes exactly one tmux call and one systemctl call for <Count> agents' -ForEach @(@{ Count = 1 }, @{ Count = 50 }) {
        $roster = Join-Path $envt.Directory "roster-$Count.yaml"
        $agentsList = 1..$Count | ForEach-Object { @{ name = "a$_"; runtime = 'pi' } }
        Set-FleetTestRoster -Environment $envt -Agents $agentsList -Path $roster | Out-Null
        Start-TestPane -Environment $envt -Session 'a1' -Command @('sleep', '600')
        Remove-Item $tmuxLog, $sysLog -ErrorAction Ignore
        $out = Use-ShimPath $envt { Get-FleetAgent -RosterPath $roster }
        $out.Count | Should -Be $Count
        ($out | Where-Object Name -eq 'a1').Status | Should -Be 'Running'
        $tmuxCalls = @(Get-RecordedCalls $tmuxLog)
        $tmuxCalls.Count | Should -Be 1
        # -u (UTF-8 output whatever the locale), then the fleet's socket, then the one list-panes.
        $tmuxCalls[0][0..3] | Should -Be @('-u', '-L', $envt.Socket, 'list-panes')
        $sysCalls = @(Get-RecordedCalls $sysLog)
        $sysCalls.Count | Should -Be 1
        # The same call whatever the number of agents: list-units with one pattern (no unit loaded one by one).
        $sysCalls[0] | Should -Be @('--user', 'list-units', '--all', '--plain', '--no-legend', '--full', '--no-pager', '--', 'mosaic-agent@*')
    }
    AfterEach {
        & tmux -L $envt.Socket kill-session -t '=a1' 2>$null
        $global:LASTEXITCODE = 0
    }
}

Describe 'Get-FleetAgent with no tmux server' {
    It 'shows every agent as Missing and writes no error' {
        $envt = New-FleetTestEnvironment
        try {
            Set-FleetTestRoster -Environment $envt -Agents @(@{ name = 'a'; runtime = 'pi' }, @{ name = 'b'; runtime = 'codex' }) | Out-Null
            $out = Get-FleetAgent -RosterPath $envt.RosterPath -ErrorVariable errs
            $out.Status | Should -Be @('Missing', 'Missing')
            $errs | Should -BeNullOrEmpty
        } finally { Remove-FleetTestEnvironment $envt }
    }
}

Describe 'Test-FleetDrift' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $pi = New-FakeRuntime -Environment $envt -Name 'pi'
        Set-FleetTestRoster -Environment $envt -Agents @(@{ name = 'good'; runtime = 'pi' }, @{ name = 'bad'; runtime = 'pi' }) | Out-Null
        Start-TestPane -Environment $envt -Session 'good' -Command @($pi, '600')
        Start-TestPane -Environment $envt -Session 'bad' -Command @('python3', '-c', 'import time; time.sleep(600)')
        $script:clean = Join-Path $envt.Directory 'clean.yaml'
        Set-FleetTestRoster -Environment $envt -Agents @(@{ name = 'good'; runtime = 'pi' }) -Path $clean | Out-Null
        Wait-Until { (& tmux -L $envt.Socket list-panes -a -F '#{pane_current_command}') -contains 'python3' } | Should -BeTrue
    }
    AfterAll { Remove-FleetTestEnvironment $envt }

    It 'emits a FleetDriftResult per agent with what was expected' {
        $r = Test-FleetDrift -RosterPath $envt.RosterPath
        $r | ForEach-Object { $_ | Should -BeOfType ([MosaicFleet.FleetDriftResult]) }
        ($r | Where-Object Name -eq 'bad').Drift | Should -BeTrue
        ($r | Where-Object Name -eq 'bad').Expected | Should -Be @('pi', 'node')
        ($r | Where-Object Name -eq 'bad').Reason | Should -Be 'python3 (expected pi or node)'
        ($r | Where-Object Name -eq 'good').Drift | Should -BeFalse
    }

    It 'takes FleetAgent objects from the pipeline' {
        $r = Get-FleetAgent bad -RosterPath $envt.RosterPath | Test-FleetDrift -RosterPath $envt.RosterPath
        $r.Name | Should -Be 'bad'
        $r.Drift | Should -BeTrue
    }

    It 'says why an agent was not judged: its Status (Missing here, Unreachable on a host that cannot be reached)' {
        $r = Join-Path $envt.Directory 'unreachable.yaml'
        Set-FleetTestRoster -Environment $envt -Path $r -Agents @(@{ name = 'good'; runtime = 'pi' }, @{ name = 'gone'; runtime = 'pi' }, @{ name = 'far'; runtime = 'pi'; host = 'nowhere' }) -Extra @"
hosts:
  nowhere: { ssh: 'nobody@127.0.0.1', port: 1, sshOptions: ['StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null'] }
"@ | Out-Null
        $res = Test-FleetDrift -RosterPath $r -ErrorVariable errs -ErrorAction SilentlyContinue
        ($res | Where-Object Name -eq 'good').Status | Should -Be 'Running'
        ($res | Where-Object Name -eq 'gone').Status | Should -Be 'Missing'
        $far = $res | Where-Object Name -eq 'far'
        $far.Status | Should -Be 'Unreachable'
        $far.Drift | Should -BeFalse
        $errs.Count | Should -Be 1
        $errs[0] | Assert-FleetError -Id FleetHostUnreachable -Target 'nowhere'
        ($res | Format-Table | Out-String -Width 120) | Should -Match 'far\s+pi\s+Unreachable'
    }

    It '-Quiet emits one bool: whether any agent drifted' {
        Test-FleetDrift -Quiet -RosterPath $envt.RosterPath | Should -BeExactly $true
        Test-FleetDrift -Quiet -RosterPath $clean | Should -BeExactly $false
    }

    It 'takes agent names as strings from the pipeline, and checks only those' {
        'good' | Test-FleetDrift -Quiet -RosterPath $envt.RosterPath | Should -BeExactly $false
        'bad' | Test-FleetDrift -Quiet -RosterPath $envt.RosterPath | Should -BeExactly $true
        ('good', 'bad' | Test-FleetDrift -RosterPath $envt.RosterPath).Name | Should -Be @('good', 'bad')
    }

    It 'checks nothing for an empty pipeline (an empty file, a filter that matched nothing), never every agent' {
        @() | Test-FleetDrift -Quiet -RosterPath $envt.RosterPath | Should -BeExactly $false
        @(Get-FleetAgent -Name 'zz*' -RosterPath $envt.RosterPath | Test-FleetDrift -RosterPath $envt.RosterPath).Count | Should -Be 0
    }

    It 'checks the -Name of the command line, not every agent, when piped agents cannot bind' {
        $out = @(Get-FleetAgent -RosterPath $envt.RosterPath | Test-FleetDrift -Name good -RosterPath $envt.RosterPath -ErrorAction SilentlyContinue)
        $out.Name | Should -Be @('good')
    }
}

Describe 'Roster errors reach the operator as ErrorRecords' {
    BeforeAll { $script:envt = New-FleetTestEnvironment }
    AfterAll { Remove-FleetTestEnvironment $envt }

    It 'reports <Id> with category InvalidData, the file as target and line:column in the message' -ForEach @(
        @{ Id = 'RosterSyntaxError'; Yaml = "version: 1`nagents:`n  - { name: a, runtime: pi`n"; Line = 4 }
        @{ Id = 'RosterUnknownKey'; Yaml = "version: 1`nagents:`n  - { name: a, runtme: pi }`n"; Line = 3 }
        @{ Id = 'RosterUnknownRuntime'; Yaml = "version: 1`nagents:`n  - { name: a, runtime: nope }`n"; Line = 3 }
        @{ Id = 'RosterUnsupportedVersion'; Yaml = "version: 2`nagents: []`n"; Line = 1 }
    ) {
        $path = Join-Path $envt.Directory "$Id.yaml"
        Set-Content -LiteralPath $path -Value $Yaml -NoNewline
        $err = $null
        try { Get-FleetAgent -RosterPath $path -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err | Assert-FleetError -Id $Id
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.TargetObject | Should -Be $path
        $err.ToString() | Should -Match ([regex]::Escape($path) + ":${Line}:\d+: ")
        $err.ToString() | Should -Not -Match '   at '
    }

    It 'reports a missing roster as ObjectNotFound listing the paths tried' {
        $err = $null
        $env:MOSAIC_FLEET_ROSTER_SAVED = $env:MOSAIC_FLEET_ROSTER
        try {
            $env:MOSAIC_FLEET_ROSTER = $null
            $saveXdg = $env:XDG_CONFIG_HOME; $saveHome = $env:HOME
            $env:XDG_CONFIG_HOME = Join-Path $envt.Directory 'xdg'; $env:HOME = Join-Path $envt.Directory 'home'
            try { Get-FleetAgent -ErrorAction Stop } catch { $err = $_ }
        } finally {
            $env:XDG_CONFIG_HOME = $saveXdg; $env:HOME = $saveHome
            $env:MOSAIC_FLEET_ROSTER = $env:MOSAIC_FLEET_ROSTER_SAVED; $env:MOSAIC_FLEET_ROSTER_SAVED = $null
        }
        $err | Assert-FleetError -Id RosterNotFound -Category ObjectNotFound
        $err.ToString() | Should -Match ([regex]::Escape((Join-Path $envt.Directory 'xdg/mosaic/fleet/roster.yaml')))
        $err.ToString() | Should -Match ([regex]::Escape((Join-Path $envt.Directory 'home/.config/mosaic/fleet/roster.yaml')))
    }
}
