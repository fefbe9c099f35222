#!/usr/bin/env pwsh
<#
.SYNOPSIS
    The single entry point: build, test, demo, benchmark and package MosaicFleet.
.DESCRIPTION
    Build    dotnet build MosaicFleet.sln; stages the importable module at out/MosaicFleet/.
    Test     Build, then xunit, then Pester (even if xunit failed); prints one line
             "Tests: N passed, N failed, N skipped" and exits non-zero on any failure.
    Xunit    Build, then the xunit suite only.
    Pester   Build, then the Pester suite only (results in out/test-results/).
    Demo     Build, then start a demo fleet on a private tmux socket, show it, remove it.
    Bench    Build, then bench/Invoke-Benchmark.ps1 (figures for docs/benchmarks.md).
    Package  Build, then publish out/MosaicFleet as a .nupkg into out/packages/.
    All      Build, Test, Demo.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Xunit', 'Pester', 'Demo', 'Bench', 'Package', 'All')]
    [string] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # Pester: only test files whose name matches (e.g. 'GetFleetAgent').
    [string] $Filter
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleDir = Join-Path $Out 'MosaicFleet'
$Results = Join-Path $Out 'test-results'
$Pwsh = Join-Path $PSHOME 'pwsh'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Step {
    param([string] $Name, [string] $FilePath, [string[]] $ArgumentList)
    Write-Host "==> $Name" -ForegroundColor Cyan
    Write-Host "    $FilePath $($ArgumentList -join ' ')"
    & $FilePath @ArgumentList | Out-Host
    $code = $LASTEXITCODE
    if ($code -ne 0) { Write-Host "    $Name exited with $code" -ForegroundColor Red }
    return $code
}

function Invoke-Build {
    $code = Invoke-Step 'Build' 'dotnet' @('build', (Join-Path $Root 'MosaicFleet.sln'), '-c', $Configuration, '-nologo', '-v', 'minimal')
    if ($code -ne 0) { throw "Build failed (exit $code)." }
    if (-not (Test-Path (Join-Path $ModuleDir 'MosaicFleet.psd1'))) { throw "Build did not stage $ModuleDir." }
}

function Get-FirstLine([string] $Text) {
    if (-not $Text) { return '' }
    $line = ($Text -split "`r?`n" | Where-Object { $_.Trim() } | Select-Object -First 1)
    if ($line.Length -gt 300) { $line = $line.Substring(0, 300) + '...' }
    $line
}

function Invoke-Xunit {
    New-Item -ItemType Directory -Force $Results | Out-Null
    $trx = Join-Path $Results 'xunit.trx'
    Remove-Item $trx -ErrorAction Ignore
    $code = Invoke-Step 'xunit' 'dotnet' @('test', (Join-Path $Root 'tests/MosaicFleet.Tests/MosaicFleet.Tests.csproj'),
        '-c', $Configuration, '--no-build', '-nologo', '--logger', 'trx;LogFileName=xunit.trx', '--logger', 'console;verbosity=normal',
        '--results-directory', $Results)
    $summary = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0; FailedNames = [string[]] @() }
    if (Test-Path $trx) {
        [xml] $x = Get-Content -Raw $trx
        $c = $x.TestRun.ResultSummary.Counters
        $summary.Passed = [int]$c.passed
        $summary.Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted
        $summary.Skipped = [int]$c.notExecuted
        # Named again at the very end of Test, so the tail of a CI log says which test failed and why.
        $summary.FailedNames = [string[]] @($x.TestRun.Results.UnitTestResult | Where-Object { $_.outcome -ne 'Passed' -and $_.outcome -ne 'NotExecuted' } |
            ForEach-Object { 'xunit: {0}: {1}' -f $_.testName, (Get-FirstLine "$($_.SelectSingleNode("*[local-name()='Output']/*[local-name()='ErrorInfo']/*[local-name()='Message']")?.InnerText)") })
    }
    if ($code -ne 0 -and $summary.Failed -eq 0) { $summary.Failed = 1 }   # the run itself failed
    Write-Host ("xunit: {0} passed, {1} failed, {2} skipped" -f $summary.Passed, $summary.Failed, $summary.Skipped)
    $summary
}

function Get-PesterModulePath {
    $installed = Get-Module -ListAvailable Pester |
        Where-Object { $_.Version -ge [version]'5.5' -and $_.Version -lt [version]'6.0' } |
        Sort-Object Version -Descending | Select-Object -First 1
    if ($installed) { return $installed.Path }
    $local = Join-Path $Root '.tools/pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $local)) {
        $code = Invoke-Step 'Fetch Pester 5.7.1' 'dotnet' @('restore', (Join-Path $Root 'build/PesterTools.csproj'), '--packages', (Join-Path $Root '.tools'), '-nologo')
        if ($code -ne 0 -or -not (Test-Path $local)) { throw 'Could not fetch Pester 5.7.1 from NuGet.' }
    }
    $local
}

function Invoke-PesterSuite {
    New-Item -ItemType Directory -Force $Results | Out-Null
    $summaryFile = Join-Path $Results 'pester-summary.json'
    Remove-Item $summaryFile -ErrorAction Ignore
    $pester = Get-PesterModulePath
    # A child pwsh, so this process never loads (and locks) the module's DLLs.
    $argsList = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'build/Invoke-PesterSuite.ps1'),
        '-PesterPath', $pester, '-ModulePath', (Join-Path $ModuleDir 'MosaicFleet.psd1'),
        '-TestPath', (Join-Path $Root 'tests/Pester'), '-ResultDirectory', $Results, '-SummaryPath', $summaryFile)
    if ($Filter) { $argsList += @('-Filter', $Filter) }
    $code = Invoke-Step 'Pester' $Pwsh $argsList
    $summary = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0; FailedNames = [string[]] @() }
    if (Test-Path $summaryFile) {
        $s = Get-Content -Raw $summaryFile | ConvertFrom-Json
        $summary.Passed = [int]$s.Passed; $summary.Failed = [int]$s.Failed; $summary.Skipped = [int]$s.Skipped
        if ($s.PSObject.Properties['FailedNames']) { $summary.FailedNames = [string[]] @($s.FailedNames | ForEach-Object { "Pester: $(Get-FirstLine $_)" }) }
    }
    if ($code -ne 0 -and $summary.Failed -eq 0) { $summary.Failed = 1 }
    $summary
}

function Invoke-Demo {
    $code = Invoke-Step 'Demo' $Pwsh @('-NoProfile', '-File', (Join-Path $Root 'examples/demo.ps1'), '-ModulePath', (Join-Path $ModuleDir 'MosaicFleet.psd1'))
    if ($code -ne 0) { throw "Demo failed (exit $code)." }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Xunit' {
        Invoke-Build
        $x = Invoke-Xunit
        if ($x.Failed -gt 0) { exit 1 }
    }
    'Pester' {
        Invoke-Build
        $p = Invoke-PesterSuite
        Write-Host ("Pester: {0} passed, {1} failed, {2} skipped" -f $p.Passed, $p.Failed, $p.Skipped)
        if ($p.Failed -gt 0) { exit 1 }
    }
    { $_ -in 'Test', 'All' } {
        Invoke-Build
        $x = Invoke-Xunit
        $p = Invoke-PesterSuite
        $passed = $x.Passed + $p.Passed; $failed = $x.Failed + $p.Failed; $skipped = $x.Skipped + $p.Skipped
        Write-Host ''
        foreach ($name in @($x.FailedNames) + @($p.FailedNames)) { Write-Host "FAILED $name" }
        Write-Host ("Tests: {0} passed, {1} failed, {2} skipped" -f $passed, $failed, $skipped)
        if ($failed -gt 0) { exit 1 }
        if ($Task -eq 'All') { Invoke-Demo }
    }
    'Demo' { Invoke-Build; Invoke-Demo }
    'Bench' {
        Invoke-Build
        $code = Invoke-Step 'Bench' $Pwsh @('-NoProfile', '-File', (Join-Path $Root 'bench/Invoke-Benchmark.ps1'), '-ModulePath', (Join-Path $ModuleDir 'MosaicFleet.psd1'), '-OutFile', (Join-Path $Out 'bench/benchmark.md'))
        if ($code -ne 0) { exit $code }
    }
    'Package' {
        Invoke-Build
        $code = Invoke-Step 'Package' $Pwsh @('-NoProfile', '-File', (Join-Path $Root 'build/Publish-Package.ps1'), '-ModuleDirectory', $ModuleDir, '-OutputDirectory', (Join-Path $Out 'packages'))
        if ($code -ne 0) { exit $code }
    }
}
