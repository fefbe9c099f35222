# Get-FleetPrompt, Approve-FleetAgent and Deny-FleetAgent on the real agent TUIs (issue 16), offline against
# tests/fixtures/fake_model.py, set up by RealRuntimeHelpers.psm1 as for tests/Pester/RealRuntimes.Tests.ps1.
# Claude Code: its trust and API-key dialogs at start, then a permission prompt; Codex, opencode: a permission prompt for
# the fake model's tool call; pi asks nothing. Each answer is checked on the screen and by its effect (the tool's file).
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'RealRuntimeHelpers.psm1') -Force
    $script:walks = Get-RealRuntimeWalk
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    Import-Module (Join-Path $PSScriptRoot 'RealRuntimeHelpers.psm1') -Force

    function script:Get-Screen { Get-PaneText $e.Socket "=$agent`:" }
}

Describe 'Prompts of the real <Name> TUI, offline' -ForEach $walks {
    BeforeAll {
        $script:skipReason = if (-not $Installed) { "$Name is not installed in $Bin (.ci/run installs it from the npm registry)" }
        if ($skipReason) { return }
        $script:run = Start-RealRuntimeAgent -Walk @{ Name = $Name; Bin = $Bin; Command = $Command } -Agent "${Name}p" -Prefix "mfpr$Name" -Delay 1
        $script:e = $run.Environment; $script:agent = $run.Agent; $script:homeDir = $run.Home; $script:work = $run.Work; $script:model = $run.Model
    }
    AfterAll { if (-not $skipReason) { Stop-RealRuntimeAgent $run } }

    It 'answers its start-up dialogs with Approve-FleetAgent, each checked and followed by the next' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        if ($Dialogs.Count -eq 0) { Set-ItResult -Skipped -Because "$Name shows no start-up dialog here"; return }
        # Claude: "trust this folder?" (selection on "No, exit"), then "use this API key?" (selection on "No").
        Wait-Until { @(Get-FleetPrompt $agent -RosterPath $e.RosterPath).Count -eq 1 } -TimeoutSeconds 90 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
        $trust = Get-FleetPrompt $agent -RosterPath $e.RosterPath
        $trust.Options.Text | Should -Contain 'Yes, I trust this folder'
        $trust.Selected.Text | Should -Be 'No, exit'
        $a = Approve-FleetAgent $agent -RosterPath $e.RosterPath -Confirm:$false
        $a.Option | Should -Be 'Yes, I trust this folder'
        if ($a.Status -ne 'NextPrompt') {
            Wait-Until { @(Get-FleetPrompt $agent -RosterPath $e.RosterPath).Count -eq 1 } -TimeoutSeconds 30 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
        }
        $key = Get-FleetPrompt $agent -RosterPath $e.RosterPath
        $key.Question | Should -Be 'Do you want to use this API key?'
        $key.Selected.Text | Should -Match '^No'
        (Approve-FleetAgent $agent -RosterPath $e.RosterPath -Confirm:$false).Option | Should -Be 'Yes'
        Wait-Until { (Get-Screen) -match $Ready } -TimeoutSeconds 60 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
        Get-FleetPrompt $agent -RosterPath $e.RosterPath | Should -BeNullOrEmpty
    }

    It 'reads its permission prompt, refuses an option it does not show, and approves it once: the tool runs' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        Wait-Until { (Get-Screen) -match $Ready } -TimeoutSeconds 90 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
        if ($Name -eq 'opencode') {
            Wait-OpenCodePlugin $homeDir | Should -BeTrue -Because 'opencode installs its plugin package at its first start'
        }
        Start-Sleep -Seconds 2
        $r = Send-FleetMessage 'please RUN-TOOL now' -Name $agent -RosterPath $e.RosterPath -TimeoutSeconds 30
        $r.Status | Should -Be 'Accepted' -Because "$($r.Detail)`n$(Get-Screen)"
        if (-not $Permission) {
            Wait-Until { Test-Path (Join-Path $work 'mosaic-fake-tool') } -TimeoutSeconds 60 | Should -BeTrue -Because "$Name runs tools without asking"
            Get-FleetPrompt $agent -RosterPath $e.RosterPath | Should -BeNullOrEmpty
            return
        }
        Wait-Until { @(Get-FleetPrompt $agent -RosterPath $e.RosterPath).Count -eq 1 } -TimeoutSeconds 60 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
        $p = Get-FleetPrompt $agent -RosterPath $e.RosterPath
        $p.Options.Count | Should -BeGreaterOrEqual 2
        $p.Selected | Should -Not -BeNullOrEmpty
        { Approve-FleetAgent $agent -Option 'Launch the rockets' -RosterPath $e.RosterPath -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'PromptOptionNotFound,MosaicFleet.Cmdlets.ApproveFleetAgentCommand'
        Test-Path (Join-Path $work 'mosaic-fake-tool') | Should -BeFalse
        $a = Approve-FleetAgent $agent -RosterPath $e.RosterPath -Confirm:$false
        $a.Option | Should -Not -Match 'always|don.t ask'
        $a.Status | Should -BeIn @('Answered', 'NextPrompt')
        Wait-Until { Test-Path (Join-Path $work 'mosaic-fake-tool') } -TimeoutSeconds 30 | Should -BeTrue -Because (Get-Screen)
        (Get-FleetAgent $agent -RosterPath $e.RosterPath).Status | Should -Be 'Running'
    }

    It 'denies the next permission prompt: the tool does not run again' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        if (-not $Permission) { Set-ItResult -Skipped -Because "$Name asks no permission"; return }
        Wait-Until { @(Get-FleetPrompt $agent -RosterPath $e.RosterPath).Count -eq 0 } -TimeoutSeconds 60 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
        Remove-Item (Join-Path $work 'mosaic-fake-tool')
        Start-Sleep -Seconds 3
        $r = Send-FleetMessage 'again RUN-TOOL now' -Name $agent -RosterPath $e.RosterPath -TimeoutSeconds 30
        $r.Status | Should -Be 'Accepted' -Because "$($r.Detail)`n$(Get-Screen)"
        Wait-Until { @(Get-FleetPrompt $agent -RosterPath $e.RosterPath).Count -eq 1 } -TimeoutSeconds 60 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
        $d = Deny-FleetAgent $agent -RosterPath $e.RosterPath -Confirm:$false
        $d.Option | Should -Match '^(No|Reject)'
        Start-Sleep -Seconds 3
        Test-Path (Join-Path $work 'mosaic-fake-tool') | Should -BeFalse -Because (Get-Screen)
        (Get-FleetAgent $agent -RosterPath $e.RosterPath).Status | Should -Be 'Running'
    }
}
