# Lifecycle review fixes: tmux's ';' separator, per-agent failures, error categories, Initialize-Fleet warnings and
# -WhatIf (nothing written, nothing run, not even npm). Real pwsh, real tmux on a private socket, recording shims.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    $script:Fixture = Join-Path (Get-RepoRoot) 'tests/fixtures/record-runtime.py'
    $script:Saved = @{ HOME = $env:HOME; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME; USER = $env:USER; MOSAIC_TMUX = $env:MOSAIC_TMUX; MOSAIC_NPM = $env:MOSAIC_NPM }

    function script:New-ReviewFleet {
        <# Own HOME and XDG_CONFIG_HOME; a fake runtime 'fakert' (python3 running record-runtime.py) reachable through
           runtimeBin; agents given as YAML lines. #>
        param([string] $AgentsYaml, [string] $CommandTail = '')
        $e = New-FleetTestEnvironment
        $home_ = Join-Path $e.Directory 'home'
        $records = Join-Path $e.Directory 'records'
        New-Item -ItemType Directory -Force $home_, $records | Out-Null
        New-FakeRuntime -Environment $e -Name fakert -Target python3 | Out-Null
        $command = "fakert $(ConvertTo-ShQuote $Fixture) --flag$CommandTail"
        $yaml = @"
version: 1
transport: tmux
tmux: { socketName: $($e.Socket), holderSession: _holder }
runtimes:
  fakert: { command: $(ConvertTo-YamlScalar $command), paneCommands: [fakert] }
defaults:
  runtimeBin: $(ConvertTo-YamlScalar $e.BinDir)
agents:
$($AgentsYaml.Replace('RECORDS', (ConvertTo-YamlScalar $records)))
"@
        Set-Content -LiteralPath $e.RosterPath -Value $yaml -NoNewline
        $env:HOME = $home_
        $env:XDG_CONFIG_HOME = Join-Path $e.Directory 'cfg'
        $env:USER = 'fleetop'
        $e | Add-Member -NotePropertyMembers @{ Home = $home_; Records = $records; Config = (Join-Path $e.Directory 'cfg') } -PassThru
    }

    function script:Get-PanePath($e, $session) {
        $line = & tmux -L $e.Socket list-panes -t "=${session}:" -F '#{pane_current_command}|#{pane_current_path}' 2>$null
        $global:LASTEXITCODE = 0
        "$line"
    }
}

AfterAll {
    foreach ($k in $Saved.Keys) { if ($null -eq $Saved[$k]) { Remove-Item "env:$k" -ErrorAction Ignore } else { Set-Item "env:$k" $Saved[$k] } }
}

Describe 'A working directory and a runtime command ending in '';'' (tmux''s command separator)' {
    BeforeAll {
        $script:e = New-ReviewFleet -CommandTail ' semi;' -AgentsYaml @"
  - name: coder0
    runtime: fakert
    workingDirectory: '~/src/semi;'
    environment: { RECORD_DIR: RECORDS }
"@
        $script:semi = Join-Path $e.Home 'src/semi;'
        New-Item -ItemType Directory -Force $semi | Out-Null
        New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 0 -Stderr '' | Out-Null
        New-RecordingShim -Environment $e -Program 'loginctl' -Fail -ExitCode 0 -Stderr '' | Out-Null
        Use-ShimPath $e { Install-FleetUnit -RosterPath $e.RosterPath -NoEnable }
    }
    AfterAll { Remove-FleetTestEnvironment $e }

    It 'start via -Direct in that directory with the whole command' {
        Start-FleetAgent coder0 -Direct -RosterPath $e.RosterPath -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -BeNullOrEmpty
        Wait-Until -TimeoutSeconds 30 { @(Get-Records $e 'coder0').Count -ge 1 } | Should -BeTrue
        $r = @(Get-Records $e 'coder0')[0]
        $r.cwd | Should -BeExactly $semi
        $r.argv | Should -Be @('--flag', 'semi')
        Get-PanePath $e 'coder0' | Should -BeExactly "fakert|$semi"
        & tmux -L $e.Socket show-options -w -v -t '=coder0:' remain-on-exit | Should -Be 'on'
    }

    It 'the installed unit, resolved by systemd''s rules and run through sh and tmux, starts the same session' {
        & tmux -L $e.Socket kill-server
        $unitDir = Join-Path $e.Config 'systemd/user'
        $specs = @{ i = 'coder0'; E = $e.Config }
        $vars = Read-SystemdEnvFile (Join-Path $e.Config 'mosaic/fleet/agents/coder0.env')
        # No user manager here: the launch as a direct one (MOSAIC_LAUNCH, the units' Environment=, says which). The
        # holder's ExecStart is the server itself (tmux -D) and the agent's is its waiter: the launch is the holder's
        # ExecStartPost and the agent's ExecStartPre lines.
        $vars['MOSAIC_LAUNCH'] = 'direct'
        $lines = @(
            Get-SystemdUnitValue (Join-Path $unitDir 'mosaic-tmux-holder.service') 'ExecStartPost' | ForEach-Object { , (Resolve-SystemdExecLine $_ @{ MOSAIC_LAUNCH = 'direct' } $specs) }
            Get-SystemdUnitValue (Join-Path $unitDir 'mosaic-agent@.service') 'ExecStartPre' | ForEach-Object { , (Resolve-SystemdExecLine $_ $vars $specs) })
        $lines.Count | Should -Be 4 # holder ExecStartPost; has-session, the worktree script and the launch script (ExecStartPre)
        foreach ($argv in $lines) {
            $rest = @($argv | Select-Object -Skip 1)
            & $argv[0] @rest
            $LASTEXITCODE | Should -Be 0 -Because ($argv -join ' | ')
        }
        Wait-Until -TimeoutSeconds 30 { @(Get-Records $e 'coder0').Count -ge 2 } | Should -BeTrue
        $r = @(Get-Records $e 'coder0')
        $r[1].cwd | Should -BeExactly $semi
        $r[1].argv | Should -Be $r[0].argv
        Get-PanePath $e 'coder0' | Should -BeExactly "fakert|$semi"
    }
}

Describe 'One agent''s settings or file problem is that agent''s error; the other agents go ahead' {
    BeforeAll {
        $script:e = New-ReviewFleet -AgentsYaml @"
  - name: bad
    runtime: fakert
    environment: { RECORD_DIR: RECORDS }
  - name: good
    runtime: fakert
    environment: { RECORD_DIR: RECORDS }
"@
        New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 1 -Stderr 'Failed to connect to bus' | Out-Null
        New-RecordingShim -Environment $e -Program 'loginctl' -Fail -ExitCode 0 -Stderr '' | Out-Null
    }
    AfterAll { Remove-FleetTestEnvironment $e }

    It '-Direct: an env file that cannot be written is EnvFileWriteFailed (WriteError) for that agent, not a host read error' {
        # bad's env file path is a directory: the atomic write cannot replace it.
        New-Item -ItemType Directory -Force (Join-Path $e.Config 'mosaic/fleet/agents/bad.env') | Out-Null
        Use-ShimPath $e { Start-FleetAgent bad, good -Direct -RosterPath $e.RosterPath -ErrorVariable script:err -ErrorAction SilentlyContinue }
        $err.Count | Should -Be 1
        $err[0] | Assert-FleetError -Id EnvFileWriteFailed -Category WriteError -Target 'bad'
        $err[0].Exception.Message | Should -Match 'bad\.env'
        Wait-Until -TimeoutSeconds 30 { @(Get-Records $e 'good').Count -ge 1 } | Should -BeTrue
        & tmux -L $e.Socket has-session -t '=bad' 2>$null
        $LASTEXITCODE | Should -Not -Be 0
    }

    It 'Install-FleetUnit: an agent it cannot render is its own error (agent as target); the others are installed and enabled' {
        $roster = Join-Path $e.Directory 'reserved.yaml'
        (Get-Content -Raw $e.RosterPath).Replace("  - name: bad`n    runtime: fakert`n    environment: {", "  - name: bad`n    runtime: fakert`n    environment: { MOSAIC_PANE_COMMAND: x,") | Set-Content $roster
        Get-Content -Raw $roster | Should -Match 'MOSAIC_PANE_COMMAND'
        $cfg = Join-Path $e.Directory 'cfg-install'
        $saved = $env:XDG_CONFIG_HOME
        try {
            $env:XDG_CONFIG_HOME = $cfg
            Use-ShimPath $e { Install-FleetUnit -RosterPath $roster -ErrorVariable script:err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue }
        } finally { $env:XDG_CONFIG_HOME = $saved }
        $err.Count | Should -Be 1
        $err[0] | Assert-FleetError -Id ReservedEnvironmentName -Category InvalidData -Target 'bad'
        Join-Path $cfg 'mosaic/fleet/agents/good.env' | Should -Exist
        Join-Path $cfg 'mosaic/fleet/agents/bad.env' | Should -Not -Exist
        $calls = @(Get-RecordedCalls (Join-Path $e.Directory 'systemctl.calls') | ForEach-Object { $_ -join ' ' })
        $calls | Should -Contain '--user enable --no-reload mosaic-tmux-holder.service mosaic-agent@good.service'
        $calls | Where-Object { $_ -like '*mosaic-agent@bad.service*' } | Should -BeNullOrEmpty
    }
}

Describe 'A local tmux failure is reported with the same category by every cmdlet' {
    BeforeAll {
        $script:e = New-ReviewFleet -AgentsYaml @"
  - name: coder0
    runtime: fakert
"@
        # A tmux that fails with an error other than "no server running".
        New-RecordingShim -Environment $e -Program 'tmux' -Fail -ExitCode 1 -Stderr 'tmux: something else broke' | Out-Null
        $env:MOSAIC_TMUX = Join-Path $e.ShimDir 'tmux'
    }
    AfterAll {
        if ($null -eq $Saved.MOSAIC_TMUX) { Remove-Item env:MOSAIC_TMUX -ErrorAction Ignore } else { $env:MOSAIC_TMUX = $Saved.MOSAIC_TMUX }
        Remove-FleetTestEnvironment $e
    }

    It 'Get-FleetAgent, Start-FleetAgent and Wait-FleetAgent: TmuxQueryFailed, ResourceUnavailable (not ConnectionError), host as target' {
        $records = @(
            Get-FleetAgent -RosterPath $e.RosterPath -ErrorVariable a -ErrorAction SilentlyContinue | Out-Null; $a
            Start-FleetAgent coder0 -Direct -RosterPath $e.RosterPath -ErrorVariable b -ErrorAction SilentlyContinue | Out-Null; $b
            Wait-FleetAgent coder0 -TimeoutSeconds 1 -RosterPath $e.RosterPath -ErrorVariable c -ErrorAction SilentlyContinue | Out-Null; $c | Where-Object { $_.FullyQualifiedErrorId -like 'TmuxQueryFailed*' })
        $records.Count | Should -Be 3
        foreach ($r in $records) {
            $r | Assert-FleetError -Id TmuxQueryFailed
            $r.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $r.TargetObject | Should -Be 'local'
            $r.Exception.Message | Should -Match 'something else broke'
        }
    }
}

Describe 'Initialize-Fleet and Install-FleetUnit under -WhatIf, and without tmux' {
    BeforeAll {
        $script:e = New-ReviewFleet -AgentsYaml @"
  - name: coder0
    runtime: fakert
    environment: { RECORD_DIR: RECORDS }
  - name: coder1
    runtime: fakert
"@
        $script:sysLog = New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 0 -Stderr ''
        $script:loginLog = New-RecordingShim -Environment $e -Program 'loginctl' -Fail -ExitCode 0 -Stderr ''
        # An npm whose prefix has a bin directory: a real run asks it (and puts <prefix>/bin on the pane's PATH).
        $script:npmPrefix = Join-Path $e.Directory 'npm-prefix'
        New-Item -ItemType Directory -Force (Join-Path $npmPrefix 'bin') | Out-Null
        $script:npmLog = New-RecordingShim -Environment $e -Program 'npm' -Fail -ExitCode 0 -Stderr '' -Stdout $npmPrefix
        $script:childEnv = { param($cfg) @{ XDG_CONFIG_HOME = $cfg; HOME = $e.Home; PATH = "$($e.ShimDir):$env:PATH"; USER = 'fleetop'; MOSAIC_NPM = '' } }
    }
    AfterAll { Remove-FleetTestEnvironment $e }

    It 'Initialize-Fleet -WhatIf shows the roster write, every unit and env file, reload, enable and linger, and writes and runs nothing' {
        $fresh = Join-Path $e.Directory 'cfg-whatif'
        $starter = Join-Path $e.Directory 'new/roster.yaml'
        # A new roster (the starter: no agents), then the existing roster with two agents.
        $r1 = Invoke-ChildPwsh -Command "Import-Module `$env:MOSAIC_FLEET_MODULE; Initialize-Fleet -RosterPath '$starter' -WhatIf" -Environment (& $childEnv $fresh)
        $r2 = Invoke-ChildPwsh -Command "Import-Module `$env:MOSAIC_FLEET_MODULE; Initialize-Fleet -RosterPath '$($e.RosterPath)' -WhatIf -WarningAction SilentlyContinue" -Environment (& $childEnv $fresh)
        $r1.Stderr | Should -BeNullOrEmpty
        $r2.Stderr | Should -BeNullOrEmpty
        $units = [regex]::Escape((Join-Path $fresh 'systemd/user'))
        $envDir = [regex]::Escape((Join-Path $fresh 'mosaic/fleet/agents'))
        $r1.Stdout | Should -Match "What if: Performing the operation ""Create a starter roster"" on target ""$([regex]::Escape($starter))"""
        foreach ($out in $r1.Stdout, $r2.Stdout) {
            $out | Should -Match "What if: Performing the operation ""Write HolderUnit"" on target ""$units/mosaic-tmux-holder\.service"""
            $out | Should -Match "What if: Performing the operation ""Write AgentUnit"" on target ""$units/mosaic-agent@\.service"""
            $out | Should -Match 'What if: .*Reload \(.*systemctl --user daemon-reload\)'
            $out | Should -Match 'What if: .*Enable \(.*systemctl --user enable --no-reload mosaic-tmux-holder\.service[ )]'
            $out | Should -Match 'What if: .*Enable linger \(.*loginctl enable-linger fleetop\)'
        }
        foreach ($agent in 'coder0', 'coder1') {
            $r2.Stdout | Should -Match "What if: Performing the operation ""Write EnvFile of agent $agent.*"" on target ""$envDir/$agent\.env"""
            $r2.Stdout | Should -Match "What if: .*Enable \(.*systemctl --user enable --no-reload mosaic-tmux-holder\.service .*mosaic-agent@$agent\.service[ )]"
        }
        $starter | Should -Not -Exist
        $fresh | Should -Not -Exist
        $sysLog | Should -Not -Exist
        $loginLog | Should -Not -Exist
        $npmLog | Should -Not -Exist
    }

    It 'Install-FleetUnit -WhatIf does not run npm and says the npm prefix was not probed; a real install asks npm' {
        $fresh = Join-Path $e.Directory 'cfg-whatif-npm'
        $r = Invoke-ChildPwsh -Command "Import-Module `$env:MOSAIC_FLEET_MODULE; Install-FleetUnit -RosterPath '$($e.RosterPath)' -WhatIf" -Environment (& $childEnv $fresh)
        $r.Stderr | Should -BeNullOrEmpty
        $r.Stdout | Should -Match 'What if: Performing the operation "Write EnvFile of agent coder0 \(the npm prefix was not probed[^"]*\)"'
        $npmLog | Should -Not -Exist
        $fresh | Should -Not -Exist
        # The shim is what a real run uses: it is asked, and its bin directory reaches the env file.
        $r = Invoke-ChildPwsh -Command "Import-Module `$env:MOSAIC_FLEET_MODULE; Install-FleetUnit -RosterPath '$($e.RosterPath)'" -Environment (& $childEnv $fresh)
        $r.Stderr | Should -BeNullOrEmpty
        @(Get-RecordedCalls $npmLog | ForEach-Object { $_ -join ' ' }) | Should -Contain 'config get prefix'
        Get-Content -Raw (Join-Path $fresh 'mosaic/fleet/agents/coder0.env') | Should -Match ([regex]::Escape((Join-Path $npmPrefix 'bin')))
    }

    It 'Initialize-Fleet without tmux (MOSAIC_TMUX pointing nowhere) warns that tmux was not found and installs nothing' {
        $fresh = Join-Path $e.Directory 'cfg-notmux'
        $env:XDG_CONFIG_HOME = $fresh
        $env:MOSAIC_TMUX = Join-Path $e.Directory 'no/such/tmux'
        $caught = $null
        try {
            Use-ShimPath $e { Initialize-Fleet -RosterPath $e.RosterPath -WarningVariable script:w -WarningAction SilentlyContinue } | Out-Null
        } catch { $caught = $_ } finally {
            if ($null -eq $Saved.MOSAIC_TMUX) { Remove-Item env:MOSAIC_TMUX -ErrorAction Ignore } else { $env:MOSAIC_TMUX = $Saved.MOSAIC_TMUX }
            $env:XDG_CONFIG_HOME = $e.Config
        }
        @($w | Where-Object { "$_" -match "tmux \('$([regex]::Escape((Join-Path $e.Directory 'no/such/tmux')))'\) was not found on PATH .*Install tmux" }).Count | Should -Be 1
        $caught | Assert-FleetError -Id TmuxNotFound
        Join-Path $fresh 'systemd/user/mosaic-agent@.service' | Should -Not -Exist
    }
}
