<#
.SYNOPSIS
    Shows MosaicFleet at work on a demo fleet: one healthy agent, one drifted to a shell, one missing.
    Everything runs on a private tmux socket and is removed at the end, even on Ctrl+C.
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../out/MosaicFleet/MosaicFleet.psd1'))
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

$socket = "mosaic-demo-$PID"
$work = Join-Path ([IO.Path]::GetTempPath()) $socket
$repo = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
New-Item -ItemType Directory -Force (Join-Path $work 'bin'), (Join-Path $work 'run'), (Join-Path $work 'state') | Out-Null
$roster = Join-Path $work 'roster.yaml'
(Get-Content -Raw (Join-Path $PSScriptRoot 'demo-roster.yaml')).
    Replace('socketName: mosaic-demo,', "socketName: $socket,").Replace('__WORK__', $work).Replace('__REPO__', $repo) |
    Set-Content -LiteralPath $roster -NoNewline
# The stand-in runtime: a binary named pi that is python3, so the pane's command reads `pi`. The real interpreter, not a
# version manager's shim (a pyenv shim looks up a command by the name it was called with).
$python = (& python3 -c 'import sys; print(sys.executable)').Trim()
New-Item -ItemType SymbolicLink -Path (Join-Path $work 'bin/pi') -Target $python | Out-Null
# Keep the demo's locks and message log out of the operator's own.
$saved = @{ XDG_RUNTIME_DIR = $env:XDG_RUNTIME_DIR; XDG_STATE_HOME = $env:XDG_STATE_HOME }
$env:XDG_RUNTIME_DIR = Join-Path $work 'run'; & chmod 700 $env:XDG_RUNTIME_DIR
$env:XDG_STATE_HOME = Join-Path $work 'state'
$PSDefaultParameterValues['*-Fleet*:RosterPath'] = $roster

function Show([scriptblock] $Command) {
    Write-Host ''
    Write-Host "PS> $($Command.ToString().Trim())" -ForegroundColor Yellow
    & $Command | Out-String -Width 120 | Write-Host -NoNewline
}

try {
    Write-Host "Demo fleet on tmux socket '$socket' (roster: $roster)" -ForegroundColor Cyan
    Show { Start-FleetAgent coder0, coder1 -Direct -PassThru | Format-Table }
    Start-Sleep -Milliseconds 700
    Show { Get-FleetAgent | Format-Table }
    Show { Get-FleetAgent | Where-Object Drift | Format-List Name, Status, PaneCommand, DriftReason }
    Show { Test-FleetDrift }
    Show { Get-FleetAgent -ClassName worker | Where-Object { -not $_.Drift } | Send-FleetMessage 'run the tests' -Source demo | Format-Table }
    Show { (Get-FleetAgentOutput coder0 -Lines 6).Lines }
    Show { Get-FleetMessageLog | Format-Table Time, Agent, Source, Status, Message }
    Show { Stop-FleetAgent coder0, coder1 -PassThru | Format-Table }
}
finally {
    $PSDefaultParameterValues.Remove('*-Fleet*:RosterPath')
    $env:XDG_RUNTIME_DIR = $saved.XDG_RUNTIME_DIR; $env:XDG_STATE_HOME = $saved.XDG_STATE_HOME
    & tmux -L $socket kill-server 2>$null
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    Write-Host ''
    Write-Host "Removed the demo fleet (tmux socket '$socket')." -ForegroundColor Cyan
}
