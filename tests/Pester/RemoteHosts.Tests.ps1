# Multi-host over OpenSSH against a real sshd on 127.0.0.1: two host entries (two ports of one sshd), each with its own
# tmux socket, plus a local agent.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
}

Describe 'Get-FleetAgent across ssh hosts' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $script:sshd = Start-TestSshd -Environment $envt -PortCount 2
        $script:sockA = "$($envt.Socket)-a"
        $script:sockB = "$($envt.Socket)-b"
        $envt.Sockets.Add($sockA); $envt.Sockets.Add($sockB)
        $hostLine = {
            param($name, $port, $socket)
            "  ${name}: { ssh: root@127.0.0.1, port: $port, identityFile: $(ConvertTo-YamlScalar $sshd.IdentityFile), knownHostsFile: $(ConvertTo-YamlScalar $sshd.KnownHostsFile), tmux: { socketName: $socket } }"
        }
        $extra = @('tenant: acme', 'hosts:', (& $hostLine 'alpha' $sshd.Ports[0] $sockA), (& $hostLine 'beta' $sshd.Ports[1] $sockB)) -join "`n"
        Set-FleetTestRoster -Environment $envt -Extra $extra -Agents @(
            @{ name = 'home0'; runtime = 'pi' }
            @{ name = 'alpha1'; runtime = 'pi'; host = 'alpha'; workingDirectory = '~/proj' }
            @{ name = 'alpha2'; runtime = 'pi'; host = 'alpha' }
            @{ name = 'beta1'; runtime = 'pi'; host = 'beta' }
        ) | Out-Null
        $pi = New-FakeRuntime -Environment $envt -Name 'pi'
        Start-TestPane -Environment $envt -Session 'home0' -Command @($pi, '600')
        Start-TestPane -Environment $envt -Session 'alpha1' -Command @($pi, '600') -Socket $sockA
        Start-TestPane -Environment $envt -Session 'beta1' -Command @('python3', '-c', 'import time; time.sleep(600)') -Socket $sockB
        # The ssh connections are shared through ControlMaster sockets under $XDG_RUNTIME_DIR/mosaic-fleet.
        $script:savedRuntimeDir = $env:XDG_RUNTIME_DIR
        $env:XDG_RUNTIME_DIR = Join-Path $envt.Directory 'run'
        New-Item -ItemType Directory -Force $env:XDG_RUNTIME_DIR | Out-Null
        & chmod 700 $env:XDG_RUNTIME_DIR
        $script:sshLog = New-RecordingShim -Environment $envt -Program 'ssh'
        Wait-Until { (& tmux -L $sockB list-panes -a -F '#{pane_current_command}') -contains 'python3' } | Should -BeTrue
    }
    AfterAll {
        Stop-TestSshd $sshd
        $env:XDG_RUNTIME_DIR = $savedRuntimeDir
        Remove-FleetTestEnvironment $envt
    }

    It 'returns every agent with its Host, Tenant and socket, read on its own host' {
        Remove-Item $sshLog -ErrorAction Ignore
        $all = @(Use-ShimPath $envt { Get-FleetAgent -RosterPath $envt.RosterPath -ErrorAction Continue 2>&1 })
        $errs = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $agents = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
        $errs | Should -BeNullOrEmpty
        $agents.Name | Should -Be @('home0', 'alpha1', 'alpha2', 'beta1')
        $agents.Host | Should -Be @('local', 'alpha', 'alpha', 'beta')
        $agents.Status | Should -Be @('Running', 'Running', 'Missing', 'Running')
        $agents.Tenant | Should -Be @('acme', 'acme', 'acme', 'acme')
        $agents.Socket | Should -Be @($envt.Socket, $sockA, $sockA, $sockB)
        $a1 = $agents | Where-Object Name -eq 'alpha1'
        $a1.PaneCommand | Should -Be 'pi'
        $a1.PaneId | Should -Match '^%\d+$'
        $a1.WorkingDirectory | Should -Be '/root/proj'   # '~' resolved with the remote $HOME
        $b1 = $agents | Where-Object Name -eq 'beta1'
        $b1.Drift | Should -BeTrue
        $b1.DriftReason | Should -Be 'python3 (expected pi or node)'
    }

    It 'starts exactly one ssh process per remote host per call' {
        foreach ($call in 1, 2) {
            Remove-Item $sshLog -ErrorAction Ignore
            $null = Use-ShimPath $envt { Get-FleetAgent -RosterPath $envt.RosterPath }
            $calls = @(Get-RecordedCalls $sshLog)
            $calls.Count | Should -Be 2 -Because (($calls | ForEach-Object { $_ -join " " } | Out-String) -replace '[\x00-\x09\x0b-\x1f]', '?')
            $ports = $calls | ForEach-Object { $c = $_; $c[[array]::IndexOf($c, '-p') + 1] } | Sort-Object
            $ports | Should -Be -Because (($calls | ForEach-Object { $_ -join " " } | Out-String) -replace '[\x00-\x09\x0b-\x1f]', '?') @($sshd.Ports | ForEach-Object { "$_" } | Sort-Object)
            foreach ($c in $calls) {
                $c | Should -Contain 'BatchMode=yes'
                $c | Should -Contain '-T'
                # The remote command (the list-panes format holds the shim's own separator, so re-join the tail).
                $remote = ($c[([array]::IndexOf($c, 'root@127.0.0.1') + 1)..($c.Count - 1)] -join ' ') -replace '[\x00-\x1f]', '?'
                $remote | Should -Match '^exec |^sh -c '
                $remote | Should -Match 'list-panes'
                $remote | Should -Match 'systemctl --user list-units --all --plain'
                $remote | Should -Match "'mosaic-agent\.acme@\*' 'mosaic-agent\.acme@\*\.service'$"
            }
        }
    }

    It 'shows the Host column in the default table' {
        $text = Get-FleetAgent -RosterPath $envt.RosterPath | Format-Table | Out-String -Width 160
        $text | Should -Match '(?m)^alpha1\s.*\salpha\s*$'
        $text | Should -Match '(?m)^beta1\s.*\sbeta\s*$'
    }

    Context 'when the sshd stops' {
        BeforeAll { Stop-TestSshd $sshd -ControlDirectory (Join-Path $env:XDG_RUNTIME_DIR 'mosaic-fleet') }

        It 'marks the remote agents Unreachable with one error per host and leaves the local agent alone' {
            Remove-Item $sshLog -ErrorAction Ignore
            $all = @(Use-ShimPath $envt { Get-FleetAgent -RosterPath $envt.RosterPath -ErrorAction Continue 2>&1 })
            $errs = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $agents = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
            # It returned (the runner's timeout bounds every ssh call); no wall time is asserted.
            $agents.Name | Should -Be @('home0', 'alpha1', 'alpha2', 'beta1')
            $agents.Status | Should -Be @('Running', 'Unreachable', 'Unreachable', 'Unreachable')
            ($agents | Where-Object Name -eq 'home0').PaneCommand | Should -Be 'pi'
            ($agents | Where-Object Name -eq 'alpha1').PaneId | Should -BeNullOrEmpty
            $errs.Count | Should -Be 2
            ($errs.TargetObject | Sort-Object) | Should -Be @('alpha', 'beta')
            foreach ($e in $errs) {
                $e | Assert-FleetError -Id FleetHostUnreachable -Category ConnectionError
                $e.ToString() | Should -Match 'Connection refused'
            }
            @(Get-RecordedCalls $sshLog).Count | Should -Be 2
        }
    }
}

Describe 'FleetAgent output travels through PowerShell remoting serialization' {
    It 'gives a deserialized FleetAgent the same table view as a live one' {
        $live = [MosaicFleet.FleetAgent]@{
            Name = 'coder4'; Runtime = 'codex'; Host = 'dragon-lin'; Tenant = 'acme'; Status = 'Running'; Drift = $true
            IdleSeconds = 75; PaneCommand = 'python3'; ServiceState = 'active/running'; PaneId = '%7'
        }
        $gone = [MosaicFleet.FleetAgent]@{ Name = 'coder5'; Runtime = 'codex'; Host = 'dragon-lin'; Status = 'Unreachable' }
        $xml = [System.Management.Automation.PSSerializer]::Serialize(@($live, $gone))
        $back = @([System.Management.Automation.PSSerializer]::Deserialize($xml))
        $back[0].pstypenames[0] | Should -Be 'Deserialized.MosaicFleet.FleetAgent'
        $back[0] | Should -Not -BeOfType ([MosaicFleet.FleetAgent])
        $liveText = @($live, $gone) | Out-String -Width 160
        $backText = $back | Out-String -Width 160
        $backText | Should -Be $liveText
        # The view (not a generic list) applied: its Idle column formats seconds.
        $backText | Should -Match 'coder4\s+codex\s+Running\s+True\s+1m15s\s+python3\s+active\s+dragon-lin'
        $backText | Should -Match 'coder5\s+codex\s+Unreachable'
    }
}

Describe 'Messaging a remote agent over ssh' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment -Prefix mfr
        $script:sshd = Start-TestSshd -Environment $envt -PortCount 1
        $script:sock = "$($envt.Socket)-r"
        $envt.Sockets.Add($sock)
        $script:savedEnv = Enter-FleetTestStateDirs $envt
        $hostLine = "  far: { ssh: root@127.0.0.1, port: $($sshd.Ports[0]), identityFile: $(ConvertTo-YamlScalar $sshd.IdentityFile), knownHostsFile: $(ConvertTo-YamlScalar $sshd.KnownHostsFile), tmux: { socketName: $sock } }"
        $script:roster = Set-FleetTestRoster -Environment $envt -Agents @(@{ name = 'rtui'; runtime = 'fake'; host = 'far' }) -Extra @"
runtimes:
  fake: { command: 'python3 fake_tui.py', paneCommands: [python3], resetCommand: '/reset' }
hosts:
$hostLine
"@
        # The "remote" host is this machine through sshd, so the fixture TUI's log is readable here.
        $script:log = Join-Path $envt.Directory 'rtui.log'
        Start-TestPane -Environment $envt -Session 'rtui' -Socket $sock -RemainOnExit -Command @('python3', (Join-Path (Get-RepoRoot) 'tests/fixtures/fake_tui.py'), '--mode', 'accept', '--log', $log)
        Wait-Until { (& tmux -L $sock capture-pane -p -t '=rtui:') -match 'fake-tui' } | Should -BeTrue
        $script:sshLog = New-RecordingShim -Environment $envt -Program 'ssh'
        $script:common = @{ RosterPath = $roster; TimeoutSeconds = 10; Source = 'x' }
    }
    AfterAll {
        Stop-TestSshd $sshd
        Exit-FleetTestStateDirs $savedEnv
        Remove-FleetTestEnvironment $envt
    }

    It 'delivers <Case> byte-exact across the remote shell''s quoting' -TestCases @(
        @{ Case = 'a tmux key name'; Text = 'Enter' }
        @{ Case = 'another key name'; Text = 'C-c' }
        @{ Case = 'a leading dash'; Text = '-t =coder1 --help' }
        @{ Case = 'semicolons'; Text = 'first; second; kill-server \; list-sessions \;' }
        @{ Case = 'command substitution'; Text = 'echo $(rm -rf ~) `whoami` ${HOME} %s %n' }
        @{ Case = 'quotes'; Text = 'say "double" and ''single'' and "unbalanced' }
        @{ Case = 'backslashes'; Text = 'C:\temp\new \\server\share \n \t \' }
        @{ Case = 'tabs'; Text = "col1`tcol2`t`tcol4" }
        @{ Case = 'CJK and emoji'; Text = '你好，世界。テストです。한국어 🚀 👨‍👩‍👧' }
        @{ Case = 'several lines'; Text = "line one`nline two`n`n  indented" }
        @{ Case = 'a 20,000-character message'; Text = (-join (1..20000 | ForEach-Object { [char](97 + ($_ % 26)) })) }
    ) {
        param($Case, $Text)
        Remove-Item $sshLog -ErrorAction Ignore
        $r = Use-ShimPath $envt { Send-FleetMessage $Text -Name rtui @common }
        $r.Status | Should -Be 'Accepted' -Because $r.Detail
        $r.Host | Should -Be 'far'
        $got = @(Get-FixtureMessages -Environment $envt -Session rtui)[-1]
        $got | Should -BeExactly "[x] $Text"
    }

    It 'turns CRLF line breaks into LF, still one message' {
        $before = @(Get-FixtureMessages -Environment $envt -Session rtui).Count
        $r = Send-FleetMessage "a`r`nb" -Name rtui @common
        $r.Status | Should -Be 'Accepted' -Because $r.Detail
        $got = @(Get-FixtureMessages -Environment $envt -Session rtui)
        $got.Count | Should -Be ($before + 1)
        $got[-1] | Should -BeExactly "[x] a`nb"
    }

    It 'sends the text on ssh''s stdin, never in an ssh argument' {
        Remove-Item $sshLog -ErrorAction Ignore
        $token = "mf-stdin-only-$([guid]::NewGuid().ToString('N'))"
        (Use-ShimPath $envt { Send-FleetMessage "secret $token" -Name rtui @common }).Status | Should -Be 'Accepted'
        @(Get-FixtureMessages -Environment $envt -Session rtui)[-1] | Should -BeExactly "[x] secret $token"
        $calls = @(Get-RecordedCalls $sshLog)
        $calls.Count | Should -BeGreaterThan 0
        foreach ($call in $calls) { ($call -join ' ').Contains($token) | Should -BeFalse }
    }

    It 'resets a remote agent and reads its output' {
        (Reset-FleetAgent -Name rtui -RosterPath $roster -TimeoutSeconds 10).Status | Should -Be 'Accepted'
        @(Get-FixtureMessages -Environment $envt -Session rtui)[-1] | Should -BeExactly '/reset'
        $cap = Get-FleetAgentOutput -Name rtui -RosterPath $roster -Lines 50
        $cap.Agent | Should -Be 'rtui'
        ($cap.Lines -join "`n") | Should -Match 'fake-tui'
    }

    It 'Watch-FleetAgent shows a remote agent in a real terminal over ssh -tt, read-only, and removes its viewer on detach' {
        $module = (Get-FleetModulePath).Replace("'", "''")
        $r = $roster.Replace("'", "''")
        $outer = Start-OuterTerminal -Environment $envt -Width 100 -Height 30 -Command @(
            (Get-PwshPath), '-NoProfile', '-Command', "Import-Module '$module'; Watch-FleetAgent rtui -RosterPath '$r'; 'WATCH-ENDED'; Start-Sleep 120")
        try {
            # The viewer session is made on the remote host's socket, in the agent's group, and a client attaches to it through ssh.
            $attached = Wait-Until { @(Get-TestSession $sock | Where-Object { $_.Name -like '_view-rtui-*' -and $_.Attached -eq 1 }).Count -eq 1 } -TimeoutSeconds 30
            $attached | Should -BeTrue -Because (Get-PaneText $outer '=outer:')
            (& tmux -L $sock list-clients -F '#{client_readonly}') | Should -Be '1'
            Wait-Until { (Get-PaneText $outer '=outer:') -match 'fake-tui' } -TimeoutSeconds 10 | Should -BeTrue
            # Keys typed in the terminal do not reach the agent.
            $before = @(Get-FixtureMessages -Environment $envt -Session rtui).Count
            Send-PaneLine -Socket $outer -Target '=outer:' -Text 'typed-through-the-remote-viewer'
            Start-Sleep -Seconds 1
            @(Get-FixtureMessages -Environment $envt -Session rtui).Count | Should -Be $before
            (Get-PaneText $sock '=rtui:') | Should -Not -Match 'typed-through-the-remote-viewer'
            # Detach (the remote client gets the keys through ssh): the viewer is gone, the agent untouched.
            & tmux -L $outer send-keys -t '=outer:' C-b d
            Wait-Until { (Get-PaneText $outer '=outer:') -match 'WATCH-ENDED' } -TimeoutSeconds 20 | Should -BeTrue
            Wait-Until { @(Get-TestSession $sock | Where-Object Name -like '_view-*').Count -eq 0 } -TimeoutSeconds 10 | Should -BeTrue
            (Get-TestSession $sock | Where-Object Name -eq 'rtui').Attached | Should -Be 0
        } finally {
            & tmux -L $outer kill-server 2>$null
            $global:LASTEXITCODE = 0
        }
    }

    It 'reports Unreachable, one error, when the host is down' {
        Stop-TestSshd $sshd
        $r = Send-FleetMessage 'anyone there?' -Name rtui @common -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.Status | Should -Be 'Unreachable'
        $errs.Count | Should -Be 1
        $errs[0] | Assert-FleetError -Id FleetHostUnreachable -Category ConnectionError -Target 'far'
        $out = Get-FleetAgentOutput -Name rtui -RosterPath $roster -ErrorVariable oerrs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $oerrs.Count | Should -Be 1
        $oerrs[0] | Assert-FleetError -Id FleetHostUnreachable -Category ConnectionError -Target 'far'
    }
}
