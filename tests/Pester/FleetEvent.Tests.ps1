BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
}

Describe 'Get-FleetEvent -Follow with fixture agents on a real tmux server' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $script:saved = Enter-FleetTestStateDirs -Environment $envt
        $fixture = Join-Path (Get-RepoRoot) 'tests/fixtures/busy_agent.py'
        $runtime = "runtimes:`n  fixture: { command: 'python3 busy_agent.py', paneCommands: [python3], busyPattern: 'Working\.\.\.', waitingPattern: '\[y/n\]\s*$' }"
        Set-FleetTestRoster -Environment $envt -Extra $runtime -Agents @(
            @{ name = 'fx'; runtime = 'fixture' }
            @{ name = 'dd'; runtime = 'fixture' }
        ) | Out-Null
        Start-TestPane -Environment $envt -Session 'fx' -Command @('python3', $fixture, '2')
        Start-TestPane -Environment $envt -Session 'dd' -Command @('python3', $fixture, '2') -RemainOnExit
        foreach ($s in 'fx', 'dd') { Wait-Until { (Get-PaneText $envt.Socket "=${s}:") -match 'fixture agent ready' } | Should -BeTrue }
        $script:events = Join-Path $envt.Directory 'events.out'
        $script:ready = Join-Path $envt.Directory 'ready.out'
        $cmd = "Import-Module `$env:MOSAIC_FLEET_MODULE; Get-FleetEvent -Follow -RosterPath '$($envt.RosterPath)' -Verbose 4>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.VerboseRecord]) { [IO.File]::AppendAllText('$ready', `$_.Message + [char]10) } else { [IO.File]::AppendAllText('$events', (ConvertTo-Json -Compress -InputObject `$_) + [char]10) } }"
        $script:child = Start-ChildPwsh -Command $cmd -Environment @{ XDG_STATE_HOME = $env:XDG_STATE_HOME; XDG_RUNTIME_DIR = $env:XDG_RUNTIME_DIR }
        function script:Get-Seen {
            if (-not (Test-Path -LiteralPath $events)) { return @() }
            @(Get-Content -LiteralPath $events | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
        }
        function script:Wait-Event([string] $Agent, [string] $Property, [string] $To, [double] $TimeoutSeconds = 15) {
            Wait-Until { @(Get-Seen | Where-Object { $_.Agent -eq $Agent -and $_.Property -eq $Property -and $_.To -eq $To }).Count -gt 0 } -TimeoutSeconds $TimeoutSeconds
        }
        # The baseline takes two readings; the follower says (-Verbose) when it has them.
        Wait-Until { (Test-Path $ready) -and (Get-Content $ready -Raw) -match 'Following 2 agent' } -TimeoutSeconds 60 | Should -BeTrue
    }
    AfterAll {
        if ($child -and -not $child.Process.HasExited) { $child.Process.Kill($true) }
        Exit-FleetTestStateDirs $saved
        Remove-FleetTestEnvironment $envt
    }

    It 'emits nothing while nothing changes (the first readings are the baseline)' {
        Start-Sleep -Seconds 2
        @(Get-Seen).Count | Should -Be 0
        $child.Process.HasExited | Should -BeFalse
    }

    It 'emits Activity Busy, then Idle, for an agent given work' {
        Send-PaneLine $envt.Socket '=fx:' 'job one'
        Wait-Event fx Activity Busy | Should -BeTrue
        Wait-Event fx Activity Idle | Should -BeTrue
        $busy = Get-Seen | Where-Object { $_.Agent -eq 'fx' -and $_.To -eq 'Busy' } | Select-Object -First 1
        $busy.From | Should -Be 'Idle'
        $busy.Host | Should -Be 'local'
    }

    It 'emits Activity Waiting when a question is asked' {
        Send-PaneLine $envt.Socket '=fx:' 'ask'
        Wait-Event fx Activity Waiting | Should -BeTrue
        Send-PaneLine $envt.Socket '=fx:' 'y'
    }

    It 'emits a Message event for each line added to the message log, of this roster''s agents only' {
        # The line a send appends (the send itself is tested elsewhere; the fixture is no TUI that would take it).
        $log = Join-Path $env:XDG_STATE_HOME 'mosaic/fleet/messages.jsonl'
        New-Item -ItemType Directory -Force (Split-Path $log) | Out-Null
        $now = [DateTimeOffset]::UtcNow.ToString('o')
        Add-Content -LiteralPath $log -Value @(
            "{`"time`":`"$now`",`"tenant`":`"local`",`"host`":`"local`",`"agent`":`"other`",`"source`":`"ops`",`"status`":`"Submitted`",`"message`":`"not ours`",`"kind`":`"message`"}"
            "{`"time`":`"$now`",`"tenant`":`"local`",`"host`":`"local`",`"agent`":`"fx`",`"source`":`"ops`",`"status`":`"Submitted`",`"message`":`"run the tests\nplease`",`"kind`":`"message`"}"
        )
        Wait-Event fx Message Submitted | Should -BeTrue
        $m = @(Get-Seen | Where-Object Property -eq 'Message')
        $m.Count | Should -Be 1
        $m[0].Detail | Should -Be 'message from ops: run the tests …'
    }

    It 'emits Status Dead with the exit status when a pane process exits' {
        $pid1 = [int](& tmux -L $envt.Socket display-message -p -t '=dd:' '#{pane_pid}')
        & kill -TERM $pid1
        Wait-Event dd Status Dead | Should -BeTrue
        (Get-Seen | Where-Object { $_.Agent -eq 'dd' -and $_.Property -eq 'Status' }).From | Should -Be 'Running'
    }

    It 'emits Status Running and a Restart when the pane is respawned' {
        $fixture = Join-Path (Get-RepoRoot) 'tests/fixtures/busy_agent.py'
        & tmux -L $envt.Socket respawn-pane -k -t '=dd:' -- python3 $fixture 2
        Wait-Event dd Status Running | Should -BeTrue
        Wait-Event dd Restart ((Get-FleetAgent dd -RosterPath $envt.RosterPath | ForEach-Object { "$($_.PaneId) pid $($_.PanePid)" })) | Should -BeTrue
    }

    It 'emits Status Missing when the session goes away' {
        & tmux -L $envt.Socket kill-session -t '=dd'
        Wait-Event dd Status Missing | Should -BeTrue
    }

    It 'ends on Ctrl+C (SIGINT) and leaves no child process' {
        $childPid = $child.Process.Id
        # Its one source (sh) runs until then; afterwards neither it nor any sh/ssh child of the follower is left.
        $sources = @(& ps -eo pid=,ppid=,comm= | ForEach-Object { $f = -split $_; if ([int]$f[1] -eq $childPid -and $f[2] -in 'sh', 'ssh') { [int]$f[0] } })
        $sources.Count | Should -Be 1
        & kill -INT $childPid
        $child.Process.WaitForExit(15000) | Should -BeTrue
        foreach ($p in $sources) { Test-Path "/proc/$p" | Should -BeFalse -Because "the source (pid $p) ends with the follower" }
        $left = @(& ps -eo ppid=,args= | Where-Object { $_ -match "^\s*$childPid\s" })
        $left | Should -BeNullOrEmpty
        @(& ps -eo args= | Where-Object { $_ -match [regex]::Escape($envt.Socket) -and $_ -match 'list-panes|capture-pane|systemctl' }) | Should -BeNullOrEmpty
    }
}

Describe 'Get-FleetEvent reading the record' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $script:saved = Enter-FleetTestStateDirs -Environment $envt
        Set-FleetTestRoster -Environment $envt -Extra 'tenant: acme' -Agents @(@{ name = 'a1'; runtime = 'pi' }, @{ name = 'b2'; runtime = 'pi' }) | Out-Null
        $script:record = Join-Path $env:XDG_STATE_HOME 'mosaic/fleet/acme/events.jsonl'
        New-Item -ItemType Directory -Force (Split-Path $record) | Out-Null
        $lines = @(
            '{"time":"2026-01-01T01:00:00+00:00","tenant":"acme","agent":"a1","host":"local","property":"Status","from":"Running","to":"Dead","detail":"exit status 1"}'
            '{"time":"2026-01-01T02:00:00+00:00","tenant":"acme","agent":"b2","host":"local","property":"Activity","from":"Busy","to":"Waiting"}'
        )
        Set-Content -LiteralPath "$record.1" -Value $lines[0]
        Set-Content -LiteralPath $record -Value ($lines[1], 'not json')
    }
    AfterAll {
        Exit-FleetTestStateDirs $saved
        Remove-FleetTestEnvironment $envt
    }

    It 'reads across the rotated copies, oldest first, and warns about lines that are not events' {
        $out = @(Get-FleetEvent -RosterPath $envt.RosterPath -WarningVariable w -WarningAction SilentlyContinue)
        $out.Agent | Should -Be @('a1', 'b2')
        $out[0] | Should -BeOfType ([MosaicFleet.FleetEvent])
        $out[0].Detail | Should -Be 'exit status 1'
        "$w" | Should -Match '1 line'
    }

    It 'filters by -Since, -Name, -Property and -Last' {
        @(Get-FleetEvent -RosterPath $envt.RosterPath -Since ([DateTimeOffset]'2026-01-01T01:30:00+00:00').UtcDateTime -WarningAction SilentlyContinue).Agent | Should -Be @('b2')
        @(Get-FleetEvent a* -RosterPath $envt.RosterPath -WarningAction SilentlyContinue).Agent | Should -Be @('a1')
        @(Get-FleetEvent -Property Activity -RosterPath $envt.RosterPath -WarningAction SilentlyContinue).Agent | Should -Be @('b2')
        @(Get-FleetEvent -Last 1 -RosterPath $envt.RosterPath -WarningAction SilentlyContinue).Agent | Should -Be @('b2')
    }

    It 'refuses a second recorder with EventRecorderAlreadyRunning' {
        $lock = [IO.FileStream]::new("$record.writer", 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            { Get-FleetEvent -Record -RosterPath $envt.RosterPath -ErrorAction Stop } | Should -Throw -ErrorId 'EventRecorderAlreadyRunning,MosaicFleet.Cmdlets.GetFleetEventCommand'
        } finally { $lock.Dispose() }
    }

    It 'shows events in a table that fits 80 columns' {
        $text = Get-FleetEvent -RosterPath $envt.RosterPath -WarningAction SilentlyContinue | Out-String -Width 80
        $text | Should -Match 'Property'
        ($text -split "`n" | Where-Object { $_.TrimEnd().Length -gt 80 }) | Should -BeNullOrEmpty
    }
}

Describe 'The event recorder (Install-FleetUnit -EventRecorder, Get-FleetEvent -Record)' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $script:saved = Enter-FleetTestStateDirs -Environment $envt
        $script:savedConfig = $env:XDG_CONFIG_HOME
        $env:XDG_CONFIG_HOME = Join-Path $envt.Directory 'config'
        $fixture = Join-Path (Get-RepoRoot) 'tests/fixtures/busy_agent.py'
        $runtime = "runtimes:`n  fixture: { command: 'python3 busy_agent.py', paneCommands: [python3], busyPattern: 'Working\.\.\.' }`nlogs: { maxSize: 4KB, keep: 2 }`ntenant: night shift"
        Set-FleetTestRoster -Environment $envt -Extra $runtime -Agents @(@{ name = 'fx'; runtime = 'fixture' }) | Out-Null
        Start-TestPane -Environment $envt -Session 'fx' -Command @('python3', $fixture, '1') -RemainOnExit
        Wait-Until { (Get-PaneText $envt.Socket '=fx:') -match 'fixture agent ready' } | Should -BeTrue
        $script:sysLog = New-RecordingShim -Environment $envt -Program 'systemctl' -Fail -ExitCode 0 -Stderr ''
        $script:loginLog = New-RecordingShim -Environment $envt -Program 'loginctl' -Fail -ExitCode 0 -Stderr ''
        $script:record = Join-Path $env:XDG_STATE_HOME 'mosaic/fleet/night shift/events.jsonl'
    }
    AfterAll {
        if ((Test-Path variable:script:rec) -and $rec -and -not $rec.Process.HasExited) { $rec.Process.Kill($true) }
        $env:XDG_CONFIG_HOME = $savedConfig
        Exit-FleetTestStateDirs $saved
        Remove-FleetTestEnvironment $envt
    }

    It 'writes one unit for the roster, reloads, enables and restarts it, and refuses a remote host' {
        $out = Use-ShimPath $envt { Install-FleetUnit -RosterPath $envt.RosterPath -EventRecorder -PassThru }
        $unit = $out | Where-Object Kind -eq 'EventRecorderUnit'
        Split-Path -Leaf $unit.Path | Should -Match '^mosaic-events-night_shift-[0-9a-f]{8}\.service$'
        $name = Split-Path -Leaf $unit.Path
        $calls = @(Get-RecordedCalls $sysLog | ForEach-Object { $_ -join ' ' })
        $calls | Should -Contain "--user enable $name"
        $calls[-1] | Should -Be "--user restart $name"
        # The reload (after the one enable for the fleet's units) comes before the recorder is enabled and started.
        [array]::IndexOf($calls, '--user daemon-reload') | Should -BeGreaterOrEqual 0
        [array]::IndexOf($calls, '--user daemon-reload') | Should -BeLessThan ([array]::IndexOf($calls, "--user enable $name"))
        { Install-FleetUnit -RosterPath $envt.RosterPath -EventRecorder -HostName elsewhere -ErrorAction Stop } | Should -Throw
        $script:unitPath = $unit.Path
    }

    It 'runs a command that records the fleet to the tenant''s record (0600), and -Follow continues from it' {
        $exec = @(Get-SystemdUnitValue -Path $unitPath -Key 'ExecStart')
        $exec.Count | Should -Be 1
        $argv = Resolve-SystemdExecLine -Line $exec[0] -Environment @{}
        $argv[1..3] | Should -Be @('-NoProfile', '-NonInteractive', '-Command')
        $argv[4] | Should -Match ([regex]::Escape("Get-FleetEvent -Record -RosterPath '$($envt.RosterPath)'"))
        # Run what the unit runs (systemd itself is not needed to check the command).
        $script:rec = Start-ChildPwsh -Command $argv[4] -Environment @{ XDG_STATE_HOME = $env:XDG_STATE_HOME; XDG_RUNTIME_DIR = $env:XDG_RUNTIME_DIR }
        Wait-Until { Test-Path -LiteralPath "$record.writer" } -TimeoutSeconds 30 | Should -BeTrue
        Start-Sleep -Seconds 3
        $events = Join-Path $envt.Directory 'followed.out'
        $cmd = "Import-Module `$env:MOSAIC_FLEET_MODULE; Get-FleetEvent -Follow -RosterPath '$($envt.RosterPath)' -Verbose 4>&1 | ForEach-Object { [IO.File]::AppendAllText('$events', [string]`$_ + [char]10) }"
        $follower = Start-ChildPwsh -Command $cmd -Environment @{ XDG_STATE_HOME = $env:XDG_STATE_HOME; XDG_RUNTIME_DIR = $env:XDG_RUNTIME_DIR }
        try {
            Wait-Until { (Test-Path $events) -and (Get-Content $events -Raw) -match 'recorder runs' } -TimeoutSeconds 30 | Should -BeTrue
            Send-PaneLine $envt.Socket '=fx:' 'job'
            Wait-Until { @(Get-FleetEvent fx -Property Activity -RosterPath $envt.RosterPath).To -contains 'Busy' } -TimeoutSeconds 20 | Should -BeTrue
            (Get-Item -LiteralPath $record).UnixMode | Should -Be '-rw-------'
            # The follower saw the recorder's events (it reads the record, it does not poll the fleet itself).
            Wait-Until { (Get-Content $events -Raw) -match 'fx Activity Idle -> Busy' } -TimeoutSeconds 10 | Should -BeTrue
        } finally { if (-not $follower.Process.HasExited) { $follower.Process.Kill($true) } }
    }

    It 'rotates the message log at logs.maxSize and Get-FleetMessageLog reads across the copies' {
        $dir = Join-Path $env:XDG_STATE_HOME 'mosaic/fleet'
        Remove-Item (Join-Path $dir 'messages*') -ErrorAction SilentlyContinue
        $payload = 'x' * 900
        foreach ($i in 1..12) {
            Send-FleetMessage -RosterPath $envt.RosterPath -Name fx -Message "echo $i $payload" -NoVerify -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
        }
        # The roster's tenant ('night shift') keys its message log: messages.<tenant key>.jsonl (issue 17).
        $log = @(Get-ChildItem -LiteralPath $dir -Filter 'messages.*.jsonl').FullName | Select-Object -First 1
        $log | Should -Match 'messages\.night_shift-[0-9a-f]{10}\.jsonl$'
        Test-Path "$log.1" | Should -BeTrue
        Test-Path "$log.2" | Should -BeTrue
        Test-Path "$log.3" | Should -BeFalse
        (Get-Item "$log.1").UnixMode | Should -Be '-rw-------'
        (Get-Item $log).Length | Should -BeLessOrEqual 4096
        $read = @(Get-FleetMessageLog fx)
        $read.Count | Should -BeGreaterThan 3
        $numbers = $read | ForEach-Object { [int]($_.Message -split ' ')[1] }
        $numbers[-1] | Should -Be 12
        ($numbers | Sort-Object) | Should -Be $numbers
    }
}

Describe 'The about_MosaicFleet recipe' {
    It 'has an ExecStart line that systemd turns into one pwsh -Command that parses' {
        $about = Join-Path (Get-RepoRoot) 'docs/help/about_MosaicFleet.md'
        $line = @(Get-Content $about | Where-Object { $_ -like 'ExecStart=*pwsh*' })[0]
        $line | Should -Not -BeNullOrEmpty
        $argv = Resolve-SystemdExecLine -Line $line.Substring('ExecStart='.Length) -Environment @{}
        $argv[1..3] | Should -Be @('-NoProfile', '-NonInteractive', '-Command')
        $argv.Count | Should -Be 5
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($argv[4], [ref]$null, [ref]$errors)
        $errors | Should -BeNullOrEmpty
        $commands = $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true) | ForEach-Object { $_.GetCommandName() }
        $commands | Should -Contain 'Get-FleetEvent'
        $commands | Should -Contain 'notify-send'
        $argv[4] | Should -Match '"\$\(\$_\.Agent\) waits"'
    }
}
