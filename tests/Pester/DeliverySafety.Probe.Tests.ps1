# Issue 14: nothing is typed where it could act. A probe TUI (tests/fixtures/paste_probe.py: raw mode, bracketed paste
# on) records every byte it reads, so these tests see exactly what arrived inside the paste and what arrived outside it.
# The hostile texts (tests/fixtures/hostile-texts.json, shared with xunit) are read at discovery, for -TestCases.
BeforeDiscovery { Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force }

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force

    function Start-Probe([string] $Session) {
        $raw = Join-Path $envt.Directory "$Session.raw"
        $log = Join-Path $envt.Directory "$Session.log"
        Start-TestPane -Environment $envt -Session $Session -RemainOnExit -Command @('python3', (Join-Path (Get-RepoRoot) 'tests/fixtures/paste_probe.py'), '--raw', $raw, '--log', $log)
        Wait-Until { (& tmux -L $envt.Socket capture-pane -p -t "=${Session}:") -match 'paste-probe ready' } | Should -BeTrue
    }

    # Every byte the probe read, as a Latin-1 string (one char per byte).
    function Get-ProbeBytes([string] $Session) {
        $path = Join-Path $envt.Directory "$Session.raw"
        if (-not (Test-Path -LiteralPath $path)) { return '' }
        [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($path))
    }

    # Splits the probe's bytes into what came inside bracketed pastes and what came outside them (keystrokes).
    function Split-ProbeBytes([string] $Bytes) {
        $inside = [Collections.Generic.List[string]]::new()
        $outside = [Text.StringBuilder]::new()
        $start, $end = "`e[200~", "`e[201~"
        $i = 0
        while ($i -lt $Bytes.Length) {
            $s = $Bytes.IndexOf($start, $i, [StringComparison]::Ordinal)
            if ($s -lt 0) { [void]$outside.Append($Bytes.Substring($i)); break }
            [void]$outside.Append($Bytes.Substring($i, $s - $i))
            $e = $Bytes.IndexOf($end, $s + $start.Length, [StringComparison]::Ordinal)
            if ($e -lt 0) { $inside.Add($Bytes.Substring($s + $start.Length)); break }
            $inside.Add($Bytes.Substring($s + $start.Length, $e - $s - $start.Length))
            $i = $e + $end.Length
        }
        [pscustomobject]@{ Inside = $inside.ToArray(); Outside = $outside.ToString() }
    }

    # 'a<U+001B>b' -> "a`eb"
    function ConvertTo-Latin1Bytes([string] $Text) { [Text.Encoding]::Latin1.GetString([Text.Encoding]::UTF8.GetBytes($Text)) }
}

Describe 'Delivery safety (issue 14)' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment -Prefix mfd
        $script:savedEnv = Enter-FleetTestStateDirs $envt
        # A copy of bash under another name: a shell that no list of shell names knows.
        $script:renamedShell = Join-Path $envt.BinDir 'agentsh'
        Copy-Item (Get-Command bash -CommandType Application | Select-Object -First 1).Source $renamedShell
        $script:roster = Set-FleetTestRoster -Environment $envt -Agents @(
            @{ name = 'probe'; runtime = 'probe' }
            @{ name = 'big'; runtime = 'probe' }
            @{ name = 'hostile'; runtime = 'probe' }
            @{ name = 'hostilereset'; runtime = 'badreset' }
            @{ name = 'renamed'; runtime = 'probe' }
            @{ name = 'misnamed'; runtime = 'unlisted' }
            @{ name = 'scrolled'; runtime = 'probe' }
        ) -Extra @"
runtimes:
  probe: { command: 'python3 paste_probe.py', paneCommands: [python3], resetCommand: '/clear' }
  badreset: { command: 'python3 paste_probe.py', paneCommands: [python3], resetCommand: "/clear\e[201~\u0003" }
  unlisted: { command: 'python3 paste_probe.py', paneCommands: [probe-launcher] }
"@
        foreach ($s in 'probe', 'big', 'hostile', 'hostilereset', 'misnamed', 'scrolled') { Start-Probe $s }
        Start-TestPane -Environment $envt -Session 'renamed' -Command @($renamedShell, '--norc', '--noprofile', '-i')
        Wait-Until { (& tmux -L $envt.Socket list-panes -t '=renamed:' -F '#{pane_current_command}') -eq 'agentsh' } | Should -BeTrue
        $script:common = @{ RosterPath = $roster; TimeoutSeconds = 20 }
    }
    AfterAll {
        Remove-FleetTestEnvironment $envt
        Exit-FleetTestStateDirs $savedEnv
    }

    Context 'Hostile text arrives inside ONE bracketed paste; only the submit key arrives outside it' {
        It 'delivers <Case>: the paste holds exactly the labelled text, and the only byte outside it is one CR' -TestCases (Get-HostileText -Set typed) {
            param($Case, $Text, $Delivered)
            $before = (Get-ProbeBytes probe).Length
            $r = Send-FleetMessage $Text -Name probe -Source x @common
            $r.Status | Should -Be 'Accepted' -Because $r.Detail
            $got = Split-ProbeBytes ((Get-ProbeBytes probe).Substring($before))
            $got.Inside.Count | Should -Be 1
            $got.Inside[0] | Should -BeExactly (ConvertTo-Latin1Bytes "[x] $Delivered")
            $got.Outside | Should -BeExactly "`r"
        }

        It 'delivers a 1 MB message as one paste of exactly its bytes and one CR' {
            $text = Get-HostileText -Large
            $text.Length | Should -BeGreaterThan 1MB
            $r = Send-FleetMessage $text -Name big -Source x -RosterPath $roster -TimeoutSeconds 60
            $r.Status | Should -Be 'Accepted' -Because $r.Detail
            $got = Split-ProbeBytes (Get-ProbeBytes big)
            $got.Inside.Count | Should -Be 1
            $got.Inside[0].Length | Should -Be ("[x] $text").Length
            $got.Inside[0] -ceq "[x] $text" | Should -BeTrue
            $got.Outside | Should -BeExactly "`r"
        }
    }

    Context 'Control bytes are refused: nothing reaches the pane' {
        It 'refuses a message holding <Case> with a clear error, and not one byte arrives' -TestCases (Get-HostileText -Set refused) {
            param($Case, $Text, $Refusal)
            $before = (Get-ProbeBytes hostile).Length
            $logBefore = @(Get-FleetMessageLog -Name hostile).Count
            $err = $null
            try { Send-FleetMessage $Text -Name hostile -Source x @common } catch { $err = $_ }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -Be 'ParameterArgumentValidationError,MosaicFleet.Cmdlets.SendFleetMessageCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidData'
            "$err" | Should -Match ([regex]::Escape("The message holds the control character $Refusal"))
            "$err" | Should -Match 'Nothing was typed'
            Start-Sleep -Milliseconds 300
            (Get-ProbeBytes hostile).Length | Should -Be $before
            @(Get-FleetMessageLog -Name hostile).Count | Should -Be $logBefore
        }

        It 'refuses a source label holding <Case> (.NET''s $ matches before a final newline: "ops`n" must fail too)' -TestCases (Get-HostileText -Set sources) {
            param($Case, $Text, $Refusal)
            $Source = $Text
            $before = (Get-ProbeBytes hostile).Length
            { Send-FleetMessage 'x' -Name hostile -Source $Source @common } | Should -Throw -ErrorId 'ParameterArgumentValidationError,MosaicFleet.Cmdlets.SendFleetMessageCommand'
            (Get-ProbeBytes hostile).Length | Should -Be $before
        }

        It 'reports a roster resetCommand holding control bytes as NotSent (MessageNotSent), logged, nothing typed' {
            $r = Reset-FleetAgent hostilereset -RosterPath $roster -ErrorVariable ev -ErrorAction SilentlyContinue
            $r.Status | Should -Be 'NotSent'
            $r.Detail | Should -Match '^nothing was typed: the text holds the control character U\+001B \(ESC\) at position 6'
            $ev.Count | Should -Be 1
            $ev[0] | Assert-FleetError -Id MessageNotSent; $ev[0].FullyQualifiedErrorId | Should -BeLike '*,MosaicFleet.Cmdlets.ResetFleetAgentCommand'
            "$($ev[0])" | Should -Match 'nothing was typed'
            "$($ev[0])" | Should -Not -Match 'may still arrive'
            $ev[0].ErrorDetails.RecommendedAction | Should -Not -Match 'may still arrive'
            (Get-FleetMessageLog -Name hostilereset -Last 1).Status | Should -Be 'NotSent'
            Get-ProbeBytes hostilereset | Should -BeExactly ''
        }
    }

    Context 'A pane left in copy mode' {
        It 'is taken out of the mode when nobody looks at it, and the message arrives' {
            & tmux -L $envt.Socket copy-mode -t '=scrolled:'
            & tmux -L $envt.Socket display-message -p -t '=scrolled:' '#{pane_in_mode}' | Should -Be '1'
            $r = Send-FleetMessage 'after the scroll-back' -Name scrolled -Source x @common
            $r.Status | Should -Be 'Accepted' -Because $r.Detail
            & tmux -L $envt.Socket display-message -p -t '=scrolled:' '#{pane_in_mode}' | Should -Be '0'
            (Split-ProbeBytes (Get-ProbeBytes scrolled)).Inside | Should -Contain '[x] after the scroll-back'
        }

        It 'is Blocked while a client shows it (someone may be scrolling), and -Force leaves the mode' {
            $before = (Get-ProbeBytes scrolled).Length
            & tmux -L $envt.Socket copy-mode -t '=scrolled:'
            # A control-mode client attached to the session: it counts as someone looking.
            $psi = [Diagnostics.ProcessStartInfo]::new('tmux')
            foreach ($a in '-L', $envt.Socket, '-C', 'attach-session', '-r', '-t', '=scrolled') { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
            $client = [Diagnostics.Process]::Start($psi)
            try {
                Wait-Until { (& tmux -L $envt.Socket display-message -p -t '=scrolled:' '#{session_attached}') -ge 1 } | Should -BeTrue
                $r = Send-FleetMessage 'while someone scrolls' -Name scrolled -Source x @common -ErrorVariable ev -ErrorAction SilentlyContinue
                $r.Status | Should -Be 'Blocked'
                $r.Detail | Should -Match 'copy mode'
                $ev[0] | Assert-FleetError -Id AgentBlocked
                (Get-ProbeBytes scrolled).Length | Should -Be $before -Because 'nothing was typed'
                & tmux -L $envt.Socket display-message -p -t '=scrolled:' '#{pane_in_mode}' | Should -Be '1' -Because 'the mode is theirs'
                (Send-FleetMessage 'forced' -Name scrolled -Source x -Force @common).Status | Should -Be 'Accepted'
            } finally {
                $client.Kill($true); $client.WaitForExit()
            }
        }
    }

    Context 'Drifted panes get nothing, whatever they run' {
        It 'types nothing into a shell under a name no shell list knows' {
            $marker = Join-Path $envt.Directory 'renamed-ran'
            $r = Send-FleetMessage "touch $marker" -Name renamed @common -ErrorVariable ev -ErrorAction SilentlyContinue
            $r.Status | Should -Be 'Drifted'
            $r.Detail | Should -Match 'runs agentsh \(expected python3\); nothing was typed'
            $ev[0] | Assert-FleetError -Id AgentDrifted
            (Reset-FleetAgent renamed -RosterPath $roster -ErrorAction SilentlyContinue).Status | Should -Be 'Drifted'
            Start-Sleep -Milliseconds 500
            Test-Path $marker | Should -BeFalse
            (Get-PaneText $envt.Socket '=renamed:') | Should -Not -Match 'touch|/clear'
        }

        It 'types nothing into a runtime whose pane command the profile lacks, unless -Force' {
            $r = Send-FleetMessage 'hello' -Name misnamed -Source x @common -ErrorAction SilentlyContinue
            $r.Status | Should -Be 'Drifted'
            Get-ProbeBytes misnamed | Should -BeExactly ''
            $f = Send-FleetMessage 'hello' -Name misnamed -Source x -Force @common
            $f.Status | Should -Be 'Accepted' -Because $f.Detail
            (Split-ProbeBytes (Get-ProbeBytes misnamed)).Inside | Should -Be @('[x] hello')
        }
    }
}
