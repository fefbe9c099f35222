# Lifecycle on a remote host over a real sshd on 127.0.0.1. The "remote" is this machine, so the test makes the two sides
# differ where it matters: sshd's SetEnv gives every ssh session its own HOME, XDG_CONFIG_HOME, MOSAIC_RUNTIME_BIN and a
# PATH with the recording systemctl/loginctl shims first, while this pwsh has another HOME and XDG_CONFIG_HOME and no
# shims on its PATH. Whatever lands under the remote directories (or is recorded by the shims) was resolved and run ON
# the host, through the ssh transport.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    $script:Saved = @{ HOME = $env:HOME; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME; XDG_RUNTIME_DIR = $env:XDG_RUNTIME_DIR; USER = $env:USER }
    function script:Get-Calls($log) { @(Get-RecordedCalls $log | ForEach-Object { $_ -join ' ' }) }
}

AfterAll {
    foreach ($k in $Saved.Keys) { if ($null -eq $Saved[$k]) { Remove-Item "env:$k" -ErrorAction Ignore } else { Set-Item "env:$k" $Saved[$k] } }
}

Describe 'Install-FleetUnit, Start-, Stop-, Restart-FleetAgent on a remote host over ssh' {
    BeforeAll {
        $script:e = New-FleetTestEnvironment -Prefix mfl
        $d = $e.Directory
        $script:rHome = Join-Path $d 'rhome'
        $script:rCfg = Join-Path $d 'rcfg'
        $script:records = Join-Path $d 'records'
        # An awkward working directory (spaces, quotes, $, %, non-ASCII) that must reach the remote tmux byte-exact
        # through the ssh quoting, systemd's rules and sh (the ssh sessions have no UTF-8 locale).
        $script:workRel = "proj dir/it's 100% `$HOME 日本"
        $script:workDir = Join-Path $rHome $workRel
        New-Item -ItemType Directory -Force $rHome, $workDir, $records, (Join-Path $d 'lhome'), (Join-Path $d 'run') | Out-Null
        # This side: another HOME and XDG_CONFIG_HOME (nothing may land there), a private ControlMaster directory.
        $env:HOME = Join-Path $d 'lhome'
        $env:XDG_CONFIG_HOME = Join-Path $d 'lcfg'
        $env:XDG_RUNTIME_DIR = Join-Path $d 'run'
        $env:USER = 'localop'
        & chmod 700 $env:XDG_RUNTIME_DIR
        # The fake runtime lives in BinDir, which only the REMOTE environment names (MOSAIC_RUNTIME_BIN).
        New-FakeRuntime -Environment $e -Name fakert -Target python3 | Out-Null
        $script:sysLog = New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 0 -Stderr ''
        $script:loginLog = New-RecordingShim -Environment $e -Program 'loginctl' -Fail -ExitCode 0 -Stderr ''
        $script:sshd = Start-TestSshd -Environment $e -SetEnv @{
            HOME = $rHome; XDG_CONFIG_HOME = $rCfg; MOSAIC_RUNTIME_BIN = $e.BinDir; PATH = "$($e.ShimDir):/usr/local/bin:/usr/bin:/bin" }
        $script:sock = "$($e.Socket)-r"
        $e.Sockets.Add($sock)
        $fixture = Join-Path (Get-RepoRoot) 'tests/fixtures/record-runtime.py'
        $yaml = @"
version: 1
transport: tmux
tmux: { socketName: $($e.Socket), holderSession: _holder }
hosts:
  far: { ssh: root@127.0.0.1, port: $($sshd.Ports[0]), identityFile: $(ConvertTo-YamlScalar $sshd.IdentityFile), knownHostsFile: $(ConvertTo-YamlScalar $sshd.KnownHostsFile), tmux: { socketName: $sock } }
runtimes:
  fakert: { command: $(ConvertTo-YamlScalar "fakert $(ConvertTo-ShQuote $fixture) --flag 'a b'"), paneCommands: [fakert] }
agents:
  - { name: home0, runtime: fakert }
  - name: far1
    runtime: fakert
    host: far
    workingDirectory: $(ConvertTo-YamlScalar "~/$workRel")
    environment: { RECORD_DIR: $(ConvertTo-YamlScalar $records), API_KEY: 'k`$y' }
"@
        Set-Content -LiteralPath $e.RosterPath -Value $yaml -NoNewline
        $script:unitDir = Join-Path $rCfg 'systemd/user'
        $script:envFile = Join-Path $rCfg 'mosaic/fleet/agents/far1.env'

        function script:Get-RemotePane {
            $line = & tmux -u -L $sock list-panes -t '=far1:' -F '#{pane_id}|#{pane_pid}|#{pane_current_command}|#{pane_current_path}' 2>$null
            $global:LASTEXITCODE = 0
            if (-not $line) { return $null }
            $p = "$line".Split('|', 4)
            [pscustomobject]@{ Id = $p[0]; Pid = [int]$p[1]; Command = $p[2]; Path = $p[3] }
        }
        # The remote host's records, read with the shared helper (FleetTestHelpers.psm1).
        function script:Get-FarRecords { Get-Records -Environment @{ Records = $records } -Agent far1 }
    }
    AfterAll {
        if ($sshd) { Stop-TestSshd $sshd }
        Remove-FleetTestEnvironment $e
    }

    It 'Install-FleetUnit -HostName writes the units and env file on the host under its XDG_CONFIG_HOME, then reloads, enables and lingers there' {
        $out = Install-FleetUnit -RosterPath $e.RosterPath -HostName far -PassThru -WarningVariable w
        $w | Should -BeNullOrEmpty
        $out.Kind | Should -Be @('HolderUnit', 'AgentUnit', 'EnvFile', 'AgentDropIn')
        $out.Host | Should -Be @('far', 'far', 'far', 'far')
        $out.Changed | Should -Be @($true, $true, $true, $true)
        $dropIn = Join-Path $unitDir 'mosaic-agent@far1.service.d/50-mosaic-supervision.conf'
        $out.Path | Should -Be @((Join-Path $unitDir 'mosaic-tmux-holder.service'), (Join-Path $unitDir 'mosaic-agent@.service'), $envFile, $dropIn)
        Get-Content -Raw $dropIn | Should -Match 'Restart=on-failure'
        # The crash directory is the host's: its $HOME/.local/state, keyed by tenant and agent.
        (Read-SystemdEnvFile $envFile)['MOSAIC_CRASH_DIR'] | Should -BeLike '*/.local/state/mosaic/fleet/*/crashes/far1'
        Test-Path (Join-Path $d 'lcfg') | Should -BeFalse
        (Get-Item $envFile).UnixMode | Should -Be '-rw-------'
        (Get-Item (Split-Path $envFile)).UnixMode | Should -Be 'drwx------'
        # No temp file left beside them.
        @(Get-ChildItem -Force $unitDir).Name | Sort-Object | Should -Be @('mosaic-agent@.service', 'mosaic-agent@far1.service.d', 'mosaic-tmux-holder.service')
        @(Get-ChildItem -Force (Split-Path $dropIn)).Name | Should -Be @('50-mosaic-supervision.conf')
        # tmux and sh found on the host, the host's socket, the host's '~' and runtime bin.
        $holder = Get-Content -Raw (Join-Path $unitDir 'mosaic-tmux-holder.service')
        $holder | Should -Match ([regex]::Escape((Get-Command tmux -CommandType Application)[0].Source))
        $holder | Should -Match ([regex]::Escape($sock))
        $vals = Read-SystemdEnvFile $envFile
        $vals['MOSAIC_AGENT_WORKDIR'] | Should -BeExactly $workDir
        # MOSAIC_RUNTIME_BIN of the host first (this pwsh has none), then what else exists there (npm prefix, ~/.local/bin).
        $vals['MOSAIC_PANE_COMMAND'] | Should -BeLike "*; export PATH=$($e.BinDir):*; exec fakert *"
        Get-Calls $sysLog | Should -Be @(
            '--user enable --no-reload mosaic-tmux-holder.service mosaic-agent@far1.service'
            '--user daemon-reload')
        Get-Calls $loginLog | Should -Be @('enable-linger root')
    }

    It 'a second run rewrites nothing (same mtime), reports Changed = false and does not reload' {
        $before = (Get-ChildItem -Force $unitDir, (Split-Path $envFile)) | ForEach-Object { "$($_.Name) $($_.LastWriteTimeUtc.Ticks)" }
        Remove-Item $sysLog, $loginLog -ErrorAction Ignore
        $out = Install-FleetUnit -RosterPath $e.RosterPath -HostName far -PassThru -NoEnable
        $out.Changed | Should -Be @($false, $false, $false, $false)
        $after = (Get-ChildItem -Force $unitDir, (Split-Path $envFile)) | ForEach-Object { "$($_.Name) $($_.LastWriteTimeUtc.Ticks)" }
        $after | Should -Be $before
        Get-Calls $sysLog | Should -BeNullOrEmpty
    }

    It 'Start-FleetAgent -Direct starts the session in the host''s tmux socket with the host''s cwd, PATH prefix and pane command' {
        $a = Start-FleetAgent far1 -Direct -RosterPath $e.RosterPath -PassThru
        $a.Host | Should -Be 'far'
        Wait-Until -TimeoutSeconds 30 { @(Get-FarRecords).Count -ge 1 -and (Get-RemotePane).Command -eq 'fakert' } | Should -BeTrue
        $r = @(Get-FarRecords)[0]
        $r.argv | Should -Be @('--flag', 'a b')
        $r.cwd | Should -BeExactly $workDir
        $r.path | Should -BeLike "$($e.BinDir):*"
        $r.apiKey | Should -BeExactly 'k$y'
        (Get-RemotePane).Path | Should -BeExactly $workDir
        & tmux -L $sock has-session -t '=_holder'
        $LASTEXITCODE | Should -Be 0
        # Nothing on this machine's own socket.
        & tmux -L $e.Socket has-session -t '=far1' 2>$null
        $LASTEXITCODE | Should -Not -Be 0
        $global:LASTEXITCODE = 0
        $b = Get-FleetAgent far1 -RosterPath $e.RosterPath
        $b.Status | Should -Be 'Running'
        $b.Drift | Should -BeFalse
        $b.WorkingDirectory | Should -BeExactly $workDir
        (Test-FleetDrift far1 -RosterPath $e.RosterPath).Drift | Should -BeFalse
    }

    It 'Restart-FleetAgent -Direct gives a new pane pid on the host' {
        $before = Get-RemotePane
        $after = Restart-FleetAgent far1 -Direct -RosterPath $e.RosterPath -PassThru
        $after.PanePid | Should -Not -Be $before.Pid
        (Get-RemotePane).Pid | Should -Be $after.PanePid
        Wait-Until -TimeoutSeconds 30 { @(Get-FarRecords).Count -ge 2 } | Should -BeTrue
    }

    It 'keeps a dead pane on the host when the agent is started again, and -Crash reads it back over ssh' {
        $before = Get-RemotePane
        Stop-Process -Id $before.Pid -Force
        Wait-Until -TimeoutSeconds 10 { (Get-FleetAgent far1 -RosterPath $e.RosterPath).Status -eq 'Dead' } | Should -BeTrue
        Start-FleetAgent far1 -Direct -RosterPath $e.RosterPath -ErrorAction SilentlyContinue
        $dir = Join-Path $rHome '.local/state/mosaic/fleet/local/crashes/far1'
        @(Get-ChildItem -LiteralPath $dir -Filter '*.txt').Count | Should -Be 1 -Because 'the launch kept the pane no unit stop had recorded'
        $crash = @(Get-FleetAgentOutput far1 -Crash -RosterPath $e.RosterPath)
        $crash.Count | Should -Be 1
        $crash[0].Host | Should -Be 'far'
        $crash[0].ExitStatus | Should -Be 137
        $crash[0].CrashFile | Should -BeLike "$dir/*.txt"
        (Get-FleetAgent far1 -RosterPath $e.RosterPath).Supervised | Should -BeFalse
    }

    It 'Stop-FleetAgent removes the session on the host; the holder stays' {
        Stop-FleetAgent far1 -RosterPath $e.RosterPath
        Get-RemotePane | Should -BeNullOrEmpty
        & tmux -L $sock has-session -t '=_holder'
        $LASTEXITCODE | Should -Be 0
        (Get-FleetAgent far1 -RosterPath $e.RosterPath).Status | Should -Be 'Missing'
    }

    It 'starts through systemd on the host when its units are installed and its user manager answers' {
        $show = "mosaic-agent@far1.service loaded inactive dead MosaicFleet agent far1`n"
        $script:sysLog = New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 0 -Stderr '' -Stdout $show
        Remove-Item $sysLog -ErrorAction Ignore
        Start-FleetAgent far1 -RosterPath $e.RosterPath -WarningVariable w
        $w | Should -BeNullOrEmpty
        $calls = Get-Calls $sysLog
        $calls[0] | Should -Be '--user list-units --all --plain --no-legend --full --no-pager -- mosaic-agent@*'
        $calls | Should -Contain '--user start mosaic-agent@far1.service'
        # After the start, only reads (the look at whether the agent died at once).
        $calls[([array]::IndexOf(@($calls), '--user start mosaic-agent@far1.service') + 1)..($calls.Count)] | Where-Object { $_ -notlike '--user list-units *' } | Should -BeNullOrEmpty
    }

    It 'Uninstall-FleetUnit -HostName stops, disables and removes the files on the host' {
        Remove-Item $sysLog -ErrorAction Ignore
        Uninstall-FleetUnit -All -RosterPath $e.RosterPath -HostName far -Force
        Test-Path $envFile | Should -BeFalse
        Test-Path (Join-Path $unitDir 'mosaic-tmux-holder.service') | Should -BeFalse
        Get-Calls $sysLog | Should -Be @(
            '--user disable --now --no-reload mosaic-agent@far1.service mosaic-tmux-holder.service'
            '--user daemon-reload'
            '--user reset-failed mosaic-agent@*')
    }

    Context 'when the host is unreachable' {
        BeforeAll { Stop-TestSshd $sshd -ControlDirectory (Join-Path $env:XDG_RUNTIME_DIR 'mosaic-fleet') }

        It 'Start-FleetAgent gives one error for the host (its name as target) and still starts the local agent' {
            $all = @(Start-FleetAgent far1, home0 -Direct -RosterPath $e.RosterPath -ErrorAction Continue 2>&1)
            $errs = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            # fakert is on the remote PATH only, so home0 exits at once here: its own AgentExitedAtStart, not the host's.
            $hostErrs = @($errs | Where-Object { $_.FullyQualifiedErrorId -notlike 'AgentExitedAtStart,*' })
            $hostErrs.Count | Should -Be 1
            $hostErrs[0] | Assert-FleetError -Id FleetHostUnreachable -Category ConnectionError -Target 'far'
            @($errs | Where-Object { $_.FullyQualifiedErrorId -like 'AgentExitedAtStart,*' }).TargetObject | Where-Object { $_ -ne 'home0' } | Should -BeNullOrEmpty
            & tmux -L $e.Socket has-session -t '=home0'
            $LASTEXITCODE | Should -Be 0
        }

        It 'Install-FleetUnit -HostName gives the same error and writes nothing' {
            $err = $null
            try { Install-FleetUnit -RosterPath $e.RosterPath -HostName far -ErrorAction Stop } catch { $err = $_ }
            $err | Assert-FleetError -Id FleetHostUnreachable -Target 'far'
            Test-Path $envFile | Should -BeFalse
        }
    }
}
