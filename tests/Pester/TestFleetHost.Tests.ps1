# Test-FleetHost on this machine and over ssh, against a real systemd user manager (UserManagerHelpers.psm1) and
# without one.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'UserManagerHelpers.psm1') -Force
    $script:NoManager = Get-TestUserManagerSkipReason
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UserManagerHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    $script:SavedEnv = @{}
    foreach ($k in 'HOME', 'XDG_CONFIG_HOME', 'XDG_RUNTIME_DIR', 'MOSAIC_SYSTEMCTL', 'MOSAIC_TMUX', 'PATH') { $SavedEnv[$k] = [Environment]::GetEnvironmentVariable($k) }
}

AfterAll {
    foreach ($k in $SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($k, $SavedEnv[$k]) }
}

Describe 'Test-FleetHost' -Skip:([bool]$NoManager) {
    BeforeAll {
        $script:m = Start-TestUserManager
        $null = Enter-TestUserManager $m
        $script:e = New-FleetTestEnvironment -Prefix mfh
        $script:sshd = Start-TestSshd -Environment $e -SetEnv @{
            HOME = $m.Home; XDG_CONFIG_HOME = $m.XdgConfigHome; XDG_RUNTIME_DIR = $m.XdgRuntimeDir
            PATH = "$($e.ShimDir):$($m.BinDirectory):/usr/local/bin:/usr/bin:/bin" }
        $dead = Get-FreeTcpPort
        Set-Content -LiteralPath $e.RosterPath -NoNewline -Value @"
version: 1
hosts:
  far: { ssh: root@127.0.0.1, port: $($sshd.Ports[0]), identityFile: $(ConvertTo-YamlScalar $sshd.IdentityFile), knownHostsFile: $(ConvertTo-YamlScalar $sshd.KnownHostsFile) }
  gone: { ssh: root@127.0.0.1, port: $dead, identityFile: $(ConvertTo-YamlScalar $sshd.IdentityFile), knownHostsFile: $(ConvertTo-YamlScalar $sshd.KnownHostsFile) }
agents:
  - { name: a1, runtime: pi, host: far }
"@
        # ssh's ControlMaster socket path must fit 108 bytes: a short runtime directory on this side.
        $script:shortRun = Join-Path '/tmp' ('mfh-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory $shortRun | Out-Null
        & chmod 700 $shortRun
    }
    AfterAll {
        if ($sshd) { Stop-TestSshd $sshd }
        Stop-TestUserManager $m
        Remove-FleetTestEnvironment $e
        Remove-Item -LiteralPath $shortRun -Recurse -Force -ErrorAction Ignore
    }

    It 'local, with a real user manager: it runs; tmux, systemd, git and sh are found and judged' {
        $c = Test-FleetHost
        $c | Should -BeOfType ([MosaicFleet.FleetHostCheck])
        $c.Host | Should -Be 'local'
        $c.UserManager | Should -BeIn 'running', 'degraded'
        ($c.Checks | Where-Object Name -eq 'user manager').Passed | Should -BeTrue
        $c.TmuxVersion | Should -Be "$(& tmux -V)"
        $c.SystemdVersion | Should -Be "$(& systemctl --version | Select-Object -First 1)"
        $c.Sh | Should -Be (Get-Command sh -CommandType Application | Select-Object -First 1).Source
        $c.Checks.Name | Should -Be @('tmux', 'systemd', 'user manager', 'linger', 'git', 'sh')
        $c.Linger | Should -Be (Test-Path "/var/lib/systemd/linger/$(& id -un)")
        $c.Ready | Should -Be (@($c.Checks | Where-Object { -not $_.Passed }).Count -eq 0)
        @($c.Problems).Count | Should -Be @($c.Checks | Where-Object { -not $_.Passed }).Count
    }

    It 'local, with no user manager and an old tmux: each failure says what to do' {
        $fake = Join-Path $e.BinDir 'oldtmux'
        Set-Content $fake "#!/bin/sh`necho 'tmux 2.9a'`n"
        & chmod +x $fake
        $saved = $env:MOSAIC_SYSTEMCTL, $env:XDG_RUNTIME_DIR, $env:MOSAIC_TMUX
        try {
            $env:MOSAIC_SYSTEMCTL = (Get-Command systemctl -CommandType Application | Where-Object Source -ne $m.Systemctl | Select-Object -First 1).Source
            $env:XDG_RUNTIME_DIR = $shortRun
            $env:MOSAIC_TMUX = $fake
            $c = Test-FleetHost local
        } finally { $env:MOSAIC_SYSTEMCTL, $env:XDG_RUNTIME_DIR, $env:MOSAIC_TMUX = $saved }
        $c.Ready | Should -BeFalse
        $c.UserManager | Should -Not -BeIn 'running', 'degraded'
        $c.Problems | Should -Contain ($c.Checks | Where-Object Name -eq 'tmux').Remedy
        ($c.Checks | Where-Object Name -eq 'tmux').Remedy | Should -Match 'Upgrade tmux to 3\.2 or newer \(found .tmux 2\.9a.\)'
        ($c.Checks | Where-Object Name -eq 'user manager').Remedy | Should -Match 'No systemd user manager answers'
    }

    It 'a remote host: one ssh call, the host''s own manager and programs; an unreachable host is its own error' {
        $env:XDG_RUNTIME_DIR = $shortRun
        $sshLog = New-RecordingShim -Environment $e -Program 'ssh'
        try {
            $out = Use-ShimPath $e { Test-FleetHost -All -RosterPath $e.RosterPath -ErrorVariable script:errs -ErrorAction SilentlyContinue }
        } finally { $env:XDG_RUNTIME_DIR = $m.XdgRuntimeDir; Remove-Item (Join-Path $e.ShimDir 'ssh') }
        $out.Host | Should -Be @('local', 'far')
        $far = $out[1]
        $far.UserManager | Should -BeIn 'running', 'degraded'
        $far.User | Should -Be 'root'
        $errs.Count | Should -Be 1
        $errs[0] | Assert-FleetError -Id FleetHostUnreachable -Target 'gone'
        # One ssh per remote host.
        @(Get-RecordedCalls $sshLog).Count | Should -Be 2
    }

    It 'agents from Get-FleetAgent bind by their Host; an unknown host name is HostNotFound' {
        $env:XDG_RUNTIME_DIR = $shortRun
        try {
            $out = [pscustomobject]@{ Host = 'far' }, [pscustomobject]@{ Host = 'far' } | Test-FleetHost -RosterPath $e.RosterPath
            $out.Host | Should -Be 'far'
            { Test-FleetHost nowhere -RosterPath $e.RosterPath -ErrorAction Stop } | Should -Throw -ErrorId 'HostNotFound,MosaicFleet.Cmdlets.TestFleetHostCommand'
        } finally { $env:XDG_RUNTIME_DIR = $m.XdgRuntimeDir }
    }
}
