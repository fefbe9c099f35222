#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Measures MosaicFleet against a real tmux server with N = 1, 10, 100, 500 agent sessions (build.ps1 Bench).
.DESCRIPTION
    For each N, on a private tmux socket with N sessions running `sleep` (created by one tmux command from a
    generated source file), reports the median of -Repeat runs of:
      - Get-FleetAgent wall time (in this process, after one warm-up call);
      - the bare `tmux list-panes -a` it rests on (same format string), and that call paired with the
        `systemctl --user list-units --all --plain --no-legend 'mosaic-agent@*'`, run concurrently as Get-FleetAgent runs them;
      - the same Get-FleetAgent with no user manager answering (the figure beside);
      - `systemctl --user show` for the N units (what Get-FleetAgent used to call) for reference.
    Everything runs against a REAL systemd user manager started for the run (tests/fixtures/systemd, needs root; without
    one the report says so), with the N agents' units enabled and loaded.
    Then the lifecycle through that manager for -LifecycleCounts agents: Install-FleetUnit (first and second run),
    Start-FleetAgent, Get-FleetAgent with N active units, Stop-FleetAgent, Uninstall-FleetUnit, with process spawns.
      - the per-agent approach upstream used: one `tmux display-message` per agent;
      - process spawns per Get-FleetAgent call (MosaicFleet.Engine.Processes.ProcessRunner.SpawnCount).
    Then Import-Module time in fresh pwsh processes, and Send-FleetMessage with verification to 1 and to 50 agents
    when the module has that cmdlet (skipped with a note otherwise).
    Nothing here is a test: figures go to docs/benchmarks.md by hand.
.EXAMPLE
    dotnet pwsh ./build.ps1 Bench
.EXAMPLE
    pwsh -NoProfile -File bench/Invoke-Benchmark.ps1 -ModulePath out/MosaicFleet/MosaicFleet.psd1 -Counts 1,10 -Repeat 3
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    # Agent counts; "1,10" also works from pwsh -File.
    [string[]] $Counts = @('1', '10', '100', '500'),
    [int] $Repeat = 11,
    # Fewer repeats for the slow per-agent approach at large N.
    [int] $PerAgentRepeat = 3,
    [int] $SendAgents = 50,
    # Agent counts for the lifecycle through systemd (install, start, stop, uninstall).
    [string[]] $LifecycleCounts = @('1', '50', '500'),
    # Only the tables against the user manager (skips Import-Module and Send-FleetMessage).
    [switch] $ManagerOnly,
    [string] $OutFile
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
[int[]] $Counts = @($Counts -split ',' | Where-Object { $_ } | ForEach-Object { [int]$_ })
[int[]] $LifecycleCounts = @($LifecycleCounts -split ',' | Where-Object { $_ } | ForEach-Object { [int]$_ })
Import-Module $ModulePath -Force
# The test suite's real user manager (systemd --user in a cgroup subtree of its own; root only).
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/UserManagerHelpers.psm1') -Force

$id = [guid]::NewGuid().ToString('N').Substring(0, 8)
$socket = $null
$work = Join-Path ([IO.Path]::GetTempPath()) "mfbench-$id"
New-Item -ItemType Directory -Force $work | Out-Null
$report = [System.Collections.Generic.List[string]]::new()
function Say([string] $line = '') { Write-Host $line; $report.Add($line) }

function Get-Median([double[]] $values) {
    $s = @($values | Sort-Object)
    if ($s.Count -eq 0) { return [double]::NaN }
    if ($s.Count % 2) { return $s[[int][math]::Floor($s.Count / 2)] }
    ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2
}

function Measure-Ms([scriptblock] $Action) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    & $Action | Out-Null
    $sw.Elapsed.TotalMilliseconds
}

function Start-Proc([string[]] $Argv) {
    $psi = [Diagnostics.ProcessStartInfo]::new($Argv[0])
    foreach ($a in $Argv[1..($Argv.Count - 1)]) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
    $p = [Diagnostics.Process]::Start($psi)
    [pscustomobject]@{ Process = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() }
}
function Wait-Proc($h) { $h.Process.WaitForExit(); [void]$h.Out.Result; [void]$h.Err.Result; $h.Process.ExitCode }

# Engine internals, reached through the module's own load context (for the spawn counter and the list-panes format).
function Get-EngineType([string] $Name) {
    $ctx = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'MosaicFleet'
    $asm = $ctx.Assemblies | Where-Object { $_.GetName().Name -eq 'MosaicFleet.Engine' }
    $asm.GetType($Name, $true)
}
function Get-SpawnCount { (Get-EngineType 'MosaicFleet.Engine.Processes.ProcessRunner').GetProperty('SpawnCount').GetValue($null) }

$tmuxVersion = (& tmux -V)
$cpu = (Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', ''
Say "# MosaicFleet benchmark"
Say ''
Say ("- Date: {0:yyyy-MM-dd HH:mm} UTC; machine: {1} cores ({2}), {3}; pwsh {4}; .NET {5}" -f [DateTime]::UtcNow, [Environment]::ProcessorCount, $cpu, $tmuxVersion, $PSVersionTable.PSVersion, [Environment]::Version)
$load = (Get-Content /proc/loadavg) -split ' ' | Select-Object -First 3
Say "- Load average when the run started: $($load -join ', ') (the machine is shared)."
Say "- Median of $Repeat runs (per-agent approach: $PerAgentRepeat runs at N >= 100); times in milliseconds."
$manager = $null
$noManagerWhy = Get-TestUserManagerSkipReason
$realSystemctl = (Get-Command systemctl -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
$noBusDir = Join-Path $work 'no-bus'
New-Item -ItemType Directory -Force $noBusDir | Out-Null
& chmod 700 $noBusDir
if ($noManagerWhy) {
    Say "- NO user manager: $noManagerWhy. Every systemctl call fails at once; the figures are the no-manager figures only."
} else {
    $manager = Start-TestUserManager -Directory (Join-Path $work 'manager')
    $null = Enter-TestUserManager $manager
    Say ("- A real systemd user manager ({0}, in its own cgroup subtree) answers every systemctl call, unless a column says 'no manager'." -f ((& $realSystemctl --version | Select-Object -First 1) -as [string]))
}
Say ''
# The same calls with no user manager answering: the real systemctl, outside the manager's namespace, with a runtime
# directory that has no bus: it fails at once ("Failed to connect to bus"), as on a host without a user manager.
function Use-NoManager([scriptblock] $Action) {
    $saved = $env:MOSAIC_SYSTEMCTL, $env:XDG_RUNTIME_DIR
    try { $env:MOSAIC_SYSTEMCTL = $realSystemctl; $env:XDG_RUNTIME_DIR = $noBusDir; & $Action }
    finally { $env:MOSAIC_SYSTEMCTL, $env:XDG_RUNTIME_DIR = $saved }
}
function Invoke-Systemctl { $out = & ($manager ? $manager.Systemctl : $realSystemctl) --user @args 2>&1; if ($LASTEXITCODE -ne 0) { throw "systemctl --user $args failed: $out" } }
# N enabled and loaded units for the agents (a template with the agent unit's shape; nothing started).
function Set-BenchUnits([string[]] $Names) {
    if (-not $manager) { return }
    Get-ChildItem $manager.UnitDirectory -Recurse -Filter 'mosaic-*' | Remove-Item -Recurse -Force
    Set-Content (Join-Path $manager.UnitDirectory 'mosaic-agent@.service') "[Unit]`nDescription=bench agent %i`n[Service]`nType=oneshot`nRemainAfterExit=yes`nExecStart=/bin/true`n[Install]`nWantedBy=default.target`n"
    Invoke-Systemctl daemon-reload
    for ($i = 0; $i -lt $Names.Count; $i += 200) {
        $chunk = @($Names[$i..([math]::Min($i + 199, $Names.Count - 1))] | ForEach-Object { "mosaic-agent@$_.service" })
        Invoke-Systemctl enable --no-reload @chunk
    }
    Invoke-Systemctl daemon-reload
}

$sockets = [System.Collections.Generic.List[string]]::new()
function New-Fleet([int] $N, [string[]] $Command, [string] $RosterExtra) {
    # A new server on its own socket per fleet: reusing a socket right after kill-server races its shutdown.
    $script:socket = "mfbench-$id-$($sockets.Count)"
    $sockets.Add($socket)
    $names = 1..$N | ForEach-Object { 'agent{0:d4}' -f $_ }
    $src = Join-Path $work "fleet-$N.tmux"
    $quoted = ($Command | ForEach-Object { "'" + $_.Replace("'", "'\''") + "'" }) -join ' '
    Set-Content -LiteralPath $src -Value ($names | ForEach-Object { "new-session -d -s $_ -x 120 -y 30 $quoted" })
    $sw = [Diagnostics.Stopwatch]::StartNew()
    & tmux -L $socket -f /dev/null new-session -d -s _holder sleep 100000 `; source-file $src
    if ($LASTEXITCODE -ne 0) { throw "tmux could not create $N sessions" }
    $setup = $sw.Elapsed.TotalMilliseconds
    $roster = Join-Path $work "roster-$N.yaml"
    $lines = @('version: 1', "tmux: { socketName: $socket, holderSession: _holder }", 'runtimes:', $RosterExtra, 'agents:')
    $lines += $names | ForEach-Object { "  - { name: $_, runtime: bench }" }
    Set-Content -LiteralPath $roster -Value $lines
    [pscustomobject]@{ Names = $names; Roster = $roster; SetupMs = $setup }
}

$rows = [System.Collections.Generic.List[object]]::new()
try {
    $format = $null
    foreach ($n in $Counts) {
        $fleet = New-Fleet -N $n -Command @('sleep', '100000') -RosterExtra '  bench: { command: sleep 100000, paneCommands: [sleep] }'
        Write-Host ("N={0}: {1} sessions created in {2:N0} ms" -f $n, $n, $fleet.SetupMs)
        $units = $fleet.Names | ForEach-Object { "mosaic-agent@$_.service" }
        Set-BenchUnits $fleet.Names
        if ($manager) {
            $loaded = @(& $manager.Systemctl --user list-units --all --plain --no-legend 'mosaic-agent@*').Count
            if ($loaded -ne $n) { throw "the manager holds $loaded of $n agent units" }
        }
        $sysctl = if ($manager) { $manager.Systemctl } else { $realSystemctl }

        $warm = @(Get-FleetAgent -RosterPath $fleet.Roster)
        $running = @($warm | Where-Object Status -eq 'Running').Count
        if ($running -ne $n) { throw "Get-FleetAgent saw $running of $n agents running." }
        # The Engine loads on the first cmdlet call; from here its types are reachable.
        if (-not $format) { $format = (Get-EngineType 'MosaicFleet.Engine.Tmux.ListPanes').GetMethod('FormatFor').Invoke($null, @([guid]::NewGuid().ToString('N'))) }

        $before = Get-SpawnCount
        $null = Get-FleetAgent -RosterPath $fleet.Roster
        $spawns = (Get-SpawnCount) - $before

        # Interleaved (one of each per round), so a change in the shared machine's load hits all three alike.
        $get = [System.Collections.Generic.List[double]]::new(); $list = [System.Collections.Generic.List[double]]::new(); $pair = [System.Collections.Generic.List[double]]::new()
        $bare = [System.Collections.Generic.List[double]]::new(); $show = [System.Collections.Generic.List[double]]::new()
        $states = @(Get-FleetAgent -RosterPath $fleet.Roster | Group-Object ServiceState | ForEach-Object { "$($_.Name) x$($_.Count)" }) -join ', '
        foreach ($round in 1..$Repeat) {
            $get.Add((Measure-Ms { Get-FleetAgent -RosterPath $fleet.Roster }))
            $list.Add((Measure-Ms { $h = Start-Proc @('tmux', '-L', $socket, 'list-panes', '-a', '-F', $format); if ((Wait-Proc $h) -ne 0) { throw 'list-panes failed' } }))
            $pair.Add((Measure-Ms {
                $a = Start-Proc @('tmux', '-L', $socket, 'list-panes', '-a', '-F', $format)
                $b = Start-Proc @($sysctl, '--user', 'list-units', '--all', '--plain', '--no-legend', '--full', '--no-pager', '--', 'mosaic-agent@*')
                $null = Wait-Proc $a; $null = Wait-Proc $b
            }))
            $bare.Add((Use-NoManager { Measure-Ms { Get-FleetAgent -RosterPath $fleet.Roster } }))
            $show.Add((Measure-Ms { $h = Start-Proc (@($sysctl, '--user', 'show', '-p', 'Id,LoadState,ActiveState,SubState', '--') + $units); $null = Wait-Proc $h }))
        }
        $reps = if ($n -ge 100) { $PerAgentRepeat } else { $Repeat }
        $per = 1..$reps | ForEach-Object {
            Measure-Ms {
                foreach ($name in $fleet.Names) {
                    $h = Start-Proc @('tmux', '-L', $socket, 'display-message', '-p', '-t', "=${name}:", '#{pane_pid} #{pane_current_command} #{pane_dead} #{window_activity}')
                    $null = Wait-Proc $h
                }
            }
        }
        $row = [pscustomobject]@{
            N = $n; SetupMs = $fleet.SetupMs; GetFleetAgent = Get-Median $get; ListPanes = Get-Median $list; Pair = Get-Median $pair
            PerAgent = Get-Median $per; Spawns = $spawns; NoManager = Get-Median $bare; Show = Get-Median $show; States = $states
        }
        $rows.Add($row)
        & tmux -L $socket kill-server 2>$null
        Write-Host ($row | Format-List | Out-String).Trim()
    }
    & tmux -L $socket kill-server 2>$null

    Say '## Get-FleetAgent against N sessions'
    Say ''
    Say '| N | Get-FleetAgent | no manager | bare list-panes | list-panes + list-units (concurrent) | ratio to the pair | systemctl show of N units | one tmux call per agent | spawns per call | setup (one tmux command) |'
    Say '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
    foreach ($r in $rows) {
        Say ('| {0} | {1:N1} | {2:N1} | {3:N1} | {4:N1} | {5:N2}x | {6:N1} | {7:N1} | {8} | {9:N0} |' -f $r.N, $r.GetFleetAgent, $r.NoManager, $r.ListPanes, $r.Pair, ($r.GetFleetAgent / $r.Pair), $r.Show, $r.PerAgent, $r.Spawns, $r.SetupMs)
    }
    Say ''
    foreach ($r in $rows) { Say ("- N = {0}: ServiceState {1}" -f $r.N, $r.States) }
    Say ''

    if ($manager) {
        # The lifecycle through the manager: each action is one systemctl call for all units (plus one reload).
        Say '## Lifecycle through the user manager'
        Say ''
        Say '| N | Install-FleetUnit (first) | Install-FleetUnit (again) | Start-FleetAgent | Get-FleetAgent (N active) | list-panes + list-units | Stop-FleetAgent | Uninstall-FleetUnit | spawns: install / again / start / stop / uninstall |'
        Say '|---:|---:|---:|---:|---:|---:|---:|---:|---|'
        foreach ($n in $LifecycleCounts) {
            Get-ChildItem $manager.UnitDirectory -Recurse -Filter 'mosaic-*' | Remove-Item -Recurse -Force
            Invoke-Systemctl daemon-reload
            $lsock = "mfbench-$id-l$n"
            $sockets.Add($lsock)
            $names = 1..$n | ForEach-Object { 'agent{0:d4}' -f $_ }
            $lroster = Join-Path $work "lifecycle-$n.yaml"
            $lines = @('version: 1', "tmux: { socketName: $lsock, holderSession: _holder }", 'runtimes:', '  bench: { command: sleep 100000, paneCommands: [sleep] }', 'agents:')
            $lines += $names | ForEach-Object { "  - { name: $_, runtime: bench }" }
            Set-Content -LiteralPath $lroster -Value $lines
            $env:MOSAIC_LOGINCTL = '/bin/true'   # linger needs logind; not measured
            $sp = @()
            $t = @()
            foreach ($step in @(
                    { Install-FleetUnit -RosterPath $lroster -WarningAction SilentlyContinue },
                    { Install-FleetUnit -RosterPath $lroster -WarningAction SilentlyContinue },
                    { Start-FleetAgent -All -RosterPath $lroster })) {
                $b = Get-SpawnCount; $t += Measure-Ms $step; $sp += (Get-SpawnCount) - $b
            }
            $active = @(& $manager.Systemctl --user list-units --state=active --plain --no-legend 'mosaic-agent@*').Count
            if ($active -ne $n) { throw "$active of $n agent units are active after Start-FleetAgent" }
            $lget = 1..$Repeat | ForEach-Object { Measure-Ms { Get-FleetAgent -RosterPath $lroster } }
            $lpair = 1..$Repeat | ForEach-Object { Measure-Ms {
                    $a = Start-Proc @('tmux', '-L', $lsock, 'list-panes', '-a', '-F', $format)
                    $c = Start-Proc @($manager.Systemctl, '--user', 'list-units', '--all', '--plain', '--no-legend', '--full', '--no-pager', '--', 'mosaic-agent@*')
                    $null = Wait-Proc $a; $null = Wait-Proc $c } }
            foreach ($step in @({ Stop-FleetAgent -All -RosterPath $lroster }, { Uninstall-FleetUnit -All -Force })) {
                $b = Get-SpawnCount; $t += Measure-Ms $step; $sp += (Get-SpawnCount) - $b
            }
            Remove-Item Env:MOSAIC_LOGINCTL
            & tmux -L $lsock kill-server 2>$null
            Say ('| {0} | {1:N0} | {2:N0} | {3:N0} | {4:N1} | {5:N1} | {6:N0} | {7:N0} | {8} |' -f $n, $t[0], $t[1], $t[2], (Get-Median $lget), (Get-Median $lpair), $t[3], $t[4], ($sp -join ' / '))
        }
        Say ''
    }

    if ($ManagerOnly) { return }

    # Import-Module in fresh processes.
    $pwsh = Join-Path $PSHOME 'pwsh'
    # An empty module first shows what any first Import-Module costs in a fresh pwsh (module system warm-up).
    $empty = Join-Path $work 'Empty'
    New-Item -ItemType Directory -Force $empty | Out-Null
    Set-Content (Join-Path $empty 'Empty.psm1') ''
    Set-Content (Join-Path $empty 'Empty.psd1') "@{ ModuleVersion = '1.0'; RootModule = 'Empty.psm1' }"
    $imports = [System.Collections.Generic.List[double]]::new(); $emptyFirst = [System.Collections.Generic.List[double]]::new(); $own = [System.Collections.Generic.List[double]]::new()
    foreach ($i in 1..$Repeat) {
        $out = & $pwsh -NoProfile -NonInteractive -Command "`$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$ModulePath'; `$sw.Elapsed.TotalMilliseconds"
        $imports.Add([double]($out | Select-Object -Last 1))
        $out = & $pwsh -NoProfile -NonInteractive -Command "`$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$(Join-Path $empty 'Empty.psd1')'; `$a = `$sw.Elapsed.TotalMilliseconds; `$sw.Restart(); Import-Module '$ModulePath'; '{0};{1}' -f `$a, `$sw.Elapsed.TotalMilliseconds"
        $a, $b = ($out | Select-Object -Last 1) -split ';'
        $emptyFirst.Add([double]$a); $own.Add([double]$b)
    }
    $coldRoster = Join-Path $work 'cold.yaml'
    Set-Content -LiteralPath $coldRoster -Value "version: 1`nagents:`n  - { name: a1, runtime: pi }"
    $cold = 1..$Repeat | ForEach-Object {
        $out = & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'; `$sw = [Diagnostics.Stopwatch]::StartNew(); `$null = Get-FleetRoster -RosterPath '$coldRoster'; `$sw.Elapsed.TotalMilliseconds"
        [double]($out | Select-Object -Last 1)
    }
    Say '## Import-Module'
    Say ''
    Say ('- Import-Module MosaicFleet as the first import in a fresh pwsh: median {0:N1} ms (runs: {1}).' -f (Get-Median $imports), (($imports | ForEach-Object { '{0:N0}' -f $_ }) -join ', '))
    Say ('- An empty script module as the first import in a fresh pwsh: median {0:N1} ms (what PowerShell itself costs).' -f (Get-Median $emptyFirst))
    Say ('- Import-Module MosaicFleet after that (the module''s own cost): median {0:N1} ms (runs: {1}).' -f (Get-Median $own), (($own | ForEach-Object { '{0:N0}' -f $_ }) -join ', '))
    Say ('- First cmdlet call after import (Get-FleetRoster, loads the Engine and YamlDotNet, JIT): median {0:N1} ms.' -f (Get-Median $cold))
    Say ''

    Say '## Send-FleetMessage with verification'
    Say ''
    $send = Get-Command Send-FleetMessage -Module MosaicFleet -ErrorAction Ignore
    if (-not $send) {
        Say '- Skipped: this build has no Send-FleetMessage. The section runs once the cmdlet is merged.'
    } else {
        $tui = Join-Path $PSScriptRoot 'echo-tui.py'
        $fleet = New-Fleet -N $SendAgents -Command @('python3', $tui) -RosterExtra "  bench: { command: python3 $tui, paneCommands: [python3], inputPattern: '^>(?: .*)?$' }"
        Start-Sleep -Seconds 1
        $one = $fleet.Names[0]
        $statuses = [System.Collections.Generic.List[string]]::new()
        $t1 = 1..$Repeat | ForEach-Object {
            $i = $_
            Measure-Ms { Send-FleetMessage -Message "bench one $i" -Name $one -RosterPath $fleet.Roster -ErrorAction SilentlyContinue | ForEach-Object { $statuses.Add("$($_.Status)") } }
        }
        $tn = 1..$Repeat | ForEach-Object {
            $i = $_
            Measure-Ms { Send-FleetMessage -Message "bench all $i" -Name $fleet.Names -RosterPath $fleet.Roster -ErrorAction SilentlyContinue | ForEach-Object { $statuses.Add("$($_.Status)") } }
        }
        # Process spawns of one send (every tmux process the send started), to 1 and to all agents.
        $before = Get-SpawnCount
        Send-FleetMessage -Message 'bench spawns one' -Name $one -RosterPath $fleet.Roster -ErrorAction SilentlyContinue | ForEach-Object { $statuses.Add("$($_.Status)") }
        $spawn1 = (Get-SpawnCount) - $before
        $before = Get-SpawnCount
        Send-FleetMessage -Message 'bench spawns all' -Name $fleet.Names -RosterPath $fleet.Roster -ErrorAction SilentlyContinue | ForEach-Object { $statuses.Add("$($_.Status)") }
        $spawnN = (Get-SpawnCount) - $before
        & tmux -L $socket kill-server 2>$null
        $m1 = Get-Median $t1; $mn = Get-Median $tn
        Say ('- To 1 agent: median {0:N1} ms; to {1} agents: median {2:N1} ms; ratio {3:N2}x.' -f $m1, $SendAgents, $mn, ($mn / $m1))
        Say ('- Process spawns of one send: {0} to 1 agent, {1} to {2} agents.' -f $spawn1, $spawnN, $SendAgents)
        Say ('- Statuses: ' + (($statuses | Group-Object | ForEach-Object { "$($_.Name) $($_.Count)" }) -join ', '))
    }
} finally {
    foreach ($s in $sockets) { & tmux -L $s kill-server 2>$null }
    if ($manager) { Stop-TestUserManager $manager }
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
if ($OutFile) { New-Item -ItemType Directory -Force (Split-Path $OutFile) | Out-Null; Set-Content -LiteralPath $OutFile -Value $report; Write-Host "Written: $OutFile" }
