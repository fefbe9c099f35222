# Hostile input (issue 17): forged list-panes records, deep rosters, a missing tmux, escape sequences in the log.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
}

Describe 'A pane path cannot forge a list-panes record' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $pi = New-FakeRuntime -Environment $envt -Name 'pi' -Target 'sleep'
        Set-FleetTestRoster -Environment $envt -Agents @(@{ name = 'coder0'; runtime = 'pi' }, @{ name = 'stopped'; runtime = 'pi' }) | Out-Null
        # coder0's working directory holds RS + newline (the old record end) and a whole record saying "stopped" runs.
        $US = [char]0x1f; $RS = [char]0x1e
        $forged = "x$RS`nstopped${US}0${US}0${US}%99${US}99${US}pi${US}0${US}${US}1${US}y$RS"
        $script:cwd = Join-Path $envt.Directory $forged
        New-Item -ItemType Directory -Path $cwd | Out-Null
        New-TmuxSession -Socket $envt.Socket -Arguments @('new-session', '-d', '-s', 'coder0', '-c', $cwd, '--', $pi, '600')
        $script:agents = Get-FleetAgent -RosterPath $envt.RosterPath
    }
    AfterAll { Remove-FleetTestEnvironment $envt }

    It 'keeps the stopped agent Missing and the whole path on the pane that has it' {
        ($agents | Where-Object Name -EQ 'stopped').Status | Should -Be 'Missing'
        $c = $agents | Where-Object Name -EQ 'coder0'
        $c.Status | Should -Be 'Running'
        $c.PanePath | Should -BeExactly $cwd
    }
}

Describe 'A roster nested 60,000 deep' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $script:deep = Join-Path $envt.Directory 'deep.yaml'
        Set-Content -LiteralPath $deep -Value ("version: 1`nagents: []`nx: " + ('[' * 60000) + (']' * 60000)) -NoNewline
    }
    AfterAll { Remove-FleetTestEnvironment $envt }

    It 'is a RosterTooDeep error, not a crashed pwsh (also for Tab completion)' {
        $cmd = @'
Import-Module $env:MOSAIC_FLEET_MODULE
try { Get-FleetAgent -RosterPath $env:DEEP -ErrorAction Stop; 'no error' } catch { 'error: ' + $_.FullyQualifiedErrorId + ' ' + $_.CategoryInfo.Category }
$line = "Get-FleetAgent -RosterPath '$env:DEEP' -Name "
'completions: ' + @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches).Count
'alive'
'@
        $r = Invoke-ChildPwsh -Command $cmd -Environment @{ DEEP = $deep }
        $r.ExitCode | Should -Be 0 -Because $r.Stderr
        $r.Stdout | Should -Match 'error: RosterTooDeep,MosaicFleet\.Cmdlets\.GetFleetAgentCommand InvalidData'
        $r.Stdout | Should -Match 'completions: 0'
        $r.Stdout | Should -Match 'alive'
    }
}

Describe 'A missing local tmux is TmuxNotFound in every cmdlet' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        Set-FleetTestRoster -Environment $envt -Agents @(@{ name = 'coder0'; runtime = 'pi' }, @{ name = 'coder1'; runtime = 'pi' }) | Out-Null
        $script:saved = Enter-FleetTestStateDirs -Environment $envt
        $script:oldTmux = $env:MOSAIC_TMUX
        $env:MOSAIC_TMUX = Join-Path $envt.Directory 'no-such-tmux'
    }
    AfterAll {
        $env:MOSAIC_TMUX = $oldTmux
        Exit-FleetTestStateDirs $saved
        Remove-FleetTestEnvironment $envt
    }

    It '<Name> reports it once, ObjectNotFound, with the host as target' -ForEach @(
        @{ Name = 'Get-FleetAgent'; Run = { Get-FleetAgent -RosterPath $envt.RosterPath } }
        @{ Name = 'Send-FleetMessage'; Run = { Send-FleetMessage -RosterPath $envt.RosterPath -Name coder0, coder1 -Message hi } }
        @{ Name = 'Get-FleetAgentOutput'; Run = { Get-FleetAgentOutput -RosterPath $envt.RosterPath -Name coder0, coder1 } }
        @{ Name = 'Stop-FleetAgent'; Run = { Stop-FleetAgent -RosterPath $envt.RosterPath -Name coder0 -Direct -Confirm:$false } }
    ) {
        $errs = @(& { $ErrorActionPreference = 'Continue'; & $Run } 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errs.Count | Should -Be 1 -Because ($errs | Out-String)
        $errs[0] | Assert-FleetError -Id TmuxNotFound -Category ObjectNotFound -Target 'local'
        "$errs" | Should -Not -Match 'reach'
    }
}

Describe 'Get-FleetMessageLog views with escape sequences in the log' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $script:saved = Enter-FleetTestStateDirs -Environment $envt
        $ESC = [char]27; $BEL = [char]7
        $script:message = "look${ESC}]52;c;cHduZWQ=${BEL} here ${ESC}[2J${ESC}[31mred`nsecond ${ESC}]0;title${BEL}"
        $logDir = Join-Path $env:XDG_STATE_HOME 'mosaic/fleet'
        New-Item -ItemType Directory -Force $logDir | Out-Null
        $entry = [ordered]@{ time = '2026-01-01T00:00:00+00:00'; tenant = 'local'; host = 'local'; agent = 'coder0'; source = "ops${ESC}[5m"; status = 'Accepted'; message = $message; kind = 'message' }
        Set-Content -LiteralPath (Join-Path $logDir 'messages.jsonl') -Value ($entry | ConvertTo-Json -Compress)
        $script:entries = @(Get-FleetMessageLog)
    }
    AfterAll {
        Exit-FleetTestStateDirs $saved
        Remove-FleetTestEnvironment $envt
    }

    It 'keeps the exact text on the objects' {
        $entries.Count | Should -Be 1
        $entries[0].Message | Should -BeExactly $message
    }

    It 'writes no control character in the <View> view' -ForEach @(
        @{ View = 'table'; Format = { $input | Format-Table } }
        @{ View = 'list'; Format = { $input | Format-List } }
    ) {
        $text = $entries | & $Format | Out-String -Width 200
        $text | Should -Not -Match '[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]'
        $text | Should -Match ([regex]::Escape([string][char]0x241b) + '\]52;c;')
    }
}
