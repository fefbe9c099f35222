BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    $script:envt = New-FleetTestEnvironment -Prefix 'mfi'
    $script:Logs = @{}
    foreach ($program in 'tmux', 'systemctl', 'loginctl', 'ssh') { $Logs[$program] = New-RecordingShim -Environment $envt -Program $program }
    $script:ShimPath = "$($envt.ShimDir):$env:PATH"
    # A roster that cannot be parsed: reading it at import would surface as an error.
    $script:BrokenRoster = Join-Path $envt.Directory 'broken.yaml'
    Set-Content -LiteralPath $BrokenRoster -Value "version: 1`nagents: [ { name: x"
    Set-FleetTestRoster -Environment $envt -Agents @(@{ name = 'coder0'; runtime = 'pi' }) | Out-Null
    $script:ImportScript = @'
$ErrorActionPreference = 'Stop'
Import-Module $env:MOSAIC_FLEET_MODULE
$null = Get-Command -Module MosaicFleet
$null = Get-Help Get-FleetAgent
'errors=' + $Error.Count
'@
}
AfterAll { Remove-FleetTestEnvironment $envt }

Describe 'Import-Module MosaicFleet costs nothing' {
    It 'runs no tmux, systemctl, loginctl or ssh and reads no roster (MOSAIC_FLEET_ROSTER names a missing file)' {
        $r = Invoke-ChildPwsh -Command $ImportScript -Environment @{ PATH = $ShimPath; MOSAIC_FLEET_ROSTER = (Join-Path $envt.Directory 'missing.yaml') }
        $r.Stderr | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        $r.Stdout | Should -Match 'errors=0'
        foreach ($program in $Logs.Keys) { @(Get-RecordedCalls $Logs[$program]).Count | Should -Be 0 -Because "$program must not run at import" }
    }

    It 'does not read the roster even when MOSAIC_FLEET_ROSTER names a broken one (which the first cmdlet then reports)' {
        $r = Invoke-ChildPwsh -Command ($ImportScript + "`ntry { Get-FleetRoster } catch { 'first call: ' + `$_.FullyQualifiedErrorId }") -Environment @{ PATH = $ShimPath; MOSAIC_FLEET_ROSTER = $BrokenRoster }
        $r.ExitCode | Should -Be 0
        $r.Stdout | Should -Match 'errors=0'
        # The same file, read by a cmdlet, is an error: so an import that read it would have been noticed.
        $r.Stdout | Should -Match 'first call: RosterSyntaxError'
    }

    It 'the shims do record: the first Get-FleetAgent runs tmux list-panes' {
        $r = Invoke-ChildPwsh -Command ($ImportScript + "`n`$null = Get-FleetAgent -RosterPath '$($envt.RosterPath)'") -Environment @{ PATH = $ShimPath }
        $r.ExitCode | Should -Be 0
        $calls = @(Get-RecordedCalls $Logs['tmux'])
        $calls.Count | Should -BeGreaterThan 0
        ($calls | ForEach-Object { $_ -join ' ' }) -match 'list-panes' | Should -Not -BeNullOrEmpty
    }
}
