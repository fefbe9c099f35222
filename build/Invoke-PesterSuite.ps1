<#
.SYNOPSIS
    Runs the Pester suite in this (child) pwsh and writes NUnit XML plus a JSON summary for build.ps1.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $TestPath,
    [Parameter(Mandatory)] [string] $ResultDirectory,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string] $Filter
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -MinimumVersion 5.5 -Force
# The tests import the module from here (out/MosaicFleet), the layout that ships.
$env:MOSAIC_FLEET_MODULE = $ModulePath
# Child pwsh processes write plain text: ANSI escapes in a failure message would make the NUnit XML export fail.
$env:NO_COLOR = '1'

$config = New-PesterConfiguration
$config.Run.Path = if ($Filter) { @(Get-ChildItem $TestPath -Filter "*$Filter*.Tests.ps1" | ForEach-Object FullName) } else { $TestPath }
if ($Filter -and $config.Run.Path.Value.Count -eq 0) {
    # A filter that names no file would otherwise "pass" with 0 tests.
    Write-Host "Pester: no test file in $TestPath matches '*$Filter*.Tests.ps1'." -ForegroundColor Red
    [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0; FailedNames = @("-Filter '$Filter' matches no test file") } | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath
    exit 1
}
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = Join-Path $ResultDirectory 'pester.xml'
try {
    $result = Invoke-Pester -Configuration $config
} catch {
    # Pester itself failed (e.g. writing the report): still leave a summary that says so.
    Write-Host "Pester failed: $_" -ForegroundColor Red
    [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath
    exit 1
}

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
$failedNames = @(
    # Whole messages: build.ps1 shows the first line of each (Get-FirstLine).
    foreach ($t in $result.Failed) { '{0}: {1}' -f $t.ExpandedPath, $(if ($t.ErrorRecord) { "$($t.ErrorRecord[0])" } else { '' }) }
    foreach ($b in @($result.FailedBlocks) + @($result.FailedContainers)) { if ($b) { '{0}: {1}' -f $b.Name, "$($b.ErrorRecord | Select-Object -First 1)" } }
)
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $failed; Skipped = $result.SkippedCount; FailedNames = $failedNames } |
    ConvertTo-Json | Set-Content -LiteralPath $SummaryPath
Write-Host ("Pester: {0} passed, {1} failed, {2} skipped ({3})" -f $result.PassedCount, $failed, $result.SkippedCount, $config.TestResult.OutputPath.Value)
if ($failed -gt 0) { exit 1 }
