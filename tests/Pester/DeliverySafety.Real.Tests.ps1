# Issue 14 on the real agent TUIs (the runtimes of issue 13, offline against tests/fixtures/fake_model.py): nothing is
# typed into Claude's trust dialog or a permission prompt (Blocked, the dialog's text in Detail), nor over an operator's
# draft typed by hand (DraftPresent); -WaitForIdle sends once the dialogs are answered. The runtime setup is the one of
# tests/Pester/RealRuntimes.Tests.ps1 (same profiles, same fake model).
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'RealRuntimeHelpers.psm1') -Force
    $script:walks = Get-RealRuntimeWalk
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    Import-Module (Join-Path $PSScriptRoot 'RealRuntimeHelpers.psm1') -Force

    function script:Get-Screen { Get-PaneText $e.Socket "=$agent`:" }

    function script:Get-Activity { (Get-FleetAgent $agent -RosterPath $e.RosterPath -Activity).Activity }

    # The user texts the fake model was asked about (every turn the runtime sent).
    function script:Get-ModelTexts { if (Test-Path $modelLog) { Get-Content -Raw $modelLog } else { '' } }
}

Describe 'Delivery safety on the real <Name> <Version> TUI' -ForEach $walks {
    BeforeAll {
        $script:skipReason = if (-not $Installed) { "$Name is not installed in $Bin (.ci/run installs it from the npm registry)" }
        if ($skipReason) { return }
        $script:run = Start-RealRuntimeAgent -Walk @{ Name = $Name; Bin = $Bin; Command = $Command } -Agent "${Name}s" -Prefix "mfds$Name" -Delay 1
        $script:e = $run.Environment; $script:agent = $run.Agent; $script:homeDir = $run.Home; $script:work = $run.Work; $script:model = $run.Model
        $script:modelLog = $run.ModelLog
        $script:common = @{ RosterPath = $e.RosterPath; TimeoutSeconds = 30 }
    }
    AfterAll { if (-not $skipReason) { Stop-RealRuntimeAgent $run } }

    It 'types nothing into its start-up dialogs (Blocked, with their text); -WaitForIdle sends once they are answered' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        if ($Dialogs.Count -eq 0) { Set-ItResult -Skipped -Because "$Name shows no start-up dialog here"; return }
        $first = $Dialogs[0]
        Wait-Until { (Get-Screen) -match [regex]::Escape($first.Shows) } -TimeoutSeconds 90 | Should -BeTrue -Because (Get-Screen)
        # Claude's trust dialog defaults to "No, exit": a message and Enter there would end the agent.
        $r = Send-FleetMessage 'MARKER-DIALOG please start' -Name $agent @common -ErrorVariable ev -ErrorAction SilentlyContinue
        $r.Status | Should -Be 'Blocked' -Because $r.Detail
        $r.Detail | Should -Match ([regex]::Escape($first.Shows))
        $ev[0] | Assert-FleetError -Id AgentBlocked
        (Get-FleetMessageLog -Name $agent -Last 1).Status | Should -Be 'Blocked'
        (Reset-FleetAgent $agent -RosterPath $e.RosterPath -ErrorAction SilentlyContinue).Status | Should -Be 'Blocked'
        Start-Sleep -Seconds 1
        (Get-FleetAgent $agent -RosterPath $e.RosterPath).Status | Should -Be 'Running'
        Get-Screen | Should -Match ([regex]::Escape($first.Shows)) -Because 'the dialog is still open, untouched'
        Get-Screen | Should -Not -Match 'MARKER-DIALOG'

        # -WaitForIdle in another runspace: it waits (not holding the lock) while the operator answers the dialogs.
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-FleetModulePath)'; Send-FleetMessage 'MARKER-WAITED after the dialogs' -Name $agent -WaitForIdle -RosterPath '$($e.RosterPath)' -TimeoutSeconds 150")
            $handle = $ps.BeginInvoke()
            Start-Sleep -Seconds 2
            $handle.IsCompleted | Should -BeFalse
            $lock = Join-Path $env:XDG_RUNTIME_DIR "mosaic-fleet/locks/local.local.$agent.lock"
            if (Test-Path $lock) { ([IO.File]::Open($lock, 'Open', 'ReadWrite', 'None')).Dispose() } # free while it waits
            foreach ($d in $Dialogs) {
                Wait-Until { (Get-Screen) -match [regex]::Escape($d.Shows) } -TimeoutSeconds 90 | Should -BeTrue -Because (Get-Screen)
                Wait-Until { & tmux -L $e.Socket send-keys -t "=$agent`:" $d.Move; Start-Sleep -Milliseconds 300; (Get-Screen) -match [regex]::Escape($d.Selected) } -TimeoutSeconds 20 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
                & tmux -L $e.Socket send-keys -t "=$agent`:" Enter
                Wait-Until { (Get-Screen) -notmatch [regex]::Escape($d.Shows) } -TimeoutSeconds 30 | Should -BeTrue -Because (Get-Screen)
            }
            $handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(170)) | Should -BeTrue
            $out = $ps.EndInvoke($handle)
            $out[0].Status | Should -Be 'Accepted' -Because "$($out[0].Detail)`n$(Get-Screen)"
        } finally { $ps.Dispose() }
        Wait-Until { (Get-Screen) -match 'FAKE-ANSWER: .*MARKER-WAITED' } -TimeoutSeconds 60 | Should -BeTrue -Because (Get-Screen)
        Get-ModelTexts | Should -Not -Match 'MARKER-DIALOG'
    }

    It 'types nothing over an operator''s draft typed by hand (DraftPresent); -Force types after it' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        Wait-Until { (Get-Screen) -match $Ready } -TimeoutSeconds 90 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
        if ($Name -eq 'opencode') {
            Wait-OpenCodePlugin $homeDir | Should -BeTrue -Because 'opencode installs its plugin package at its first start'
        }
        Wait-Until { (Get-Activity) -eq 'Idle' } -TimeoutSeconds 60 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
        # Typed key by key, as an operator attached to the pane would.
        $draft = 'operator half typed note'
        & tmux -L $e.Socket send-keys -t "=$agent`:" -l $draft
        Wait-Until { (Get-Screen) -match $draft } -TimeoutSeconds 20 | Should -BeTrue -Because (Get-Screen)
        $r = Send-FleetMessage 'MARKER-DRAFT do not join' -Name $agent @common -ErrorVariable ev -ErrorAction SilentlyContinue
        $r.Status | Should -Be 'DraftPresent' -Because "$($r.Detail)`n$(Get-Screen)"
        $r.Detail | Should -Match ([regex]::Escape($draft))
        $ev[0] | Assert-FleetError -Id AgentDraftPresent
        (Reset-FleetAgent $agent -RosterPath $e.RosterPath -ErrorAction SilentlyContinue).Status | Should -Be 'DraftPresent'
        Get-Screen | Should -Not -Match 'MARKER-DRAFT|/clear'
        # The operator's draft is untouched; with -Force the message goes after it and both are submitted together.
        $f = Send-FleetMessage 'MARKER-FORCED' -Name $agent -Force @common
        $f.Status | Should -Be 'Accepted' -Because "$($f.Detail)`n$(Get-Screen)"
        Wait-Until { (Get-ModelTexts) -match "$draft\s*\[[^\]]+\] MARKER-FORCED" } -TimeoutSeconds 30 | Should -BeTrue -Because (Get-ModelTexts)
        Wait-Until { (Get-Activity) -eq 'Idle' } -TimeoutSeconds 60 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
    }

    It 'types nothing into a permission prompt (Blocked, with its text); the tool does not run' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        if (-not $Permission) { Set-ItResult -Skipped -Because "$Name asks no permission before running a tool"; return }
        $r = Send-FleetMessage 'please RUN-TOOL now' -Name $agent @common
        $r.Status | Should -Be 'Accepted' -Because "$($r.Detail)`n$(Get-Screen)"
        Wait-Until { (Get-Activity) -eq 'Waiting' } -TimeoutSeconds 60 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
        # Text and Enter there would answer the prompt (the default choice runs the command).
        $b = Send-FleetMessage 'MARKER-PROMPT yes' -Name $agent @common -ErrorAction SilentlyContinue
        $b.Status | Should -Be 'Blocked' -Because "$($b.Detail)`n$(Get-Screen)"
        $b.Detail | Should -Match $Permission
        (Reset-FleetAgent $agent -RosterPath $e.RosterPath -ErrorAction SilentlyContinue).Status | Should -Be 'Blocked'
        Start-Sleep -Seconds 1
        Get-Screen | Should -Match $Permission
        Get-Screen | Should -Not -Match 'MARKER-PROMPT'
        Test-Path (Join-Path $homeDir 'work/mosaic-fake-tool') | Should -BeFalse -Because 'nothing approved the command'
        # -WaitForIdle gives up at its timeout with the prompt still up: Blocked.
        $w = Send-FleetMessage 'MARKER-PROMPT later' -Name $agent -WaitForIdle -RosterPath $e.RosterPath -TimeoutSeconds 3 -ErrorAction SilentlyContinue
        $w.Status | Should -Be 'Blocked'
        $w.Detail | Should -Match 'still showed a dialog or menu after 3 s'
    }
}
