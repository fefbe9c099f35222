# A git worktree per agent: Start-FleetAgent makes or reuses it, Get-FleetWorktree / Get-FleetAgent -Worktree read it,
# Remove-FleetWorktree removes it. Real git repositories (paths with spaces), real tmux on a private socket, and a
# repository on "another host" through the test sshd (its sessions have their own HOME and XDG_DATA_HOME).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    $script:Saved = @{ HOME = $env:HOME; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME; XDG_DATA_HOME = $env:XDG_DATA_HOME; XDG_RUNTIME_DIR = $env:XDG_RUNTIME_DIR; USER = $env:USER }

    function script:Invoke-Git([string] $Dir, [string[]] $Arguments) {
        $out = & git -C $Dir -c user.name=Test -c user.email=t@example.org @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "git $Arguments failed: $out" }
        $global:LASTEXITCODE = 0
        "$out".Trim()
    }

    function script:New-Repo([string] $Path) {
        New-Item -ItemType Directory -Force $Path | Out-Null
        Invoke-Git $Path 'init', '-q', '-b', 'main' | Out-Null
        Set-Content -LiteralPath (Join-Path $Path 'README') -Value 'hello'
        Invoke-Git $Path 'add', 'README' | Out-Null
        Invoke-Git $Path 'commit', '-q', '-m', 'first' | Out-Null
    }

    function script:Get-PanePath($socket, $session) {
        $p = & tmux -u -L $socket display-message -p -t "=${session}:" '#{pane_current_path}' 2>$null
        $global:LASTEXITCODE = 0
        $p
    }
}

AfterAll {
    foreach ($k in $Saved.Keys) { if ($null -eq $Saved[$k]) { Remove-Item "env:$k" -ErrorAction Ignore } else { Set-Item "env:$k" $Saved[$k] } }
}

Describe 'Worktrees of local agents' {
    BeforeAll {
        $script:e = New-FleetTestEnvironment -Prefix mfw
        $d = $e.Directory
        $env:HOME = Join-Path $d 'home'
        $env:XDG_CONFIG_HOME = Join-Path $d 'cfg'
        $env:XDG_DATA_HOME = Join-Path $d 'data home'
        $env:USER = 'fleetop'
        New-Item -ItemType Directory -Force $env:HOME | Out-Null
        $script:repo = Join-Path $d "the repo's dir"
        New-Repo $repo
        Invoke-Git $repo 'branch', 'taken' | Out-Null
        $script:taken = Join-Path $d 'taken tree'
        Invoke-Git $repo 'worktree', 'add', '-q', $taken, 'taken' | Out-Null
        New-FakeRuntime -Environment $e -Name sleeper -Target sleep | Out-Null
        $script:explicit = Join-Path $d 'trees/coder one'
        $yaml = @"
version: 1
tenant: acme
tmux: { socketName: $($e.Socket), holderSession: _holder }
defaults:
  workingDirectory: /somewhere/not/used
  worktree: { repository: $(ConvertTo-YamlScalar $repo) }
runtimes:
  sleeper: { command: sleeper 600, paneCommands: [sleeper] }
agents:
  - { name: coder0, runtime: sleeper, runtimeBin: $(ConvertTo-YamlScalar $e.BinDir) }
  - name: coder1
    runtime: sleeper
    runtimeBin: $(ConvertTo-YamlScalar $e.BinDir)
    worktree: { path: $(ConvertTo-YamlScalar $explicit) }
  - { name: clash, runtime: sleeper, runtimeBin: $(ConvertTo-YamlScalar $e.BinDir), worktree: { branch: taken } }
  - { name: plain, runtime: sleeper, runtimeBin: $(ConvertTo-YamlScalar $e.BinDir), workingDirectory: $(ConvertTo-YamlScalar $d), worktree: null }
"@
        Set-Content -LiteralPath $e.RosterPath -Value $yaml -NoNewline
        $script:default0 = Join-Path $env:XDG_DATA_HOME 'mosaic/fleet/worktrees/acme/coder0'
        Set-Content -LiteralPath (Join-Path $repo 'README') -Value 'the operator''s own edit'
        $script:repoHead = Invoke-Git $repo 'rev-parse', 'HEAD'
        $script:started = Start-FleetAgent coder0, coder1, clash, plain -Direct -RosterPath $e.RosterPath -PassThru -ErrorVariable script:startErrs -ErrorAction SilentlyContinue
    }
    AfterAll { Remove-FleetTestEnvironment $e }

    It 'starts each agent in its own new worktree on fleet/<tenant>/<agent>' {
        ($started | Where-Object Name -eq coder0).Status | Should -Be 'Running'
        Invoke-Git $default0 'symbolic-ref', '--short', 'HEAD' | Should -Be 'fleet/acme/coder0'
        Invoke-Git $explicit 'symbolic-ref', '--short', 'HEAD' | Should -Be 'fleet/acme/coder1'
        Get-PanePath $e.Socket coder0 | Should -BeExactly $default0
        Get-PanePath $e.Socket coder1 | Should -BeExactly $explicit
        (Get-FleetAgent coder0 -RosterPath $e.RosterPath).WorkingDirectory | Should -BeExactly $default0
        Invoke-Git $repo 'config', 'branch.fleet/acme/coder0.mosaicBase' | Should -Be 'refs/heads/main'
    }

    It 'a branch checked out elsewhere fails that agent only, with a clear error' {
        $err = @($startErrs | Where-Object { $_.FullyQualifiedErrorId -like 'WorktreeBranchInUse*' })
        $err.Count | Should -Be 1
        $err[0].TargetObject | Should -Be 'clash'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        "$($err[0])" | Should -BeLike "*branch taken is already checked out at $taken*"
        ($started | Where-Object Name -eq plain).Status | Should -Be 'Running'
        Get-PanePath $e.Socket plain | Should -BeExactly $e.Directory
        @($started.Name) | Should -Not -Contain 'clash'
        Get-PanePath $e.Socket clash | Should -BeNullOrEmpty
    }

    It 'never touches the repository''s own checkout' {
        Invoke-Git $repo 'symbolic-ref', '--short', 'HEAD' | Should -Be 'main'
        Invoke-Git $repo 'rev-parse', 'HEAD' | Should -Be $repoHead
        Get-Content -LiteralPath (Join-Path $repo 'README') | Should -Be 'the operator''s own edit'
    }

    It 'Get-FleetWorktree reports branch, ahead, behind, changes and the last commit' {
        Invoke-Git $explicit 'commit', '-q', '--allow-empty', '-m', 'coder1 did this' | Out-Null
        Set-Content -LiteralPath (Join-Path $explicit 'README') -Value 'changed'
        Set-Content -LiteralPath (Join-Path $explicit 'new file') -Value 'x'
        $w = @(Get-FleetWorktree -RosterPath $e.RosterPath)
        $w.Agent | Should -Be @('coder0', 'coder1', 'clash')
        $c1 = $w | Where-Object Agent -eq coder1
        $c1 | Should -BeOfType MosaicFleet.FleetWorktree
        $c1.State | Should -Be 'Present'
        $c1.Path | Should -BeExactly $explicit
        $c1.Branch | Should -Be 'fleet/acme/coder1'
        $c1.Base | Should -Be 'main'
        $c1.Ahead | Should -Be 1
        $c1.Behind | Should -Be 0
        $c1.Uncommitted | Should -Be 1
        $c1.Untracked | Should -Be 1
        $c1.Subject | Should -Be 'coder1 did this'
        ($w | Where-Object Agent -eq clash).State | Should -Be 'Missing'
        # 80 columns.
        ($w | Format-Table | Out-String -Width 80).Split("`n") | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }

    It 'Get-FleetAgent -Worktree adds Branch and Uncommitted' {
        $a = Get-FleetAgent coder1, plain -Worktree -RosterPath $e.RosterPath
        ($a | Where-Object Name -eq coder1).Branch | Should -Be 'fleet/acme/coder1'
        ($a | Where-Object Name -eq coder1).Uncommitted | Should -Be 1
        ($a | Where-Object Name -eq plain).Branch | Should -BeNullOrEmpty
        ($a | Out-String -Width 80) | Should -Match 'fleet/acme/coder1'
    }

    It 'a named agent without a worktree is an error for that name' {
        Get-FleetWorktree plain -RosterPath $e.RosterPath -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0] | Assert-FleetError -Id AgentHasNoWorktree
        $errs[0].TargetObject | Should -Be 'plain'
    }

    It 'Remove-FleetWorktree without names or -All refuses to guess' {
        { Remove-FleetWorktree -RosterPath $e.RosterPath -ErrorAction Stop } | Should -Throw -ErrorId 'AgentNameRequired*'
        Test-Path -LiteralPath $default0 | Should -BeTrue
    }

    It 'Remove-FleetWorktree refuses a running agent' {
        Remove-FleetWorktree coder0 -RosterPath $e.RosterPath -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0] | Assert-FleetError -Id WorktreeAgentRunning
        Test-Path -LiteralPath $default0 | Should -BeTrue
    }

    It 'a restart reuses the worktree as it is' {
        Set-Content -LiteralPath (Join-Path $default0 'unfinished') -Value 'work in progress'
        $v = Restart-FleetAgent coder0 -Direct -RosterPath $e.RosterPath -Verbose 4>&1
        @($v | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain "Worktree of coder0: reused $default0 (branch fleet/acme/coder0)"
        Get-Content -LiteralPath (Join-Path $default0 'unfinished') | Should -Be 'work in progress'
    }

    It 'Remove-FleetWorktree of a stopped agent refuses changes, -WhatIf removes nothing, -Force removes it and keeps the branch' {
        Stop-FleetAgent coder1 -Direct -RosterPath $e.RosterPath
        $tip = Invoke-Git $explicit 'rev-parse', 'HEAD'
        Remove-FleetWorktree coder1 -RosterPath $e.RosterPath -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0] | Assert-FleetError -Id WorktreeHasChanges
        "$($errs[0])" | Should -BeLike '*1 uncommitted and 1 untracked*'
        Remove-FleetWorktree coder1 -Force -WhatIf -RosterPath $e.RosterPath
        Test-Path -LiteralPath (Join-Path $explicit 'new file') | Should -BeTrue
        $out = Get-FleetWorktree coder1 -RosterPath $e.RosterPath | Remove-FleetWorktree -Force -PassThru -Confirm:$false -RosterPath $e.RosterPath
        $out.State | Should -Be 'Missing'
        Test-Path -LiteralPath $explicit | Should -BeFalse
        Invoke-Git $repo 'rev-parse', 'refs/heads/fleet/acme/coder1' | Should -Be $tip
    }

    It 'the next start makes it again on the kept branch' {
        Start-FleetAgent coder1 -Direct -RosterPath $e.RosterPath
        Invoke-Git $explicit 'log', '-1', '--format=%s' | Should -Be 'coder1 did this'
    }
}

Describe 'Worktrees on a remote host over ssh' {
    BeforeAll {
        $script:e = New-FleetTestEnvironment -Prefix mfr
        $d = $e.Directory
        $script:rHome = Join-Path $d 'rhome'
        $script:rData = Join-Path $d 'rdata'
        New-Item -ItemType Directory -Force $rHome, (Join-Path $d 'lhome'), (Join-Path $d 'run') | Out-Null
        $env:HOME = Join-Path $d 'lhome'
        $env:XDG_CONFIG_HOME = Join-Path $d 'lcfg'
        $env:XDG_DATA_HOME = Join-Path $d 'ldata'
        $env:XDG_RUNTIME_DIR = Join-Path $d 'run'
        & chmod 700 $env:XDG_RUNTIME_DIR
        # The repository exists only under the remote HOME, in a folder with spaces.
        $script:repo = Join-Path $rHome 'src/far repo'
        New-Repo $repo
        New-FakeRuntime -Environment $e -Name sleeper -Target sleep | Out-Null
        $script:sysLog = New-RecordingShim -Environment $e -Program 'systemctl' -Fail -ExitCode 1 -Stderr 'Failed to connect to bus'
        $script:sshd = Start-TestSshd -Environment $e -SetEnv @{
            HOME = $rHome; XDG_DATA_HOME = $rData; XDG_CONFIG_HOME = (Join-Path $d 'rcfg'); MOSAIC_RUNTIME_BIN = $e.BinDir; PATH = "$($e.ShimDir):/usr/local/bin:/usr/bin:/bin" }
        $script:sock = "$($e.Socket)-r"
        $e.Sockets.Add($sock)
        $yaml = @"
version: 1
tmux: { socketName: $($e.Socket), holderSession: _holder }
hosts:
  far: { ssh: root@127.0.0.1, port: $($sshd.Ports[0]), identityFile: $(ConvertTo-YamlScalar $sshd.IdentityFile), knownHostsFile: $(ConvertTo-YamlScalar $sshd.KnownHostsFile), tmux: { socketName: $sock } }
runtimes:
  sleeper: { command: sleeper 600, paneCommands: [sleeper] }
agents:
  - { name: far0, runtime: sleeper, host: far, worktree: { repository: '~/src/far repo' } }
  - { name: far1, runtime: sleeper, host: far, worktree: { repository: '~/src/far repo', path: 'trees/far one' } }
  - { name: gone, runtime: sleeper, host: far, worktree: { repository: '~/no such repo' } }
"@
        Set-Content -LiteralPath $e.RosterPath -Value $yaml -NoNewline
        $script:far0 = Join-Path $rData 'mosaic/fleet/worktrees/local/far0'
        $script:far1 = Join-Path $rHome 'trees/far one'
        $script:started = Start-FleetAgent far0, far1, gone -Direct -RosterPath $e.RosterPath -PassThru -ErrorVariable script:startErrs -ErrorAction SilentlyContinue
    }
    AfterAll {
        if ($sshd) { Stop-TestSshd $sshd }
        Remove-FleetTestEnvironment $e
    }

    It 'makes the worktrees on the host, under its HOME and XDG_DATA_HOME, and starts the agents in them' {
        @($started | Where-Object Status -eq Running).Name | Should -Be @('far0', 'far1')
        Invoke-Git $far0 'symbolic-ref', '--short', 'HEAD' | Should -Be 'fleet/local/far0'
        Invoke-Git $far1 'symbolic-ref', '--short', 'HEAD' | Should -Be 'fleet/local/far1'
        Get-PanePath $sock far0 | Should -BeExactly $far0
        Get-PanePath $sock far1 | Should -BeExactly $far1
        Test-Path -LiteralPath (Join-Path $env:XDG_DATA_HOME 'mosaic') | Should -BeFalse
    }

    It 'a repository that is gone on the host is that agent''s error only' {
        $err = @($startErrs | Where-Object { $_.FullyQualifiedErrorId -like 'WorktreeRepositoryNotFound*' })
        $err.Count | Should -Be 1
        $err[0].TargetObject | Should -Be 'gone'
        "$($err[0])" | Should -BeLike "*no git repository at $rHome/no such repo*"
    }

    It 'Get-FleetWorktree reads the host''s worktrees there' {
        Invoke-Git $far1 'commit', '-q', '--allow-empty', '-m', 'remote work' | Out-Null
        $w = @(Get-FleetWorktree -RosterPath $e.RosterPath)
        $w.Agent | Should -Be @('far0', 'far1', 'gone')
        ($w | Where-Object Agent -eq far1).Ahead | Should -Be 1
        ($w | Where-Object Agent -eq far1).Path | Should -BeExactly $far1
        ($w | Where-Object Agent -eq far0).Path | Should -BeExactly $far0
        ($w | Where-Object Agent -eq gone).State | Should -Be 'RepositoryMissing'
        $w.Host | Select-Object -Unique | Should -Be 'far'
    }

    It 'Remove-FleetWorktree removes a stopped remote agent''s worktree and keeps its branch' {
        Stop-FleetAgent far1 -Direct -RosterPath $e.RosterPath
        Remove-FleetWorktree far1 -Confirm:$false -RosterPath $e.RosterPath
        Test-Path -LiteralPath $far1 | Should -BeFalse
        Invoke-Git $repo 'log', '-1', '--format=%s', 'fleet/local/far1' | Should -Be 'remote work'
    }
}
