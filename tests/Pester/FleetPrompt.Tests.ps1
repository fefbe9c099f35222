BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    $script:Menu = Join-Path (Get-RepoRoot) 'tests/fixtures/menu_tui.py'
    $script:Busy = Join-Path (Get-RepoRoot) 'tests/fixtures/busy_agent.py'
}

Describe 'Get-FleetPrompt, Approve-FleetAgent and Deny-FleetAgent with fixture dialogs on a real tmux server' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $runtime = "runtimes:`n  menu: { command: 'python3 menu_tui.py', paneCommands: [python3], waitingPattern: 'Enter to confirm|enter confirm|\[y/n\]\s*$' }"
        Set-FleetTestRoster -Environment $envt -Extra $runtime -Agents @(
            @{ name = 'm1'; runtime = 'menu' }, @{ name = 'm2'; runtime = 'menu' }, @{ name = 'h1'; runtime = 'menu' }
            @{ name = 'yn'; runtime = 'menu' }, @{ name = 'sl'; runtime = 'menu' }, @{ name = 'ex'; runtime = 'menu' }, @{ name = 'auto'; runtime = 'menu' }
        ) | Out-Null
        $script:roster = $envt.RosterPath
        function script:Log([string] $s) { Join-Path $envt.Directory "$s.log" }
        function script:Chosen([string] $s) { if (Test-Path (Log $s)) { @(Get-Content (Log $s)) } else { @() } }
        Start-TestPane -Environment $envt -Session m1 -Command @('python3', $Menu, (Log m1), 'Do you want to run tests?', 'Yes', 'Yes, and always allow', 'No, cancel')
        Start-TestPane -Environment $envt -Session m2 -Command @('python3', $Menu, (Log m2), 'Trust this folder?', 'No, exit', 'Yes, I trust it', '--then', 'Use this key?', 'Yes', 'No')
        Start-TestPane -Environment $envt -Session h1 -Command @('python3', $Menu, (Log h1), 'Permission required', 'Allow once', 'Allow always', 'Reject', '--horizontal')
        Start-TestPane -Environment $envt -Session yn -Command @('python3', $Busy, '1')
        Start-TestPane -Environment $envt -Session ex -Command @('python3', $Menu, (Log ex), 'Go on?', 'Yes', 'No', '--exit-on', '1') -RemainOnExit
        foreach ($s in 'm1', 'm2', 'h1', 'ex') { Wait-Until { (Get-PaneText $envt.Socket "=${s}:") -match 'confirm' } | Should -BeTrue }
        Wait-Until { (Get-PaneText $envt.Socket '=yn:') -match 'ready' } | Should -BeTrue
        Send-PaneLine $envt.Socket '=yn:' 'ask'
        Wait-Until { (Get-PaneText $envt.Socket '=yn:') -match '\[y/n\]' } | Should -BeTrue
    }
    AfterAll { Remove-FleetTestEnvironment $envt }

    It 'reads every waiting agent''s question and options, with the selection' {
        $p = @(Get-FleetPrompt -RosterPath $roster)
        ($p.Agent | Sort-Object) | Should -Be @('ex', 'h1', 'm1', 'm2', 'yn')
        $m1 = $p | Where-Object Agent -eq m1
        $m1 | Should -BeOfType ([MosaicFleet.FleetPrompt])
        $m1.Question | Should -Be 'Do you want to run tests?'
        $m1.Options.Text | Should -Be @('Yes', 'Yes, and always allow', 'No, cancel')
        $m1.Selected.Text | Should -Be 'Yes'
        ($p | Where-Object Agent -eq h1).Selected.Text | Should -Be 'Allow once'
        ($p | Where-Object Agent -eq yn).Layout | Should -Be 'YesNo'
        ($p | Out-String -Width 80) | Should -Match '> 1\. Yes'
    }

    It '-WhatIf and an option that is not on the screen press nothing' {
        Approve-FleetAgent m1 -RosterPath $roster -WhatIf | Should -BeNullOrEmpty
        { Approve-FleetAgent m1 -Option 'Maybe' -RosterPath $roster -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'PromptOptionNotFound,MosaicFleet.Cmdlets.ApproveFleetAgentCommand'
        { Approve-FleetAgent m1 -Option 7 -RosterPath $roster -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'PromptOptionNotFound,MosaicFleet.Cmdlets.ApproveFleetAgentCommand'
        Start-Sleep -Milliseconds 300
        Chosen m1 | Should -BeNullOrEmpty
        (Get-FleetPrompt m1 -RosterPath $roster).Selected.Text | Should -Be 'Yes'
    }

    It 'Deny moves the selection down onto the first no, checks it, presses Enter and sees the prompt gone' {
        $r = Deny-FleetAgent m1 -RosterPath $roster -Confirm:$false -Verbose 4>&1
        $answer = $r | Where-Object { $_ -is [MosaicFleet.FleetPromptAnswer] }
        $answer.Status | Should -Be 'Answered'
        $answer.Option | Should -Be 'No, cancel'
        Chosen m1 | Should -Be @('chose: No, cancel')
        ($r | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join ' ' | Should -Match 'pressed Down, Down, Enter'
    }

    It 'Approve takes the one-time yes (here below the selection), and reports the next prompt' {
        $a = Approve-FleetAgent m2 -RosterPath $roster -Confirm:$false
        $a.Option | Should -Be 'Yes, I trust it'
        $a.Status | Should -Be 'NextPrompt'
        $a.NextPrompt.Question | Should -Be 'Use this key?'
        $b = Get-FleetPrompt m2 -RosterPath $roster | Approve-FleetAgent -Option 'y*' -RosterPath $roster -Confirm:$false
        $b.Status | Should -Be 'Answered'
        Chosen m2 | Should -Be @('chose: Yes, I trust it', 'chose: Yes')
    }

    It 'answers a one-line menu with Right and a highlighted selection, by number' {
        $a = Deny-FleetAgent h1 -Option 3 -RosterPath $roster -Confirm:$false
        $a.Option | Should -Be 'Reject'
        Chosen h1 | Should -Be @('chose: Reject')
    }

    It 'types the letter of a [y/n] question' {
        (Approve-FleetAgent yn -RosterPath $roster -Confirm:$false).Status | Should -Be 'Answered'
        Wait-Until { (Get-PaneText $envt.Socket '=yn:') -match 'answered: y' } | Should -BeTrue
    }

    It 'an agent that exits on the answer is an error: AgentExitedAfterAnswer' {
        { Approve-FleetAgent ex -RosterPath $roster -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'AgentExitedAfterAnswer,MosaicFleet.Cmdlets.ApproveFleetAgentCommand'
    }

    It 'a screen that asks nothing is AgentNotWaiting and nothing is pressed' {
        { Approve-FleetAgent m1 -RosterPath $roster -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'AgentNotWaiting,MosaicFleet.Cmdlets.ApproveFleetAgentCommand'
        Chosen m1 | Should -Be @('chose: No, cancel')
    }

    It 'waits for a dialog that is still being drawn (a line every 100 ms) before reading it' {
        Start-TestPane -Environment $envt -Session sl -Command @('python3', $Menu, (Log sl), 'Proceed?', 'Yes', 'No', 'Later', 'Not now', 'Never', '--slow-draw', '0.1')
        Wait-Until { (Get-PaneText $envt.Socket '=sl:') -match 'Proceed' } -IntervalMs 20 | Should -BeTrue
        $p = Get-FleetPrompt sl -RosterPath $roster
        $p.Options.Text | Should -Be @('Yes', 'No', 'Later', 'Not now', 'Never')
    }

    It 'answers a stream: Get-FleetEvent -Follow | Where-Object To -eq Waiting | Approve-FleetAgent -Confirm:$false' {
        $fixture = Join-Path (Get-RepoRoot) 'tests/fixtures/busy_agent.py'
        Start-TestPane -Environment $envt -Session auto -Command @('python3', $fixture, '1')
        Wait-Until { (Get-PaneText $envt.Socket '=auto:') -match 'ready' } | Should -BeTrue
        $out = Join-Path $envt.Directory 'auto.out'
        $ready = Join-Path $envt.Directory 'auto.ready'
        $cmd = "Import-Module `$env:MOSAIC_FLEET_MODULE; Get-FleetEvent auto -Follow -Property Activity -RosterPath '$roster' -Verbose 4>'$ready' | Where-Object To -eq Waiting | Approve-FleetAgent -RosterPath '$roster' -Confirm:`$false | ForEach-Object { [IO.File]::AppendAllText('$out', `$_.Status + [char]10) }"
        $child = Start-ChildPwsh -Command $cmd
        try {
            # Changes before the follower has its first readings are its baseline: wait for it to say it has them.
            Wait-Until { (Test-Path $ready) -and (Get-Content $ready -Raw) -match 'Following 1 agent' } -TimeoutSeconds 60 | Should -BeTrue
            foreach ($round in 1..2) {
                Send-PaneLine $envt.Socket '=auto:' 'ask'
                Wait-Until { (Get-PaneText $envt.Socket '=auto:') -match "(?s)(answered: y.*){$round}" } -TimeoutSeconds 20 | Should -BeTrue -Because (Get-PaneText $envt.Socket '=auto:')
                Start-Sleep -Seconds 2
            }
            Wait-Until { (Test-Path $out) -and @(Get-Content $out).Count -eq 2 } | Should -BeTrue
            Get-Content $out | Should -Be @('Answered', 'Answered')
        } finally { if (-not $child.Process.HasExited) { $child.Process.Kill($true) } }
    }
}
