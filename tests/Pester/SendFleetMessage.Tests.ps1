BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
}

Describe 'Send-FleetMessage against fixture TUIs in real tmux panes' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment -Prefix mfs
        $script:savedEnv = Enter-FleetTestStateDirs $envt
        $script:logPath = Join-Path $env:XDG_STATE_HOME 'mosaic/fleet/messages.jsonl'
        $script:roster = Set-FleetTestRoster -Environment $envt -Agents @(
            @{ name = 'tui'; runtime = 'fake'; className = 'worker' }
            @{ name = 'tui2'; runtime = 'fake'; className = 'worker' }
            @{ name = 'busy'; runtime = 'fake' }
            @{ name = 'menu'; runtime = 'fake' }
            @{ name = 'swallow1'; runtime = 'fake' }
            @{ name = 'exited'; runtime = 'fake' }
            @{ name = 'ghost'; runtime = 'fake' }
            @{ name = 'shared'; runtime = 'fake' }
            @{ name = 'noreset'; runtime = 'plain' }
            @{ name = 'stopme'; runtime = 'fake' }
            @{ name = 'stopme2'; runtime = 'fake' }
            @{ name = 'faraway'; runtime = 'fake'; host = 'nowhere' }
            @{ name = 'boxed'; runtime = 'framed' }
            @{ name = 'shelled'; runtime = 'fake' }
        ) -Extra @"
runtimes:
  fake: { command: 'python3 fake_tui.py', paneCommands: [python3], resetCommand: '/reset' }
  plain: { command: 'python3 fake_tui.py', paneCommands: [python3] }
  framed: { command: 'python3 fake_tui.py --boxed', paneCommands: [python3], inputPattern: '^╭─+╮\n(?<input>(?:│.*\n)+)╰' }
hosts:
  nowhere: { ssh: 'nobody@127.0.0.1', port: 1, sshOptions: ['StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null'] }
"@
        foreach ($n in 'tui', 'tui2', 'shared', 'noreset') { Start-FixtureTui -Environment $envt -Session $n | Out-Null }
        Start-FixtureTui -Environment $envt -Session 'busy' -Mode busy | Out-Null
        Start-FixtureTui -Environment $envt -Session 'menu' -Mode 'swallow:all' | Out-Null
        Start-FixtureTui -Environment $envt -Session 'swallow1' -Mode 'swallow:1' | Out-Null
        Start-FixtureTui -Environment $envt -Session 'stopme' -Mode 'swallow:all' | Out-Null
        # Its own pane: the draft 'stopme' is left holding would stop the next send (DraftPresent).
        Start-FixtureTui -Environment $envt -Session 'stopme2' -Mode 'swallow:all' | Out-Null
        Start-FixtureTui -Environment $envt -Session 'exited' -Mode exit | Out-Null
        Start-FixtureTui -Environment $envt -Session 'boxed' -Boxed | Out-Null
        # Drift: the agent's pane runs an interactive shell, not its runtime (as after the runtime exited to a shell).
        Start-TestPane -Environment $envt -Session 'shelled' -Command @('bash', '--norc', '--noprofile', '-i')
        Wait-Until { (& tmux -L $envt.Socket list-panes -t '=shelled:' -F '#{pane_current_command}') -eq 'bash' } | Should -BeTrue
        Wait-Until { (& tmux -L $envt.Socket list-panes -t '=exited:' -F '#{pane_dead}') -eq '1' } | Should -BeTrue
        $script:common = @{ RosterPath = $roster; TimeoutSeconds = 10 }
    }
    AfterAll {
        Remove-FleetTestEnvironment $envt
        Exit-FleetTestStateDirs $savedEnv
    }

    Context 'Accepted' {
        It 'reports Accepted with the result properties filled in, and the fixture received the labelled text once' {
            $before = @(Get-FixtureMessages -Environment $envt -Session tui).Count
            $r = Send-FleetMessage 'hello from the operator' -Name tui -Source 'tester' @common
            $r | Should -BeOfType ([MosaicFleet.FleetSendResult])
            $r.Status | Should -Be 'Accepted'
            $r.Agent | Should -Be 'tui'
            $r.Host | Should -Be 'local'
            $r.Source | Should -Be 'tester'
            $r.Message | Should -Be 'hello from the operator'
            $r.SentAt | Should -Not -BeNullOrEmpty
            $r.ElapsedSeconds | Should -BeGreaterThan 0
            $r.SubmitRetried | Should -BeFalse
            $got = @(Get-FixtureMessages -Environment $envt -Session tui)
            $got.Count | Should -Be ($before + 1)
            $got[-1] | Should -BeExactly '[tester] hello from the operator'
        }

        It 'labels the message operator:user@shorthost by default' {
            $r = Send-FleetMessage 'default label' -Name tui @common
            $r.Source | Should -Match '^operator:[^@]+@[^.]+$'
            $r.Source | Should -Be ("operator:{0}@{1}" -f [Environment]::UserName, ([Environment]::MachineName -split '\.')[0])
            @(Get-FixtureMessages -Environment $envt -Session tui)[-1] | Should -BeExactly "[$($r.Source)] default label"
        }

        It 'refuses a source label of more than one line' {
            { Send-FleetMessage 'x' -Name tui -Source "two`nlines" @common } | Should -Throw -ErrorId 'ParameterArgumentValidationError,MosaicFleet.Cmdlets.SendFleetMessageCommand'
        }

        It 'binds -Name by property name from Get-FleetAgent, the message staying at position 0' {
            $results = @(Get-FleetAgent -RosterPath $roster -ClassName worker | Send-FleetMessage 'pull and rebase' -Source t -RosterPath $roster)
            $results.Agent | Should -Be @('tui', 'tui2')
            $results.Status | Should -Be @('Accepted', 'Accepted')
            @(Get-FixtureMessages -Environment $envt -Session tui2)[-1] | Should -BeExactly '[t] pull and rebase'
        }

        It 'reports Submitted with -NoVerify' {
            (Send-FleetMessage 'no verify' -Name tui2 -NoVerify -Source t @common).Status | Should -Be 'Submitted'
            Wait-Until { @(Get-FixtureMessages -Environment $envt -Session tui2)[-1] -ceq '[t] no verify' } | Should -BeTrue
        }

        It 'types nothing with -WhatIf' {
            $before = @(Get-FixtureMessages -Environment $envt -Session tui -Pastes).Count
            Send-FleetMessage 'what if' -Name tui -WhatIf @common | Should -BeNullOrEmpty
            @(Get-FixtureMessages -Environment $envt -Session tui -Pastes).Count | Should -Be $before
        }
    }

    Context 'A framed input box found by the roster''s inputPattern' {
        It 'reports Accepted while the sent text stays visible in the history right above the box' {
            foreach ($m in 'first message', 'second message') {
                $r = Send-FleetMessage $m -Name boxed -Source x @common
                $r.Status | Should -Be 'Accepted' -Because $r.Detail
                $r.SubmitRetried | Should -BeFalse
            }
            @(Get-FixtureMessages -Environment $envt -Session boxed) | Should -Be @('[x] first message', '[x] second message')
            $screen = (& tmux -L $envt.Socket capture-pane -p -t '=boxed:') -join "`n"
            $screen | Should -Match 'you said: \[x\] second message\n╭'
        }
    }

    Context 'Byte-exact delivery' {
        It 'delivers <Case> exactly as given' -TestCases @(
            @{ Case = 'a tmux key name'; Text = 'Enter' }
            @{ Case = 'another key name'; Text = 'C-c' }
            @{ Case = 'a leading dash'; Text = '-t =coder1 --help' }
            @{ Case = 'a trailing semicolon'; Text = 'first; second;' }
            @{ Case = 'an escaped semicolon'; Text = 'kill-server \; list-sessions \;' }
            @{ Case = 'command substitution'; Text = 'echo $(rm -rf ~) `whoami` ${HOME}' }
            @{ Case = 'quotes'; Text = 'say "double" and ''single'' and "unbalanced' }
            @{ Case = 'backslashes'; Text = 'C:\temp\new \\server\share \n \t \' }
            @{ Case = 'tabs'; Text = "col1`tcol2`t`tcol4" }
            @{ Case = 'CJK'; Text = '你好，世界。テストです。한국어' }
            @{ Case = 'emoji'; Text = 'ship it 🚀 done ✅ family 👨‍👩‍👧' }
            @{ Case = 'a 20,000-character message'; Text = (-join (1..20000 | ForEach-Object { [char](97 + ($_ % 26)) })) }
        ) {
            param($Case, $Text)
            $r = Send-FleetMessage $Text -Name tui -Source 'x' @common
            $r.Status | Should -Be 'Accepted' -Because $r.Detail
            $got = @(Get-FixtureMessages -Environment $envt -Session tui)[-1]
            $got.Length | Should -Be ("[x] $Text").Length
            $got | Should -BeExactly "[x] $Text"
        }

        It 'delivers a multi-line message as ONE message with its line breaks (agent-deck #1855: lines fused)' {
            $before = @(Get-FixtureMessages -Environment $envt -Session tui).Count
            $text = "line one`nline two`n`n  indented line four`nlast line"
            (Send-FleetMessage $text -Name tui -Source 'x' @common).Status | Should -Be 'Accepted'
            $got = @(Get-FixtureMessages -Environment $envt -Session tui)
            $got.Count | Should -Be ($before + 1)
            $got[-1] | Should -BeExactly "[x] $text"
            ($got[-1] -split "`n").Count | Should -Be 5
        }

        It 'turns CRLF line breaks into LF, still one message' {
            $before = @(Get-FixtureMessages -Environment $envt -Session tui).Count
            (Send-FleetMessage "windows`r`nline" -Name tui -Source 'x' @common).Status | Should -Be 'Accepted'
            $got = @(Get-FixtureMessages -Environment $envt -Session tui)
            $got.Count | Should -Be ($before + 1)
            $got[-1] | Should -BeExactly "[x] windows`nline"
        }
    }

    Context 'Failures: a status, an ErrorRecord with a stable id, and the result object' {
        It 'reports NotAccepted for a busy TUI that ignores input' {
            $r = Send-FleetMessage 'are you there' -Name busy -RosterPath $roster -TimeoutSeconds 2 -ErrorVariable ev -ErrorAction SilentlyContinue
            $r.Status | Should -Be 'NotAccepted'
            $ev.Count | Should -Be 1
            $ev[0] | Assert-FleetError -Id MessageNotAccepted -Category OperationTimeout -Target 'busy'
        }

        It 'reports NotSubmitted, not success, when the submit key is swallowed (agent-deck #1413)' {
            $r = Send-FleetMessage 'typed but stuck' -Name menu -Source x -RosterPath $roster -TimeoutSeconds 3 -ErrorVariable ev -ErrorAction SilentlyContinue
            $r.Status | Should -Be 'NotSubmitted'
            $r.SubmitRetried | Should -BeTrue
            $ev[0] | Assert-FleetError -Id MessageNotSubmitted
            @(Get-FixtureMessages -Environment $envt -Session menu).Count | Should -Be 0
            @(Get-FixtureMessages -Environment $envt -Session menu -Pastes) | Should -Be @('[x] typed but stuck')
        }

        It 'stops a script with -ErrorAction Stop' {
            { Send-FleetMessage 'x' -Name ghost -RosterPath $roster -ErrorAction Stop } | Should -Throw -ErrorId 'AgentNoSession,MosaicFleet.Cmdlets.SendFleetMessageCommand'
        }

        It 're-sends only the submit key when the first one was swallowed, never the body (agent-deck #479)' {
            $r = Send-FleetMessage 'exactly once' -Name swallow1 -Source x @common
            $r.Status | Should -Be 'Accepted'
            $r.SubmitRetried | Should -BeTrue
            @(Get-FixtureMessages -Environment $envt -Session swallow1 -Pastes) | Should -Be @('[x] exactly once')
            @(Get-FixtureMessages -Environment $envt -Session swallow1) | Should -Be @('[x] exactly once')
        }

        It 'reports PaneDead for an agent whose TUI exited, and types nothing' {
            $r = Send-FleetMessage 'hello?' -Name exited @common -ErrorVariable ev -ErrorAction SilentlyContinue
            $r.Status | Should -Be 'PaneDead'
            $ev[0] | Assert-FleetError -Id AgentPaneDead
            @(& tmux -L $envt.Socket list-buffers -F '#{buffer_name}') | Should -BeNullOrEmpty
        }

        It 'reports Drifted for an agent whose pane runs a shell, and types nothing there (no command runs)' {
            $marker = Join-Path $envt.Directory 'drift-ran'
            $text = "please run `$(touch $marker) now"
            $r = Send-FleetMessage $text -Name shelled @common -ErrorVariable ev -ErrorAction SilentlyContinue
            $r.Status | Should -Be 'Drifted'
            $r.Detail | Should -Match 'runs the shell bash \(expected python3\); nothing was typed'
            $ev.Count | Should -Be 1
            $ev[0] | Assert-FleetError -Id AgentDrifted -Category InvalidOperation -Target 'shelled'
            $reset = Reset-FleetAgent shelled -RosterPath $roster -ErrorAction SilentlyContinue
            $reset.Status | Should -Be 'Drifted'
            # Give a shell that got the line time to run it; nothing reached the pane.
            Start-Sleep -Milliseconds 500
            Test-Path $marker | Should -BeFalse
            (Get-PaneText $envt.Socket '=shelled:') | Should -Not -Match 'please run|/reset'
        }

        It 'reports NoSession for an agent without a session, and still emits every other result' {
            $results = @(Send-FleetMessage 'all of you' -Name ghost, tui -Source x @common -ErrorVariable ev -ErrorAction SilentlyContinue)
            $results.Agent | Should -Be @('tui', 'ghost')
            ($results | Where-Object Agent -eq ghost).Status | Should -Be 'NoSession'
            ($results | Where-Object Agent -eq tui).Status | Should -Be 'Accepted'
            $ev.Count | Should -Be 1
            $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'reports Unreachable for an agent on a host ssh cannot reach' {
            $r = Send-FleetMessage 'far' -Name faraway @common -ErrorVariable ev -ErrorAction SilentlyContinue
            $r.Status | Should -Be 'Unreachable'
            $ev.Count | Should -Be 1
            $ev[0] | Assert-FleetError -Id FleetHostUnreachable -Category ConnectionError -Target 'nowhere'
        }
    }

    Context 'Concurrency' {
        It 'two processes sending 20 messages each to one agent: 40 intact messages, none interleaved, 40 intact log lines' {
            $mod = Get-FleetModulePath
            $envVars = @{ XDG_STATE_HOME = $env:XDG_STATE_HOME; XDG_RUNTIME_DIR = $env:XDG_RUNTIME_DIR }
            $logBefore = if (Test-Path $logPath) { @([IO.File]::ReadAllLines($logPath)).Count } else { 0 }
            $children = foreach ($p in 'A', 'B') {
                $cmd = "Import-Module '$mod'; 1..20 | ForEach-Object { `$m = 'proc $p msg {0:d2} ' -f `$_; `$m += '$p' * 300; " +
                       "`$r = Send-FleetMessage `$m -Name shared -Source 'p$p' -RosterPath '$roster' -TimeoutSeconds 20; `$r.Status.ToString() }"
                Start-ChildPwsh -Command $cmd -Environment $envVars
            }
            $outs = foreach ($c in $children) { Wait-ChildPwsh $c }
            foreach ($o in $outs) {
                $o.ExitCode | Should -Be 0 -Because $o.Stderr
                @($o.Stdout -split "`n" | Where-Object { $_.Trim() }) | ForEach-Object { $_.Trim() | Should -Be 'Accepted' }
            }
            $got = @(Get-FixtureMessages -Environment $envt -Session shared)
            $got.Count | Should -Be 40
            foreach ($g in $got) { $g | Should -Match '^\[p(?<p>[AB])\] proc \k<p> msg \d\d \k<p>{300}$' }
            @($got | Sort-Object -Unique).Count | Should -Be 40
            $lines = @([IO.File]::ReadAllLines($logPath))
            $lines.Count | Should -Be ($logBefore + 40)
            $entries = @(Get-FleetMessageLog -Name shared)
            $entries.Count | Should -Be 40
            foreach ($e in $entries) { $e.Message | Should -Match '^proc (?<p>[AB]) msg \d\d \k<p>{300}$'; $e.Status | Should -Be 'Accepted' }
        }

        It 'works from a pwsh without a UTF-8 locale (cron, a systemd timer): agents are read and a send is Accepted' {
            # Without tmux -u, tmux 3.3a prints the 0x1F field separator of every -F format as '_' under LC_ALL=C.
            $cmd = "Import-Module `$env:MOSAIC_FLEET_MODULE; `$a = Get-FleetAgent -Name tui -RosterPath '$roster'; 'agent:' + `$a.Status + ':' + `$a.PaneId; " +
                "Send-FleetMessage 'sent under LC_ALL=C' -Name tui -Source cron -RosterPath '$roster' -TimeoutSeconds 10 | ForEach-Object { 'send:' + `$_.Status }"
            $r = Invoke-ChildPwsh -Command $cmd -Environment @{ LC_ALL = 'C'; LANG = 'C'; LC_CTYPE = 'C' }
            $r.Stdout | Should -Match 'agent:Running:%\d+' -Because $r.Stderr
            $r.Stdout | Should -Match 'send:Accepted' -Because $r.Stderr
            Get-FixtureMessages -Environment $envt -Session tui | Select-Object -Last 1 | Should -Be '[cron] sent under LC_ALL=C'
        }

        It 'sends to many agents in one call with a throttle' {
            $r = @(Send-FleetMessage 'fan out' -Name tui, tui2, shared, noreset -ThrottleLimit 2 -Source x @common)
            $r.Status | Should -Be @('Accepted', 'Accepted', 'Accepted', 'Accepted')
        }
    }

    Context 'Ctrl+C' {
        It 'stops a send that is verifying: lock released, no paste buffer left' {
            $mod = Get-FleetModulePath
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$mod'; Send-FleetMessage 'stop me' -Name stopme -Source x -RosterPath '$roster' -TimeoutSeconds 300")
            $handle = $ps.BeginInvoke()
            try {
                Wait-Until { @(Get-FixtureMessages -Environment $envt -Session stopme -Pastes).Count -ge 1 } -TimeoutSeconds 20 | Should -BeTrue
                $ps.Stop()
                $handle.IsCompleted | Should -BeTrue
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            } finally { $ps.Dispose() }
            @(& tmux -L $envt.Socket list-buffers -F '#{buffer_name}') | Should -BeNullOrEmpty
            $lock = Join-Path $env:XDG_RUNTIME_DIR 'mosaic-fleet/locks/local.local.stopme.lock'
            $fs = [IO.File]::Open($lock, 'Open', 'ReadWrite', 'None')
            $fs.Dispose()
        }

        It 'stops a send while its paste buffer is loaded: buffer deleted, no child process left, the typed message logged' {
            # A tmux shim that, on the load-buffer + paste-buffer list, runs the load-buffer part (stdin is the text) and
            # then hangs instead of pasting, so Ctrl+C lands while the loaded buffer exists.
            $realTmux = (Get-Command tmux -CommandType Application | Where-Object Source -notlike "$($envt.ShimDir)*" | Select-Object -First 1).Source
            $marker = Join-Path $envt.Directory 'paste-hang.pid'
            $shim = Join-Path $envt.ShimDir 'tmux'
            Set-Content -LiteralPath $shim -NoNewline -Value @"
#!/bin/sh
case " `$* " in *" paste-buffer "*)
  first=1
  for a in "`$@"; do
    if [ `$first = 1 ]; then set --; first=0; fi
    [ "`$a" = ";" ] && break
    set -- "`$@" "`$a"
  done
  $(ConvertTo-ShQuote $realTmux) "`$@" || exit 1
  echo `$`$ > $(ConvertTo-ShQuote $marker); exec sleep 300;;
esac
exec $(ConvertTo-ShQuote $realTmux) "`$@"
"@
            & chmod +x $shim
            $mod = Get-FleetModulePath
            $ps = [powershell]::Create()
            try {
                Use-ShimPath $envt {
                    $null = $ps.AddScript("Import-Module '$mod'; Send-FleetMessage 'cut short' -Name stopme2 -Source x -RosterPath '$roster' -TimeoutSeconds 300")
                    $handle = $ps.BeginInvoke()
                    Wait-Until { Test-Path $marker } -TimeoutSeconds 20 | Should -BeTrue
                    @(& $realTmux -L $envt.Socket list-buffers -F '#{buffer_name}') | Should -Not -BeNullOrEmpty
                    $ps.Stop()
                    $handle.IsCompleted | Should -BeTrue
                    $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                }
            } finally { $ps.Dispose(); Remove-Item $shim -ErrorAction Ignore }
            @(& tmux -L $envt.Socket list-buffers -F '#{buffer_name}') | Should -BeNullOrEmpty
            $hung = [int](Get-Content -Raw $marker).Trim()
            Wait-Until { -not (Test-Path "/proc/$hung") } -TimeoutSeconds 5 | Should -BeTrue -Because "the hung paste-buffer (pid $hung) must be ended"
            $last = Get-FleetMessageLog -Name stopme2 -Last 1
            $last.Message | Should -Be 'cut short'
            $last.Status | Should -Be 'NotAccepted'
        }

        It 'stops a send waiting for another sender''s lock, and types nothing' {
            $lock = Join-Path $env:XDG_RUNTIME_DIR 'mosaic-fleet/locks/local.local.tui2.lock'
            $before = @(Get-FixtureMessages -Environment $envt -Session tui2 -Pastes).Count
            $holder = [IO.File]::Open($lock, 'OpenOrCreate', 'ReadWrite', 'None')
            $mod = Get-FleetModulePath
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$mod'; Send-FleetMessage 'blocked' -Name tui2 -RosterPath '$roster'")
                $handle = $ps.BeginInvoke()
                Start-Sleep -Milliseconds 1500
                $handle.IsCompleted | Should -BeFalse
                $ps.Stop()
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            } finally { $ps.Dispose(); $holder.Dispose() }
            @(Get-FixtureMessages -Environment $envt -Session tui2 -Pastes).Count | Should -Be $before
        }
    }

    Context 'Reset-FleetAgent' {
        It 'sends the runtime''s resetCommand unlabelled and reports Accepted' {
            $r = Reset-FleetAgent tui -RosterPath $roster
            $r.Status | Should -Be 'Accepted'
            $r.Message | Should -Be '/reset'
            @(Get-FixtureMessages -Environment $envt -Session tui)[-1] | Should -BeExactly '/reset'
            (Get-FleetMessageLog -Name tui -Last 1).Kind | Should -Be 'reset'
        }

        It 'gives NoResetCommand for a runtime without one' {
            Reset-FleetAgent noreset -RosterPath $roster -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $ev[0] | Assert-FleetError -Id NoResetCommand -Target 'noreset'
        }
    }

    Context 'Message log and output' {
        It 'logs every send as a typed entry in a private file' {
            $mode = (Get-Item $logPath).UnixFileMode
            [int]$mode | Should -Be ([Convert]::ToInt32('600', 8)) -Because "the log may hold secrets (mode is $mode)"
            $all = @(Get-FleetMessageLog)
            $all.Count | Should -BeGreaterThan 10
            $all[0] | Should -BeOfType ([MosaicFleet.FleetMessageLogEntry])
            $last = Get-FleetMessageLog -Name busy -Last 1
            $last.Status | Should -Be 'NotAccepted'
            $last.Message | Should -Be 'are you there'
            $last.Tenant | Should -Be 'local'
            $last.Host | Should -Be 'local'
            @(Get-FleetMessageLog -Last 3).Count | Should -Be 3
            @(Get-FleetMessageLog -Since ([datetime]::Now.AddHours(1))).Count | Should -Be 0
            @(Get-FleetMessageLog -Name 'tui*' -Since ([datetime]::Now.AddHours(-1))).Agent | Sort-Object -Unique | Should -Be @('tui', 'tui2')
        }

        It 'reports a log it cannot read as one MessageLogUnreadable error with the log path, not a raw exception' {
            $saved = $env:XDG_STATE_HOME
            $env:XDG_STATE_HOME = Join-Path $envt.Directory 'state-unreadable'
            try {
                $bad = Join-Path $env:XDG_STATE_HOME 'mosaic/fleet/messages.jsonl'
                New-Item -ItemType Directory -Force (Split-Path $bad) | Out-Null
                # A symbolic link to itself: it exists, but every open fails with an IOException.
                $null = New-Item -ItemType SymbolicLink -Path $bad -Target $bad -Force
                $err = $null
                try { Get-FleetMessageLog -ErrorAction Stop } catch { $err = $_ }
                $err | Should -Not -BeNullOrEmpty
                $err | Assert-FleetError -Id MessageLogUnreadable -Category ReadError -Target $bad
            }
            finally { $env:XDG_STATE_HOME = $saved }
        }

        It 'Get-FleetAgentOutput returns the pane text as a FleetPaneCapture' {
            $c = Get-FleetAgentOutput -Name tui -RosterPath $roster -Lines 200
            $c | Should -BeOfType ([MosaicFleet.FleetPaneCapture])
            $c.Agent | Should -Be 'tui'
            $c.CapturedAt | Should -Not -BeNullOrEmpty
            ($c.Lines -join "`n") | Should -Match 'you said: /reset'
            @((Get-FleetAgentOutput -Name tui -RosterPath $roster -Lines 2).Lines).Count | Should -BeLessOrEqual 2
        }

        It 'Get-FleetAgentOutput reports a missing session as an error' {
            Get-FleetAgentOutput -Name ghost -RosterPath $roster -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $ev[0] | Assert-FleetError -Id AgentNoSession -Target 'ghost'
            # Plain words, not a failed command line.
            "$($ev[0])" | Should -Match "ghost: the agent has no tmux session on socket $([regex]::Escape($envt.Socket))"
            "$($ev[0])" | Should -Not -Match 'list-panes|exited with'
        }
    }

    Context 'Progress in a terminal' {
        BeforeAll {
            function Start-SendInTerminal([string] $Prelude) {
                $module = (Get-FleetModulePath).Replace("'", "''")
                $r = $roster.Replace("'", "''")
                Start-OuterTerminal -Environment $envt -Width 120 -Height 30 -Command @((Get-PwshPath), '-NoProfile', '-Command',
                    "Import-Module '$module'; $Prelude; `$null = Send-FleetMessage 'progress?' -Name tui, busy -Source x -RosterPath '$r' -TimeoutSeconds 6 -ErrorAction SilentlyContinue; 'SEND-ENDED'; Start-Sleep 120")
            }
        }
        AfterEach {
            & tmux -L "$($envt.Socket)-outer" kill-server 2>$null
            $global:LASTEXITCODE = 0
        }

        It 'shows agents done of total and the one still pending while a multi-agent send runs' {
            $outer = Start-SendInTerminal '$ProgressPreference = "Continue"'
            $seen = Wait-Until { (Get-PaneText $outer '=outer:') -match '1 of 2 done; still waiting for busy' } -TimeoutSeconds 20 -IntervalMs 200
            $seen | Should -BeTrue -Because (Get-PaneText $outer '=outer:')
            (Get-PaneText $outer '=outer:') | Should -Match 'Sending to 2 agents'
            Wait-Until { (Get-PaneText $outer '=outer:') -match 'SEND-ENDED' } -TimeoutSeconds 20 | Should -BeTrue
        }

        It 'shows nothing when $ProgressPreference is SilentlyContinue' {
            $outer = Start-SendInTerminal '$ProgressPreference = "SilentlyContinue"'
            $shown = $false
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while ([DateTime]::UtcNow -lt $deadline) {
                $text = Get-PaneText $outer '=outer:'
                if ($text -match 'Sending to 2 agents') { $shown = $true }
                if ($text -match 'SEND-ENDED') { break }
                Start-Sleep -Milliseconds 200
            }
            (Get-PaneText $outer '=outer:') | Should -Match 'SEND-ENDED'
            $shown | Should -BeFalse
        }
    }
}

Describe 'Send-FleetMessage to a large fleet on one tmux server' {
    # 160 agents: more panes than one tmux command list may name (tmux refuses a list over 16 KiB: "command too long").
    BeforeAll {
        $script:big = New-FleetTestEnvironment -Prefix mfb
        $script:savedBigEnv = Enter-FleetTestStateDirs $big
        $script:bigNames = 1..160 | ForEach-Object { 'm{0:d3}' -f $_ }
        $script:bigLog = Join-Path $big.Directory 'received.log'
        $agent = Join-Path (Get-RepoRoot) 'tests/fixtures/line_agent.sh'
        $script:bigRoster = Set-FleetTestRoster -Environment $big -Agents @($bigNames | ForEach-Object { @{ name = $_; runtime = 'line' } }) -Extra @"
runtimes:
  line: { command: 'sh line_agent.sh', paneCommands: [sh], inputPattern: '^>(?: .*)?$' }
"@
        foreach ($n in $bigNames) { Start-TestPane -Environment $big -Session $n -Command @('sh', $agent, $bigLog, $n) }
        # Ready when every pane's cursor sits after its "> " prompt.
        $ready = Wait-Until {
            @(& tmux -L $big.Socket list-panes -a -F '#{cursor_x}' | Where-Object { $_ -eq '2' }).Count -ge $bigNames.Count
        } -TimeoutSeconds 60 -IntervalMs 200
        $ready | Should -BeTrue
    }
    AfterAll {
        Remove-FleetTestEnvironment $big
        Exit-FleetTestStateDirs $savedBigEnv
    }

    It 'delivers one message to each of 160 agents, every one Accepted, each received exactly once' {
        $r = @(Get-FleetAgent -RosterPath $bigRoster | Send-FleetMessage 'pull and rebase' -Source ops -RosterPath $bigRoster -TimeoutSeconds 30)
        $r.Count | Should -Be 160
        @($r | Where-Object Status -ne 'Accepted' | ForEach-Object { "$($_.Agent): $($_.Status) $($_.Detail)" }) | Should -BeNullOrEmpty
        $received = @([IO.File]::ReadAllLines($bigLog))
        $received.Count | Should -Be 160
        ($received | Sort-Object) | Should -Be @($bigNames | ForEach-Object { "$_ [ops] pull and rebase" })
        @(Get-FleetMessageLog).Count | Should -Be 160
    }
}
