BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
}

Describe 'Activity and Wait-FleetAgent with a fixture agent (busy for a few seconds after each message)' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $script:fixture = Join-Path (Get-RepoRoot) 'tests/fixtures/busy_agent.py'
        $runtime = "runtimes:`n  fixture: { command: 'python3 busy_agent.py', paneCommands: [python3], busyPattern: 'Working\.\.\.', waitingPattern: '\[y/n\]\s*$', idleAfterSeconds: 2 }"
        Set-FleetTestRoster -Environment $envt -Extra $runtime -Agents @(
            @{ name = 'fx'; runtime = 'fixture' }
            @{ name = 'slow'; runtime = 'fixture' }
            @{ name = 'stuck'; runtime = 'fixture' }
            @{ name = 'ghost'; runtime = 'fixture' }
        ) | Out-Null
        $script:roster = $envt.RosterPath
        Start-TestPane -Environment $envt -Session 'fx' -Command @('python3', $fixture, '3')
        # slow: silent for 1 s after a message before it starts working (well inside idleAfterSeconds, even on a loaded machine).
        Start-TestPane -Environment $envt -Session 'slow' -Command @('python3', $fixture, '2', '1')
        Start-TestPane -Environment $envt -Session 'stuck' -Command @('python3', $fixture, '600')
        foreach ($s in 'fx', 'slow', 'stuck') { Wait-Until { (Get-PaneText $envt.Socket "=${s}:") -match 'fixture agent ready' } | Should -BeTrue }
    }
    AfterAll { Remove-FleetTestEnvironment $envt }

    It 'leaves Activity Unknown and captures nothing without -Activity' {
        $log = New-RecordingShim -Environment $envt -Program 'tmux'
        $out = Use-ShimPath $envt { Get-FleetAgent -RosterPath $roster }
        $out.Activity | Should -Be @('Unknown', 'Unknown', 'Unknown', 'Unknown')
        @(Get-RecordedCalls $log | Where-Object { $_ -contains 'capture-pane' }).Count | Should -Be 0
        Remove-Item (Join-Path $envt.ShimDir 'tmux'), $log
    }

    It '-Activity takes two captures per live agent, by exact pane id, one tmux call per round, and reads idle agents as Idle' {
        $log = New-RecordingShim -Environment $envt -Program 'tmux'
        $out = Use-ShimPath $envt { Get-FleetAgent -RosterPath $roster -Activity }
        Remove-Item (Join-Path $envt.ShimDir 'tmux')
        # Two rounds, each ONE tmux call that captures every live agent (capture-pane -p -t <%pane_id> per agent).
        $calls = @(Get-RecordedCalls $log | Where-Object { $_ -contains 'capture-pane' })
        $calls.Count | Should -Be 2
        $live = @($out | Where-Object Status -eq 'Running')
        $live.Count | Should -Be 3
        foreach ($c in $calls) {
            $targets = @(for ($i = 0; $i -lt $c.Count; $i++) { if ($c[$i] -eq 'capture-pane') { $c[$i + 3] } })
            ($targets | Sort-Object) | Should -Be @($live.PaneId | Sort-Object)
        }
        ($out | Where-Object Name -eq 'fx').Activity | Should -Be 'Idle'
        ($out | Where-Object Name -eq 'ghost').Activity | Should -Be 'Unknown'
        # The default table shows what -Activity read.
        (($out | Out-String -Width 120) -split "`n" | Where-Object { $_ -match '^Name' }) | Should -Match '\bActivity\b'
        Remove-Item $log
    }

    It 'goes Busy after a message, then Idle' {
        Send-PaneLine $envt.Socket '=fx:' 'first job'
        Wait-Until { (Get-FleetAgent fx -RosterPath $roster -Activity).Activity -eq 'Busy' } | Should -BeTrue
        Wait-Until { (Get-FleetAgent fx -RosterPath $roster -Activity).Activity -eq 'Idle' } -TimeoutSeconds 20 | Should -BeTrue
        (Get-PaneText $envt.Socket '=fx:') | Should -Match 'done: first job'
    }

    It 'reads a question as Waiting (Waiting wins over Busy)' {
        Send-PaneLine $envt.Socket '=fx:' 'ask permission'
        Wait-Until { (Get-FleetAgent fx -RosterPath $roster -Activity).Activity -eq 'Waiting' } | Should -BeTrue
        Send-PaneLine $envt.Socket '=fx:' 'y'
        Wait-Until { (Get-PaneText $envt.Socket '=fx:') -match 'answered: y' } | Should -BeTrue
    }

    It 'returns a send result''s agent once it has worked and gone idle' {
        Send-PaneLine $envt.Socket '=fx:' 'second job'
        $sent = [DateTimeOffset]::UtcNow
        $out = @([pscustomobject]@{ Agent = 'fx'; Host = 'local'; Status = 'Accepted'; SentAt = $sent } | Wait-FleetAgent -Activity Idle -TimeoutSeconds 30 -RosterPath $roster)
        $out.Count | Should -Be 1
        $out[0] | Should -BeOfType ([MosaicFleet.FleetAgent])
        $out[0].Name | Should -Be 'fx'
        $out[0].Activity | Should -Be 'Idle'
        (Get-PaneText $envt.Socket '=fx:') | Should -Match 'done: second job'
    }

    It 'does not report a slow-starting agent idle right after the send' {
        Send-PaneLine $envt.Socket '=slow:' 'late job'
        $sent = [DateTimeOffset]::UtcNow
        $out = @([pscustomobject]@{ Agent = 'slow'; Status = 'Accepted'; SentAt = $sent } | Wait-FleetAgent -TimeoutSeconds 30 -RosterPath $roster)
        $out.Name | Should -Be 'slow'
        (Get-PaneText $envt.Socket '=slow:') | Should -Match 'done: late job'
    }

    It 'accepts a real FleetSendResult from the pipeline' {
        Send-PaneLine $envt.Socket '=fx:' 'third job'
        $result = [MosaicFleet.FleetSendResult]@{ Agent = 'fx'; Status = 'Accepted'; SentAt = [DateTimeOffset]::UtcNow }
        ($result | Wait-FleetAgent -TimeoutSeconds 30 -RosterPath $roster).Name | Should -Be 'fx'
        (Get-PaneText $envt.Socket '=fx:') | Should -Match 'done: third job'
    }

    It 'waits for Busy' {
        Send-PaneLine $envt.Socket '=fx:' 'fourth job'
        $out = Wait-FleetAgent fx -Activity Busy -TimeoutSeconds 20 -RosterPath $roster
        $out.Activity | Should -Be 'Busy'
        Wait-Until { (Get-PaneText $envt.Socket '=fx:') -match 'done: fourth job' } -TimeoutSeconds 20 | Should -BeTrue
    }

    It 'takes agents from Get-FleetAgent by Name' {
        $out = Get-FleetAgent fx -RosterPath $roster | Wait-FleetAgent -TimeoutSeconds 20 -RosterPath $roster
        $out.Name | Should -Be 'fx'
        $out.Activity | Should -Be 'Idle'
    }

    It 'times out with AgentWaitTimeout (OperationTimeout) for an agent that stays busy, and still returns the others' {
        Send-PaneLine $envt.Socket '=stuck:' 'endless job'
        $out = @(Wait-FleetAgent stuck, fx -TimeoutSeconds 3 -RosterPath $roster -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Name | Should -Be @('fx')
        $errs.Count | Should -Be 1
        $errs[0] | Assert-FleetError -Id AgentWaitTimeout -Category OperationTimeout -Target 'stuck'
        $errs[0].Exception.Message | Should -Match 'last seen Busy'
    }

    It 'skips send results that were not accepted, with a warning' {
        $in = [pscustomobject]@{ Agent = 'fx'; Status = 'NotSubmitted'; SentAt = [DateTimeOffset]::UtcNow }
        $out = @($in | Wait-FleetAgent -TimeoutSeconds 5 -RosterPath $roster -WarningVariable warns -ErrorVariable errs 3>$null)
        $out | Should -BeNullOrEmpty
        $errs | Should -BeNullOrEmpty
        $warns.Count | Should -Be 1
        "$($warns[0])" | Should -Match 'fx.*NotSubmitted'
    }

    It 'skips an agent whose host was unreachable, with a warning, instead of waiting out the timeout' {
        $in = [pscustomobject]@{ Agent = 'fx'; Status = 'Unreachable' }
        $out = @($in | Wait-FleetAgent -TimeoutSeconds 30 -RosterPath $roster -WarningVariable warns -ErrorVariable errs 3>$null)
        $out | Should -BeNullOrEmpty
        $errs | Should -BeNullOrEmpty
        "$($warns[0])" | Should -Match 'fx.*unreachable'
    }

    It 'stops waiting for an agent without a session (AgentNotRunning) well before the timeout, and still returns the others' {
        # Had it waited out the timeout, the error would be AgentWaitTimeout.
        $out = @(Wait-FleetAgent ghost, fx -TimeoutSeconds 60 -RosterPath $roster -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Name | Should -Be @('fx')
        $errs.Count | Should -Be 1
        $errs[0] | Assert-FleetError -Id AgentNotRunning -Category ResourceUnavailable -Target 'ghost'
        $errs[0].Exception.Message | Should -Match 'no tmux session'
    }

    It 'times out for an agent without a session, naming its status' {
        Wait-FleetAgent ghost -TimeoutSeconds 1 -RosterPath $roster -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0] | Assert-FleetError -Id AgentWaitTimeout
        $errs[0].Exception.Message | Should -Match 'Missing'
    }
}
