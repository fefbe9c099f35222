# The Pester side of the real user manager fixture (UserManagerHelpers.psm1): real, confined, and gone after Stop.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'UserManagerHelpers.psm1') -Force
    $script:NoManager = Get-TestUserManagerSkipReason
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'UserManagerHelpers.psm1') -Force
}

Describe 'Start-TestUserManager' -Skip:([bool]$NoManager) {
    BeforeAll { $script:m = Start-TestUserManager }
    AfterAll { Stop-TestUserManager $m }

    It 'runs a unit whose process lives in the unit''s cgroup inside the subtree, with its own directories' {
        Set-Content -LiteralPath (Join-Path $m.UnitDirectory 'mft-smoke.service') -Value "[Service]`nExecStart=/bin/sleep 300`n"
        Invoke-TestSystemctl $m daemon-reload
        Invoke-TestSystemctl $m start mft-smoke.service
        $LASTEXITCODE | Should -Be 0
        $mainPid = [int] "$(Invoke-TestSystemctl $m show -p MainPID --value mft-smoke.service)"
        $mainPid | Should -BeGreaterThan 0
        Get-ProcessCgroup $mainPid | Should -BeExactly "$($m.CgroupPath)/app.slice/mft-smoke.service"
        Get-TestUnitCgroup $m mft-smoke.service | Should -BeExactly (Get-ProcessCgroup $mainPid)
        Get-ProcessCgroup $PID | Should -Not -BeLike '*mosaic-test-systemd-*'
        (Get-Item $m.XdgRuntimeDir).UnixMode | Should -Be 'drwx------'
        $m.Environment.PATH | Should -BeLike "$($m.BinDirectory):*"
        Get-Command systemctl -CommandType Application | Select-Object -First 1 -ExpandProperty Source | Should -Not -Be $m.Systemctl
    }

    It 'Environment reaches the manager through plain `systemctl` on PATH (the wrapper pins the runtime dir)' {
        $saved = Enter-TestUserManager $m
        try {
            $env:XDG_RUNTIME_DIR = '/nonexistent'
            "$(& systemctl --user is-active mft-smoke.service)" | Should -Be 'active'
        } finally { Exit-TestUserManager $saved }
        $env:PATH | Should -Not -BeLike "$($m.BinDirectory)*"
    }

    It 'Stop-TestUserManager ends the units and removes the subtree' {
        $own = Start-TestUserManager
        try {
            Set-Content -LiteralPath (Join-Path $own.UnitDirectory 'mft-x.service') -Value "[Service]`nExecStart=/bin/sleep 300`n"
            Invoke-TestSystemctl $own daemon-reload
            Invoke-TestSystemctl $own start mft-x.service
            $mainPid = [int] "$(Invoke-TestSystemctl $own show -p MainPID --value mft-x.service)"
            $mainPid | Should -BeGreaterThan 0
        } finally { Stop-TestUserManager $own }
        Test-Path -LiteralPath $own.CgroupDirectory | Should -BeFalse
        Test-Path -LiteralPath $own.Directory | Should -BeFalse
        Get-ProcessCgroup $mainPid | Should -BeNullOrEmpty
    }
}
