<#
.SYNOPSIS
    Shows MosaicFleet at work on a demo fleet: one healthy agent, one drifted to a shell, one missing.
    Starts everything on a private tmux socket and removes it all at the end, even on Ctrl+C.
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../out/MosaicFleet/MosaicFleet.psd1'))
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

$socket = "mosaic-demo-$PID"
$work = Join-Path ([IO.Path]::GetTempPath()) $socket
$bin = Join-Path $work 'bin'
New-Item -ItemType Directory -Force $bin | Out-Null
$roster = Join-Path $work 'roster.yaml'
(Get-Content -Raw (Join-Path $PSScriptRoot 'demo-roster.yaml')).Replace('socketName: mosaic-demo,', "socketName: $socket,") |
    Set-Content -LiteralPath $roster -NoNewline

function Show([string] $Title, [scriptblock] $Command) {
    Write-Host ''
    Write-Host "PS> $($Command.ToString().Trim())" -ForegroundColor Yellow
    & $Command | Out-String -Width 120 | Write-Host -NoNewline
}

try {
    # Stand-ins: a binary named `pi` (a symlink to sleep), and a bare shell where pi should be.
    $pi = Join-Path $bin 'pi'
    New-Item -ItemType SymbolicLink -Path $pi -Target (Get-Command sleep -CommandType Application)[0].Source | Out-Null
    & tmux -L $socket new-session -d -s coder0 -x 160 -y 40 -c $work -- $pi infinity
    & tmux -L $socket new-session -d -s coder1 -x 160 -y 40 -c $work -- sh -c 'exec bash --norc --noprofile -i'
    Start-Sleep -Milliseconds 500

    Write-Host "Demo fleet on tmux socket '$socket' (roster: $roster)" -ForegroundColor Cyan
    Show 'The fleet' { Get-FleetAgent -RosterPath $roster | Format-Table }
    Show 'What drifted' { Get-FleetAgent -RosterPath $roster | Where-Object Drift | Format-List Name, Status, PaneCommand, DriftReason }
    Show 'Drift check' { Test-FleetDrift -RosterPath $roster }
    Show 'Scripted check' { if (Test-FleetDrift -Quiet -RosterPath $roster) { 'at least one agent drifted' } }
    Show 'One agent' { Get-FleetAgent coder0 -RosterPath $roster | Format-List Name, Runtime, Status, PaneId, PanePid, PaneCommand, Model, Effort, Host, Tenant, Socket }
}
finally {
    & tmux -L $socket kill-server 2>$null
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    Write-Host ''
    Write-Host "Removed the demo fleet (tmux socket '$socket')." -ForegroundColor Cyan
}
