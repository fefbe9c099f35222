# Get-FleetEvent -Follow reads each host through ONE long-lived source process (local: sh; remote: ssh to the test sshd
# on 127.0.0.1) that prints the fleet query's output only when it changed (issue 16).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
}

Describe 'Get-FleetEvent -Follow through one long-lived source per host' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment -Prefix mfs
        $script:saved = Enter-FleetTestStateDirs -Environment $envt
        $script:sshd = Start-TestSshd -Environment $envt -PortCount 1
        $script:sockR = "$($envt.Socket)-r"
        $envt.Sockets.Add($sockR)
        $hostLine = "  far: { ssh: root@127.0.0.1, port: $($sshd.Ports[0]), identityFile: $(ConvertTo-YamlScalar $sshd.IdentityFile), knownHostsFile: $(ConvertTo-YamlScalar $sshd.KnownHostsFile), tmux: { socketName: $sockR } }"
        Set-FleetTestRoster -Environment $envt -Extra "runtimes:`n  idle: { command: 'cat', paneCommands: [cat] }`nhosts:`n$hostLine" -Agents @(
            @{ name = 'loc'; runtime = 'idle' }
            @{ name = 'rem'; runtime = 'idle'; host = 'far' }
            @{ name = 'rem2'; runtime = 'idle'; host = 'far' }
        ) | Out-Null
        # Hostile text in what the source reports (a pane's path) stays data: no file appears, the record still parses.
        $script:pwned = Join-Path $envt.Directory 'pwned'
        $script:hostileDir = Join-Path $envt.Directory "d `$(touch $pwned); '`"x``touch $pwned``"
        New-Item -ItemType Directory -Force -Path $hostileDir | Out-Null
        New-TmuxSession -Socket $envt.Socket -Arguments @('new-session', '-d', '-s', 'loc', '-c', $hostileDir, '--', 'cat')
        Start-TestPane -Environment $envt -Session 'rem' -Socket $sockR -Command @('cat')
        Start-TestPane -Environment $envt -Session 'rem2' -Socket $sockR -Command @('cat')
        $script:events = Join-Path $envt.Directory 'events.out'
        $script:notes = Join-Path $envt.Directory 'notes.out'
        $cmd = "Import-Module `$env:MOSAIC_FLEET_MODULE; Get-FleetEvent -Follow -RosterPath '$($envt.RosterPath)' -Verbose 4>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.VerboseRecord]) { [IO.File]::AppendAllText('$notes', `$_.Message + [char]10) } else { [IO.File]::AppendAllText('$events', (ConvertTo-Json -Compress -InputObject `$_) + [char]10) } }"
        $script:child = Start-ChildPwsh -Command $cmd -Environment @{ XDG_STATE_HOME = $env:XDG_STATE_HOME; XDG_RUNTIME_DIR = $env:XDG_RUNTIME_DIR }
        function script:Get-Seen {
            if (-not (Test-Path -LiteralPath $events)) { return @() }
            @(Get-Content -LiteralPath $events | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
        }
        function script:Get-Notes { if (Test-Path -LiteralPath $notes) { @(Get-Content -LiteralPath $notes) } else { @() } }
        function script:Wait-Event([string] $Agent, [string] $Property, [string] $To, [int] $After = 0, [double] $TimeoutSeconds = 20) {
            Wait-Until { @(Get-Seen | Select-Object -Skip $After | Where-Object { $_.Agent -eq $Agent -and $_.Property -eq $Property -and $_.To -eq $To }).Count -gt 0 } -TimeoutSeconds $TimeoutSeconds
        }
        # The direct children of the follower named sh or ssh: its sources (captures run only when a screen moved).
        function script:Get-SourceChildren {
            $childPid = $child.Process.Id
            @(& ps -eo pid=,ppid=,comm= | ForEach-Object {
                    $f = -split $_
                    if ($f.Count -ge 3 -and [int]$f[1] -eq $childPid -and $f[2] -in 'sh', 'ssh') { [pscustomobject]@{ Pid = [int]$f[0]; Name = $f[2] } }
                })
        }
        function script:Get-RecordCount([string] $HostName) { @(Get-Notes | Where-Object { $_ -match "^$([regex]::Escape($HostName)): record \d+ read" }).Count }
        Wait-Until { (Get-Notes) -match 'Following 3 agent' } -TimeoutSeconds 60 | Should -BeTrue
    }
    AfterAll {
        if ($child -and -not $child.Process.HasExited) { $child.Process.Kill($true) }
        Stop-TestSshd $sshd
        Exit-FleetTestStateDirs $saved
        Remove-FleetTestEnvironment $envt
    }

    It 'runs exactly one source process per host (one sh here, one ssh for the remote host), whatever its agents' {
        foreach ($i in 1..4) {
            $kids = Get-SourceChildren
            @($kids | Where-Object Name -eq 'sh').Count | Should -Be 1 -Because "sample $i of the follower's children: $($kids | Out-String)"
            @($kids | Where-Object Name -eq 'ssh').Count | Should -Be 1 -Because "sample $i of the follower's children: $($kids | Out-String)"
            Start-Sleep -Milliseconds 700
        }
        @(Get-Notes | Where-Object { $_ -match 'source started' }).Count | Should -Be 2
    }

    It 'reads no record while nothing changes (the source prints only a change, and heartbeats)' {
        $before = (Get-RecordCount local) + (Get-RecordCount far)
        $before | Should -BeGreaterThan 1
        Start-Sleep -Seconds 5
        ((Get-RecordCount local) + (Get-RecordCount far)) | Should -Be $before
        @(Get-Seen).Count | Should -Be 0
        Test-Path -LiteralPath $pwned | Should -BeFalse
    }

    It 'reports a change on each host through its source (record read, then the event)' {
        $before = Get-RecordCount far
        & tmux -L $sockR kill-session -t '=rem2'
        Wait-Event rem2 Status Missing | Should -BeTrue
        (Get-RecordCount far) | Should -BeGreaterThan $before
        $before = Get-RecordCount local
        New-TmuxSession -Socket $envt.Socket -Arguments @('new-window', '-d', '-t', '=loc:', '--', 'cat')
        & tmux -L $envt.Socket kill-pane -t '=loc:0.0'
        Wait-Event loc Restart -To (Get-FleetAgent loc -RosterPath $envt.RosterPath | ForEach-Object { "$($_.PaneId) pid $($_.PanePid)" }) | Should -BeTrue
        (Get-RecordCount local) | Should -BeGreaterThan $before
        Test-Path -LiteralPath $pwned | Should -BeFalse
    }

    It 'makes the host Unreachable when its <Name> source is killed, then starts it again and recovers' -TestCases @(
        @{ Name = 'sh'; HostName = 'local'; Agent = 'loc' }
        @{ Name = 'ssh'; HostName = 'far'; Agent = 'rem' }
    ) {
        $n = @(Get-Seen).Count
        $old = @(Get-SourceChildren | Where-Object Name -eq $Name)
        $old.Count | Should -Be 1
        & kill -KILL $old[0].Pid
        Wait-Event $Agent Status Unreachable -After $n | Should -BeTrue
        Wait-Event $Agent Status Running -After $n | Should -BeTrue
        $e = @(Get-Seen | Select-Object -Skip $n | Where-Object { $_.Agent -eq $Agent -and $_.Property -eq 'Status' })
        $e[0].To | Should -Be 'Unreachable'
        $e[0].Detail | Should -Match 'source ended'
        $e[-1].From | Should -Be 'Unreachable'
        # A restart of the source is no restart of the agent.
        @(Get-Seen | Select-Object -Skip $n | Where-Object { $_.Agent -eq $Agent -and $_.Property -eq 'Restart' }) | Should -BeNullOrEmpty
        $new = @(Get-SourceChildren | Where-Object Name -eq $Name)
        $new.Count | Should -Be 1
        $new[0].Pid | Should -Not -Be $old[0].Pid
        @(Get-Notes | Where-Object { $_ -match "^${HostName}: .*starting its source again in 1 s" }).Count | Should -BeGreaterThan 0
    }

    It 'ends on Ctrl+C (SIGINT) and leaves no source behind, here or on the remote host' {
        $kids = @(Get-SourceChildren)
        $kids.Count | Should -Be 2
        & kill -INT $child.Process.Id
        $child.Process.WaitForExit(15000) | Should -BeTrue
        foreach ($k in $kids) { Test-Path "/proc/$($k.Pid)" | Should -BeFalse -Because "source $($k.Name) (pid $($k.Pid)) should be gone" }
        # The loop script of this test's sockets (in the argv of sh, here and under the sshd): the remote one ends at its
        # next write.
        $mine = { @(& ps -eo args= | Where-Object { $_ -match 'record-end' -and $_ -match [regex]::Escape($envt.Socket) }) }
        Wait-Until { (& $mine).Count -eq 0 } -TimeoutSeconds 20 | Should -BeTrue -Because "$(& $mine)"
    }
}
