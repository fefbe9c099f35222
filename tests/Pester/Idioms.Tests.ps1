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
        $errs[0] | Assert-FleetError -Id AgentWaitTimeout
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
        $err | Assert-FleetError -Id FleetOtherRosterInstalled -Category ResourceExists
        $err.Exception.Message | Should -Match ([regex]::Escape("roster $rosterA"))
        $err.Exception.Message | Should -Match 'Uninstall-FleetUnit -All'
        Get-State | Should -Be $before
        Get-RecordedCalls $sysLog | Should -BeNullOrEmpty
    }

    It 'Initialize-Fleet -WhatIf with another roster plans no removal or disable: it is refused' {
        $err = $null
        $out = try { Use-ShimPath $envt { Initialize-Fleet -RosterPath $rosterB -WhatIf 6>&1 } } catch { $err = $_ }
        $err | Assert-FleetError -Id FleetOtherRosterInstalled
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
            $err | Assert-FleetError -Id FleetOtherRosterInstalled
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
        (Get-RecordedCalls $sysLog | ForEach-Object { $_ -join ' ' }) | Should -Contain '--user disable --now --no-reload mosaic-agent@a1.service'
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

Describe 'Idioms of sends, waits, views and types (items 4-14)' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment -Prefix mfj
        $script:savedState = Enter-FleetTestStateDirs $envt
        $script:roster = Set-FleetTestRoster -Environment $envt -Agents @(
            @{ name = 'tui0'; runtime = 'fake' }
            @{ name = 'gone'; runtime = 'fake' }
            @{ name = 'tui1'; runtime = 'fake' }
            @{ name = 'race'; runtime = 'sleeper' }
        ) -Extra @"
runtimes:
  fake: { command: 'python3 $FakeTui', paneCommands: [python3], idleAfterSeconds: 0.5 }
  sleeper: { command: 'sleep 600', paneCommands: [sleep] }
"@
        foreach ($n in 'tui0', 'tui1') { Start-FixtureTui -Environment $envt -Session $n | Out-Null }
    }
    AfterAll {
        Exit-FleetTestStateDirs $savedState
        Remove-FleetTestEnvironment $envt
    }

    It 'Send-FleetMessage -NoVerify | Wait-FleetAgent waits for the agent: Submitted is a success (item 4)' {
        $out = @(Send-FleetMessage 'nv' -Name tui0 -NoVerify -RosterPath $roster | Wait-FleetAgent -TimeoutSeconds 20 -RosterPath $roster -WarningVariable w)
        $out.Name | Should -Be @('tui0')
        $w | Should -BeNullOrEmpty
    }

    It '-ErrorAction Stop still emits every result of a send (item 5)' {
        $got = [System.Collections.Generic.List[object]]::new()
        $err = $null
        try { Send-FleetMessage 'all three' -Name tui0, gone, tui1 -RosterPath $roster -ErrorAction Stop | ForEach-Object { $got.Add($_) } } catch { $err = $_ }
        $err | Assert-FleetError -Id AgentNoSession
        $got.Agent | Should -Be @('tui0', 'gone', 'tui1')
    }

    It 'Wait-FleetAgent takes a fractional -TimeoutSeconds, like Send and Reset (item 10)' {
        foreach ($c in 'Wait-FleetAgent', 'Send-FleetMessage', 'Reset-FleetAgent') {
            (Get-Command $c).Parameters['TimeoutSeconds'].ParameterType | Should -Be ([double]) -Because $c
        }
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Wait-FleetAgent tui0 -Activity Busy -TimeoutSeconds 0.5 -RosterPath $roster -ErrorAction SilentlyContinue -ErrorVariable e
        $e[0] | Assert-FleetError -Id AgentWaitTimeout
    }

    It '$WhatIfPreference keeps Watch-FleetAgent from opening a viewer (item 6)' {
        $before = @(& tmux -L $envt.Socket list-sessions -F '#{session_name}')
        $WhatIfPreference = $true
        try { Watch-FleetAgent tui0 -RosterPath $roster -ErrorVariable e -ErrorAction SilentlyContinue } finally { $WhatIfPreference = $false }
        $e | Should -BeNullOrEmpty
        @(& tmux -L $envt.Socket list-sessions -F '#{session_name}') | Should -Be $before
    }

    It 'ToString() of every per-agent object is the agent name, so any of them binds by value (item 10)' {
        $agent = Get-FleetAgent tui1 -RosterPath $roster
        $send = Send-FleetMessage 'ts' -Name tui1 -RosterPath $roster
        $log = Get-FleetMessageLog -Name tui1 -Last 1
        $cap = Get-FleetAgentOutput tui1 -Lines 5 -RosterPath $roster
        $drift = Test-FleetDrift tui1 -RosterPath $roster
        foreach ($o in $agent, $send, $log, $cap, $drift) { $o.ToString() | Should -Be 'tui1' -Because $o.GetType().Name }
        (Wait-FleetAgent $send -TimeoutSeconds 20 -RosterPath $roster).Name | Should -Be 'tui1'
        (Get-FleetAgent $log -RosterPath $roster).Name | Should -Be 'tui1'
    }

    It 'Get-FleetRoster | Get-FleetAgent lists that roster''s agents (item 10)' {
        (Get-FleetRoster -RosterPath $roster | Get-FleetAgent).Name | Should -Be @('tui0', 'gone', 'tui1', 'race')
    }

    It 'Format-List * on the roster shows its tmux settings, not a type name (item 10)' {
        $text = Get-FleetRoster -RosterPath $roster | Format-List * | Out-String -Width 200
        $text | Should -Not -Match 'MosaicFleet\.Fleet(TmuxSettings|Defaults)'
        $text | Should -Match "socket $([regex]::Escape($envt.Socket)), holder _holder"
    }

    It 'ConvertTo-Json gives durations in seconds, not TimeSpan fields, and enums by name without -EnumsAsStrings (item 10)' {
        $json = Send-FleetMessage 'js' -Name tui0 -RosterPath $roster | ConvertTo-Json
        $json | Should -Match '"ElapsedSeconds": \d'
        $json | Should -Not -Match 'TotalMilliseconds|Ticks'
        $json | Should -Match '"Status": "Accepted"'
        Get-FleetAgent tui0 -Activity -RosterPath $roster | ConvertTo-Json | Should -Match '"Status": "Running"[\s\S]*"Activity": "(Idle|Busy|Waiting|Unknown)"'
        Get-FleetMessageLog -Name tui0 -Last 1 | ConvertTo-Json | Should -Match '"Status": "Accepted"'
    }

    It 'the message log''s Status is the send result''s type, so the two compare and group alike (item 10)' {
        $send = Send-FleetMessage 'typed' -Name tui0 -RosterPath $roster
        $entry = Get-FleetMessageLog -Name tui0 -Last 1
        $entry.Status | Should -BeOfType ([MosaicFleet.FleetSendStatus])
        $entry.Status | Should -Be $send.Status
        @(Get-FleetMessageLog -Name tui0 | Where-Object Status -eq Accepted).Count | Should -BeGreaterThan 0
    }

    It 'Get-FleetMessageLog -Last 0 returns nothing, as Select-Object -Last 0 does (item 12)' {
        @(Get-FleetMessageLog -Last 0).Count | Should -Be 0
        @(Get-FleetMessageLog -Last 1).Count | Should -Be 1
    }

    It 'about_MosaicFleet fits 80 columns, and Get-FleetAgent''s help names no Wait-FleetAgent -Idle (item 12)' {
        $about = Get-Content -LiteralPath (Join-Path (Split-Path (Get-FleetModulePath)) 'en-US/about_MosaicFleet.help.txt')
        # Prose (indented 4) must fit; code lines (indented 8) may hold an unbreakable command line.
        $about | Where-Object { $_.Length -gt 80 -and $_ -notmatch '^        ' } | Should -BeNullOrEmpty
        (Get-Help Get-FleetAgent -Full | Out-String) | Should -Not -Match 'Wait-FleetAgent -Idle'
        $about -join "`n" | Should -Match 'terminating error'
        $about -join "`n" | Should -Match 'no\s+updatable or\s+online help'
    }

    It 'parallel direct starts of one agent give one start and no error (item 8)' {
        # A tmux shim that holds every new-session back 1.5 s: all three starts read "not running" first, then race.
        $real = (Get-Command tmux -CommandType Application | Select-Object -First 1).Source
        $shim = Join-Path $envt.ShimDir 'tmux'
        Set-Content -LiteralPath $shim -Value "#!/bin/sh`nfor a in `"`$@`"; do [ `"`$a`" = new-session ] && sleep 1.5 && break; done`nexec '$real' `"`$@`"`n"
        & chmod +x $shim
        $module = Get-FleetModulePath
        try {
            $results = Use-ShimPath $envt {
                1..3 | ForEach-Object -ThrottleLimit 3 -Parallel {
                    Import-Module $using:module
                    $errs = $null
                    Start-FleetAgent race -Direct -RosterPath $using:roster -ErrorVariable errs -ErrorAction SilentlyContinue
                    @($errs | ForEach-Object { $_.FullyQualifiedErrorId + ': ' + $_ })
                }
            }
            $results | Should -BeNullOrEmpty
            @(& tmux -L $envt.Socket list-sessions -F '#{session_name}') -eq 'race' | Should -HaveCount 1
        } finally {
            Remove-Item -LiteralPath $shim -ErrorAction Ignore
            & tmux -L $envt.Socket kill-session -t '=race' 2>$null
            $global:LASTEXITCODE = 0
        }
    }
}

Describe 'Install-FleetUnit -WhatIf after an install lists no writes (item 7)' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment -Prefix mfw
        $script:cfg = Join-Path $envt.Directory 'cfg'
        $script:home_ = Join-Path $envt.Directory 'home'
        $prefix = Join-Path $envt.Directory 'npmprefix'
        New-Item -ItemType Directory -Force (Join-Path $prefix 'bin'), $home_ | Out-Null
        # An npm whose prefix has a bin directory: a real install puts it on the pane's PATH; -WhatIf does not ask npm.
        $npm = Join-Path $envt.BinDir 'npm'
        Set-Content -LiteralPath $npm -Value "#!/bin/sh`necho '$prefix'`n"
        & chmod +x $npm
        New-RecordingShim -Environment $envt -Program 'systemctl' -Fail -ExitCode 0 -Stderr '' | Out-Null
        New-RecordingShim -Environment $envt -Program 'loginctl' -Fail -ExitCode 0 -Stderr '' | Out-Null
        $script:roster = Set-FleetTestRoster -Environment $envt -Agents @(@{ name = 'w0'; runtime = 'pi' }, @{ name = 'w1'; runtime = 'pi' })
        $script:childEnv = @{ XDG_CONFIG_HOME = $cfg; HOME = $home_; USER = 'fleetop'; MOSAIC_NPM = $npm; PATH = "$($envt.ShimDir):$env:PATH" }
        $r = $roster.Replace("'", "''")
        $script:install = Invoke-ChildPwsh -Command "Import-Module `$env:MOSAIC_FLEET_MODULE; Install-FleetUnit -RosterPath '$r' | Out-Null; 'INSTALLED'" -Environment $childEnv
        $script:whatIf = Invoke-ChildPwsh -Command "Import-Module `$env:MOSAIC_FLEET_MODULE; Install-FleetUnit -RosterPath '$r' -WhatIf" -Environment $childEnv
    }
    AfterAll { Remove-FleetTestEnvironment $envt }

    It 'the install put the npm bin directory on the pane PATH' {
        $install.Stdout | Should -Match 'INSTALLED'
        Get-Content -Raw (Join-Path $cfg 'mosaic/fleet/agents/w0.env') | Should -Match 'npmprefix/bin'
    }

    It 'lists no env-file write, which a real rerun would not do' {
        # (The daemon-reload is planned "only if a file changed" since issue 12's installer, so -WhatIf may list it.)
        $whatIf.Stdout | Should -Match 'What if'
        $whatIf.Stdout | Should -Not -Match 'Write EnvFile'
    }
}

BeforeDiscovery {
    # Every table view of the format file: a new view is checked without editing this test.
    $formatFile = Join-Path $PSScriptRoot '../../module/MosaicFleet.format.ps1xml'
    $script:TableViews = @(([xml](Get-Content -Raw $formatFile)).Configuration.ViewDefinitions.View |
        Where-Object { $_['TableControl'] } |
        ForEach-Object { @{ View = $_.Name; TypeName = @($_.ViewSelectedBy.TypeName)[0]; Labels = @($_.TableControl.TableHeaders.TableColumnHeader | ForEach-Object Label) } })
}

Describe 'Every default view fits 80 columns (item 9)' {
    It 'has table views to check' { $TableViews.Count | Should -BeGreaterThan 4 }

    It 'table view <View> shows all its columns, each line within 80 columns' -ForEach $TableViews {
        # A sample with realistic, long-ish values in every string property (the widest kept to a typical length).
        $baseName = $TypeName -replace '#.*$', ''
        $type = $baseName -as [type]
        $type | Should -Not -BeNullOrEmpty
        $samples = foreach ($i in 1..2) {
            $o = [Activator]::CreateInstance($type)
            foreach ($p in $type.GetProperties() | Where-Object { $_.CanWrite }) {
                if ($p.PropertyType -eq [string]) { $p.SetValue($o, "$($p.Name.ToLowerInvariant())-value-$i/with/a/long/tail/that/goes/on/and/on") }
            }
            $pso = [psobject]$o
            if ($TypeName -ne $baseName) { $pso.PSObject.TypeNames.Insert(0, $TypeName) }
            $pso
        }
        $text = $samples | Format-Table -View $View | Out-String -Width 80
        $lines = $text -split "`n" | ForEach-Object TrimEnd | Where-Object { $_ }
        $lines | Where-Object { $_.Length -gt 80 } | Should -BeNullOrEmpty
        $header = $lines[0]
        foreach ($l in $Labels) { $header | Should -Match "(^|\s)$([regex]::Escape($l))(\s|$)" -Because "view $View must show $l at 80 columns" }
    }
}

BeforeDiscovery {
    # The chaining table of docs/chaining.md: one test per (from, into) pair.
    $doc = Get-Content (Join-Path $PSScriptRoot '../../docs/chaining.md')
    $script:ChainPairs = @(foreach ($line in $doc | Where-Object { $_ -match '^\| [A-Z][a-z]+-Fleet' }) {
        $cells = $line.Trim('|').Split('|') | ForEach-Object Trim
        foreach ($into in $cells[3].Split(',') | ForEach-Object Trim) {
            @{ From = $cells[0]; Type = $cells[1]; Property = $cells[2]; Into = $into }
        }
    })
}

Describe 'The chaining table of docs/chaining.md holds (Deliver 2)' {
    It 'lists pairs' { $ChainPairs.Count | Should -BeGreaterThan 30 }

    It '<From> | <Into> (<Type>.<Property>, by value and by property name)' -ForEach $ChainPairs {
        $from = Get-Command $From -Module MosaicFleet
        $from.OutputType.Name | Should -Contain $Type
        $t = $Type -as [type]
        $t.GetProperty($Property) | Should -Not -BeNullOrEmpty
        # By value: ToString() is the agent name.
        $o = [Activator]::CreateInstance($t)
        $t.GetProperty($Property).SetValue($o, 'agent-x')
        $o.ToString() | Should -Be 'agent-x'
        # The consumer: a string parameter taking the pipeline by value, and one binding the property (or an alias) by name.
        $params = (Get-Command $Into -Module MosaicFleet).Parameters.Values
        $byValue = @($params | Where-Object { $_.ParameterType -in [string], [string[]] -and ($_.Attributes | Where-Object { $_ -is [Parameter] -and $_.ValueFromPipeline }) })
        $byValue | Should -Not -BeNullOrEmpty -Because "$Into must bind strings by value"
        $byName = @($params | Where-Object { ($_.Name -eq $Property -or $_.Aliases -contains $Property) -and ($_.Attributes | Where-Object { $_ -is [Parameter] -and $_.ValueFromPipelineByPropertyName }) })
        $byName | Should -Not -BeNullOrEmpty -Because "$Into must bind $Property by property name"
    }

    It 'a live object binds as written: a FleetSendResult into Get-FleetAgent by value (ToString) and by property name' {
        # Binding itself, not just metadata: Get-FleetAgent must ask for 'nosuch-x' both ways (AgentNotFound names it).
        $r = [MosaicFleet.FleetSendResult]@{ Agent = 'nosuch-x' }
        $roster = Join-Path ([IO.Path]::GetTempPath()) "chain-$([guid]::NewGuid().ToString('N')).yaml"
        Set-Content -LiteralPath $roster -Value "version: 1`nagents:`n  - { name: a, runtime: pi }`n"
        try {
            $r | Get-FleetAgent -RosterPath $roster -ErrorVariable e1 -ErrorAction SilentlyContinue
            Get-FleetAgent $r -RosterPath $roster -ErrorVariable e2 -ErrorAction SilentlyContinue
            $e1[0].TargetObject | Should -Be 'nosuch-x'
            $e2[0].TargetObject | Should -Be 'nosuch-x'
        } finally { Remove-Item -LiteralPath $roster }
    }
}

Describe 'Two versions side by side (item 13)' {
    It 'a second copy in a session that holds one is refused with one plain error, also after Remove-Module' {
        $copy = Join-Path ([IO.Path]::GetTempPath()) "mf-copy-$([guid]::NewGuid().ToString('N'))/MosaicFleet"
        New-Item -ItemType Directory -Force (Split-Path $copy) | Out-Null
        Copy-Item -Recurse (Split-Path (Get-FleetModulePath)) $copy
        try {
            $c = $copy.Replace("'", "''")
            $res = Invoke-ChildPwsh -Command (@(
                'Import-Module $env:MOSAIC_FLEET_MODULE'
                'Import-Module $env:MOSAIC_FLEET_MODULE -Force; ''SAME-OK'''
                "try { Import-Module '$c/MosaicFleet.psd1' -Force -ErrorAction Stop; 'COPY-IMPORTED' } catch { 'E1=' + `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
                'Remove-Module MosaicFleet'
                "try { Import-Module '$c/MosaicFleet.psd1' -ErrorAction Stop; 'COPY-IMPORTED' } catch { 'E2=' + `$_.FullyQualifiedErrorId }"
            ) -join '; ')
            $res.Stdout | Should -Match 'SAME-OK'
            $res.Stdout | Should -Match 'E1=MosaicFleetOtherVersionLoaded'
            $res.Stdout | Should -Match 'E2=MosaicFleetOtherVersionLoaded'
            $res.Stdout | Should -Match 'a session holds one version of MosaicFleet'
            "$($res.Stdout)$($res.Stderr)" | Should -Not -Match 'already present'
            $res.Stdout | Should -Not -Match 'COPY-IMPORTED'
        } finally { Remove-Item -Recurse -Force (Split-Path $copy) }
    }
}

Describe 'Documented choices (items 11 and 14)' {
    It 'Wait-FleetAgent''s help says it gathers its input and waits for all at once, and what that means for -PipelineVariable' {
        $text = Get-Help Wait-FleetAgent -Full | Out-String -Width 200
        $text | Should -Match 'gathers its whole input first'
        $text | Should -Match '-PipelineVariable'
    }

    It 'a bad roster ends the command even with -ErrorAction SilentlyContinue, as the help says' {
        $bad = Join-Path ([IO.Path]::GetTempPath()) "bad-$([guid]::NewGuid().ToString('N')).yaml"
        Set-Content -LiteralPath $bad -Value "version: 1`nagents:`n  - { name: a, runtme: pi }`n"
        try {
            $err = $null
            try { Get-FleetAgent -RosterPath $bad -ErrorAction SilentlyContinue; 'went on' } catch { $err = $_ }
            $err | Assert-FleetError -Id RosterUnknownKey
        } finally { Remove-Item -LiteralPath $bad }
        (Get-Content -Raw (Join-Path (Split-Path (Get-FleetModulePath)) 'en-US/about_MosaicFleet.help.txt')) | Should -Match 'ROSTER ERRORS END THE COMMAND'
    }
}
