#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Verified sends to real Claude Code panes (issue 13): 10 at once against one, and the cost of reading the cursor.
.DESCRIPTION
    Starts -Agents real Claude Code TUIs (.tools/claude, see .ci/run) on a private tmux socket, offline against
    tests/fixtures/fake_model.py (answers at once), each in a private HOME whose .claude.json has onboarding done, the
    folder trusted and the API key approved, so no dialog shows. Then, -Repeat rounds of:
      - Send-FleetMessage (verified) to ONE agent, then to ALL of them; after each send every agent is waited Idle;
      - the floor of one send in the same round: the bare tmux calls that type and submit a message with no
        verification (load-buffer from stdin, paste-buffer, send-keys Enter) into one pane;
    and where the CPU goes during each send: the Claude processes (each pane's process tree), the tmux server, and
    this process with the tmux clients it started; and the runtime's own floor for the fan-out, no Send-FleetMessage at
    all: bare tmux calls paste into 1 and into all panes (one call), an observer captures them every 20 ms until every
    draft shows, waits the 100 ms the sender leaves before its submit key, sends Enter to all (one call) and captures
    every 20 ms until the text has left every input box (the `❯` line);
    and the cost of the cursor read: one `capture-pane -p` call against one call of `capture-pane -p` plus the
    display-message line the probe reads (marker, pane_dead, cursor_x, cursor_y), on a Claude pane; and the pure
    input-area rule on a captured Claude screen, with and without the cursor. The same sends go to as many
    bench/echo-tui.py panes in the same rounds: the fan-out's cost when the TUIs cost no CPU.
    Nothing here is a test: figures go to docs/benchmarks.md by hand.
.EXAMPLE
    pwsh -NoProfile -File bench/Invoke-RuntimeBenchmark.ps1 -ModulePath out/MosaicFleet/MosaicFleet.psd1
.EXAMPLE
    pwsh -NoProfile -File bench/Invoke-RuntimeBenchmark.ps1 -ModulePath out/MosaicFleet/MosaicFleet.psd1 -Agents 4 -Repeat 3
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Agents = 10,
    [int] $Repeat = 7,
    [int] $CaptureRepeat = 51,
    # Seconds the fake model waits before answering a turn (0: at once, so each answer is drawn while the other agents'
    # sends are still being verified; a real model takes a second or more).
    [double] $ModelDelay = 0,
    [string] $OutFile
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$claudeBin = Join-Path $root '.tools/claude/node_modules/.bin'
if (-not (Test-Path (Join-Path $claudeBin 'claude'))) { throw "Claude Code is not installed in $claudeBin (.ci/run installs it)." }
Import-Module $ModulePath -Force

$id = [guid]::NewGuid().ToString('N').Substring(0, 8)
$socket = "mfrtbench-$id"
$work = Join-Path ([IO.Path]::GetTempPath()) "mfrtbench-$id"
New-Item -ItemType Directory -Force $work | Out-Null
$report = [System.Collections.Generic.List[string]]::new()
function Say([string] $line = '') { Write-Host $line; $report.Add($line) }
function Get-Median([double[]] $values) {
    $s = @($values | Sort-Object)
    if ($s.Count % 2) { return $s[[int][math]::Floor($s.Count / 2)] }
    ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2
}
function Measure-Ms([scriptblock] $Action) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    & $Action | Out-Null
    $sw.Elapsed.TotalMilliseconds
}
function Get-EngineType([string] $Name) {
    $ctx = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'MosaicFleet'
    ($ctx.Assemblies | Where-Object { $_.GetName().Name -eq 'MosaicFleet.Engine' }).GetType($Name, $true)
}
function Get-Screen([string] $Name) { (& tmux -L $socket capture-pane -p -t "=${Name}:") -join "`n" }
# CPU time (user + system, ms) from /proc: of one process, of the children it has reaped (the tmux clients this process
# started), and of whole process trees (each pane's runtime and whatever it started).
$tick = 1000.0 / [double](& getconf CLK_TCK)
function Get-ProcStat([int] $ProcessId) {
    $st = [IO.File]::ReadAllText("/proc/$ProcessId/stat")
    $st.Substring($st.LastIndexOf(')') + 2).Split(' ')
}
function Get-OwnCpu([int] $ProcessId) { $f = Get-ProcStat $ProcessId; ([long]$f[11] + [long]$f[12]) * $tick }
function Get-ChildCpu([int] $ProcessId) { $f = Get-ProcStat $ProcessId; ([long]$f[13] + [long]$f[14]) * $tick }
function Get-TreeCpu([int[]] $Roots) {
    $children = @{}; $own = @{}
    foreach ($d in [IO.Directory]::GetDirectories('/proc')) {
        $name = [IO.Path]::GetFileName($d)
        if ($name -notmatch '^\d+$') { continue }
        try { $f = Get-ProcStat ([int]$name) } catch { continue }
        $own[[int]$name] = ([long]$f[11] + [long]$f[12]) * $tick
        $children[[int]$f[1]] = @($children[[int]$f[1]]) + [int]$name
    }
    $sum = 0.0; $stack = [System.Collections.Generic.Stack[int]]::new(); foreach ($r in $Roots) { $stack.Push($r) }
    while ($stack.Count) {
        $p = $stack.Pop(); if ($own.ContainsKey($p)) { $sum += $own[$p] }
        foreach ($c in @($children[$p])) { if ($null -ne $c) { $stack.Push($c) } }
    }
    $sum
}
# One send, timed, with the CPU every party used while it ran.
function Measure-Send([scriptblock] $Action, [int[]] $RuntimePids) {
    $r0 = Get-TreeCpu $RuntimePids; $s0 = Get-OwnCpu $serverPid; $o0 = Get-OwnCpu $PID; $c0 = Get-ChildCpu $PID
    $ms = Measure-Ms $Action
    $o1 = Get-OwnCpu $PID; $c1 = Get-ChildCpu $PID; $s1 = Get-OwnCpu $serverPid; $r1 = Get-TreeCpu $RuntimePids
    [pscustomobject]@{ Ms = $ms; Runtime = $r1 - $r0; Server = $s1 - $s0; Own = $o1 - $o0; Clients = $c1 - $c0 }
}
# The runtime's floor: bare tmux, an observer every 20 ms. Returns the time from the paste to the text gone from every box.
function Measure-RuntimeFloor([string[]] $PaneIds, [string] $Text) {
    $capture = { @(& tmux -L $socket (@($PaneIds | ForEach-Object { 'capture-pane', '-p', '-t', $_, ';', 'display-message', '-p', '-t', $_, '@@end@@', ';' }) | Select-Object -SkipLast 1)) -join "`n" -split '@@end@@' | Select-Object -First $PaneIds.Count }
    $box = { param($screen) $lines = @($screen -split "`n" | Where-Object { $_ -like '❯*' }); if ($lines.Count) { $lines[-1] } else { '' } }
    $file = Join-Path $work 'floor.txt'
    [IO.File]::WriteAllText($file, $Text)
    $sw = [Diagnostics.Stopwatch]::StartNew()
    & tmux -L $socket (@('load-buffer', '-b', 'mfbenchfloor', $file, ';') + @($PaneIds | ForEach-Object { 'paste-buffer', '-p', '-b', 'mfbenchfloor', '-t', $_, ';' }) + @('delete-buffer', '-b', 'mfbenchfloor'))
    while (@(& $capture | Where-Object { -not (& $box $_).Contains($Text) }).Count -gt 0) {
        if ($sw.Elapsed.TotalSeconds -gt 30) { throw "floor: the draft did not show in every pane" }
        Start-Sleep -Milliseconds 20
    }
    Start-Sleep -Milliseconds 100
    & tmux -L $socket (@($PaneIds | ForEach-Object { 'send-keys', '-t', $_, 'Enter', ';' }) | Select-Object -SkipLast 1)
    while (@(& $capture | Where-Object { (& $box $_).Contains($Text) }).Count -gt 0) {
        if ($sw.Elapsed.TotalSeconds -gt 60) { throw "floor: the text did not leave every input box" }
        Start-Sleep -Milliseconds 20
    }
    $sw.Elapsed.TotalMilliseconds
}

$psi = [System.Diagnostics.ProcessStartInfo]::new('python3')
foreach ($a in @((Join-Path $root 'tests/fixtures/fake_model.py'), '--log', (Join-Path $work 'model.jsonl'), '--delay', "$ModelDelay")) { $psi.ArgumentList.Add($a) }
$psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
$model = [System.Diagnostics.Process]::Start($psi)
$port = [int]$model.StandardOutput.ReadLine()
$saved = @{ XDG_STATE_HOME = $env:XDG_STATE_HOME; XDG_RUNTIME_DIR = $env:XDG_RUNTIME_DIR }
try {
    $env:XDG_STATE_HOME = Join-Path $work 'state'
    $env:XDG_RUNTIME_DIR = Join-Path $work 'run'
    New-Item -ItemType Directory -Force $env:XDG_RUNTIME_DIR | Out-Null
    & chmod 700 $env:XDG_RUNTIME_DIR
    $key = 'sk-fake-mosaic-bench-0123456789'
    $names = 1..$Agents | ForEach-Object { 'claude{0:d2}' -f $_ }
    & tmux -L $socket -f /dev/null new-session -d -s _holder sleep 100000
    foreach ($n in $names) {
        $home_ = Join-Path $work "home-$n"; $dir = Join-Path $home_ 'work'
        New-Item -ItemType Directory -Force $dir | Out-Null
        # No dialog: onboarding done, this folder trusted, the key approved (Claude keeps its last 20 characters).
        @{ hasCompletedOnboarding = $true; projects = @{ $dir = @{ hasTrustDialogAccepted = $true } }
           customApiKeyResponses = @{ approved = @($key.Substring($key.Length - 20)); rejected = @() } } |
            ConvertTo-Json -Depth 5 | Set-Content (Join-Path $home_ '.claude.json')
        & tmux -L $socket new-session -d -s $n -x 120 -y 40 -c $dir -- env "HOME=$home_" "ANTHROPIC_BASE_URL=http://127.0.0.1:$port" "ANTHROPIC_API_KEY=$key" DISABLE_AUTOUPDATER=1 (Join-Path $claudeBin 'claude')
    }
    # The same number of bench/echo-tui.py panes (a prompt that costs no CPU), for the same sends in the same rounds:
    # what the fan-out costs when the TUIs themselves cost nothing.
    $tui = Join-Path $PSScriptRoot 'echo-tui.py'
    $echoNames = 1..$Agents | ForEach-Object { 'echo{0:d2}' -f $_ }
    foreach ($n in $echoNames) { & tmux -L $socket new-session -d -s $n -x 120 -y 40 -- python3 $tui }
    $roster = Join-Path $work 'roster.yaml'
    Set-Content $roster ((@('version: 1', "tmux: { socketName: $socket, holderSession: _holder }",
                "runtimes:`n  bench: { command: python3 $tui, paneCommands: [python3], inputPattern: '^>(?: .*)?$' }", 'agents:') +
            ($names | ForEach-Object { "  - { name: $_, runtime: claude }" }) + ($echoNames | ForEach-Object { "  - { name: $_, runtime: bench }" })) -join "`n")
    foreach ($n in $names) {
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        while ((Get-Screen $n) -notmatch '(?m)^❯\s*$' -or (Get-Screen $n) -match 'Enter to confirm') {
            if ([DateTime]::UtcNow -gt $deadline) { throw "$n did not show its input box:`n$(Get-Screen $n)" }
            Start-Sleep -Milliseconds 300
        }
    }
    $null = Wait-FleetAgent $names -Activity Idle -TimeoutSeconds 60 -RosterPath $roster

    $cpu = (Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', ''
    Say '# Real Claude Code panes: verified sends'
    Say ''
    Say ("- Date: {0:yyyy-MM-dd HH:mm} UTC; {1} cores ({2}); {3}; Claude Code {4}" -f [DateTime]::UtcNow, [Environment]::ProcessorCount, $cpu, (& tmux -V), ((& (Join-Path $claudeBin 'claude') --version) -split ' ')[0])
    Say "- Load average at the start: $(((Get-Content /proc/loadavg) -split ' ' | Select-Object -First 3) -join ', ') (the machine is shared)."
    Say "- $Agents agents, $Repeat rounds, medians in milliseconds; the fake model answers after $ModelDelay s."
    Say ''

    $one = [System.Collections.Generic.List[double]]::new(); $all = [System.Collections.Generic.List[double]]::new()
    $floor = [System.Collections.Generic.List[double]]::new()
    $statuses = [System.Collections.Generic.List[string]]::new()
    $perAgent = [System.Collections.Generic.List[double]]::new()
    $echoOne = [System.Collections.Generic.List[double]]::new(); $echoAll = [System.Collections.Generic.List[double]]::new()
    $echoStatuses = [System.Collections.Generic.List[string]]::new()
    $floorPane = (& tmux -L $socket display-message -p -t "=$($names[0]):" '#{pane_id}')
    $serverPid = [int](& tmux -L $socket display-message -p '#{pid}')
    $claudePanes = @(& tmux -L $socket list-panes -a -F '#{session_name} #{pane_id} #{pane_pid}' | Where-Object { $_ -like 'claude*' } | ForEach-Object { , ($_ -split ' ') })
    $claudePaneIds = @($claudePanes | ForEach-Object { $_[1] }); $claudePids = @($claudePanes | ForEach-Object { [int]$_[2] })
    $cpuOne = [System.Collections.Generic.List[object]]::new(); $cpuAll = [System.Collections.Generic.List[object]]::new()
    $floorRtOne = [System.Collections.Generic.List[double]]::new(); $floorRtAll = [System.Collections.Generic.List[double]]::new()
    $floorAll = [System.Collections.Generic.List[double]]::new()
    for ($i = 1; $i -le $Repeat; $i++) {
        $results = $null
        $m = Measure-Send { $script:results = @(Send-FleetMessage "bench one $i" -Name $names[0] -RosterPath $roster -ErrorAction SilentlyContinue) } $claudePids
        $one.Add($m.Ms); $cpuOne.Add($m)
        $results | ForEach-Object { $statuses.Add("$($_.Status)") }
        $null = $results | Wait-FleetAgent -Activity Idle -TimeoutSeconds 60 -RosterPath $roster
        $m = Measure-Send { $script:results = @(Send-FleetMessage "bench all $i" -Name $names -RosterPath $roster -ErrorAction SilentlyContinue) } $claudePids
        $all.Add($m.Ms); $cpuAll.Add($m)
        $results | ForEach-Object { $statuses.Add("$($_.Status)"); $perAgent.Add($_.ElapsedSeconds * 1000) }
        $null = $results | Wait-FleetAgent -Activity Idle -TimeoutSeconds 90 -RosterPath $roster
        # The floor: type and submit with bare tmux calls, nothing verified (one tmux process, as the send's paste list).
        $floor.Add((Measure-Ms { "bench floor $i" | & tmux -L $socket load-buffer -b mfbench - `; paste-buffer -d -p -b mfbench -t $floorPane `; send-keys -t $floorPane Enter }))
        $null = Wait-FleetAgent $names[0] -Activity Idle -TimeoutSeconds 60 -RosterPath $roster
        # The same, into every pane in one tmux process; then the runtime's own floor for 1 and for all panes.
        $floorArgv = @('load-buffer', '-b', 'mfbench', '-', ';') + @($claudePaneIds | ForEach-Object { 'paste-buffer', '-p', '-b', 'mfbench', '-t', $_, ';' }) + @($claudePaneIds | ForEach-Object { 'send-keys', '-t', $_, 'Enter', ';' }) + @('delete-buffer', '-b', 'mfbench')
        $floorAll.Add((Measure-Ms { "bench floor $i" | & tmux -L $socket $floorArgv }))
        $null = Wait-FleetAgent $names -Activity Idle -TimeoutSeconds 90 -RosterPath $roster
        $floorRtOne.Add((Measure-RuntimeFloor @($claudePaneIds[0]) "bench rt one $i"))
        $null = Wait-FleetAgent $names[0] -Activity Idle -TimeoutSeconds 60 -RosterPath $roster
        $floorRtAll.Add((Measure-RuntimeFloor $claudePaneIds "bench rt all $i"))
        $null = Wait-FleetAgent $names -Activity Idle -TimeoutSeconds 90 -RosterPath $roster
        $echoOne.Add((Measure-Ms { $script:results = @(Send-FleetMessage "bench one $i" -Name $echoNames[0] -RosterPath $roster -ErrorAction SilentlyContinue) }))
        $results | ForEach-Object { $echoStatuses.Add("$($_.Status)") }
        $echoAll.Add((Measure-Ms { $script:results = @(Send-FleetMessage "bench all $i" -Name $echoNames -RosterPath $roster -ErrorAction SilentlyContinue) }))
        $results | ForEach-Object { $echoStatuses.Add("$($_.Status)") }
    }
    $accepted = @($statuses | Where-Object { $_ -eq 'Accepted' }).Count
    Say "## Send-FleetMessage with verification ($accepted of $($statuses.Count) deliveries Accepted)"
    Say ("- To 1 agent: median {0:N1} ms (runs {1:N0} to {2:N0})." -f (Get-Median $one), ($one | Measure-Object -Minimum).Minimum, ($one | Measure-Object -Maximum).Maximum)
    Say ("- To {0} agents: median {1:N1} ms (runs {2:N0} to {3:N0}): {4:N2}x the single send." -f $Agents, (Get-Median $all), ($all | Measure-Object -Minimum).Minimum, ($all | Measure-Object -Maximum).Maximum, ((Get-Median $all) / (Get-Median $one)))
    Say ("- Each delivery of the {0}-agent sends on its own (its result's ElapsedSeconds): median {1:N1} ms, slowest {2:N0} ms." -f $Agents, (Get-Median $perAgent), ($perAgent | Measure-Object -Maximum).Maximum)
    Say ("- Floor (same rounds): bare load-buffer + paste-buffer + send-keys into one pane, one tmux process: median {0:N1} ms; into all {1} panes, one tmux process: median {2:N1} ms." -f (Get-Median $floor), $Agents, (Get-Median $floorAll))
    Say ("- The runtime's own floor (same rounds; bare tmux, observer every 20 ms, from the paste until the text left every input box): 1 pane {0:N1} ms, {1} panes {2:N1} ms: {3:N2}x." -f (Get-Median $floorRtOne), $Agents, (Get-Median $floorRtAll), ((Get-Median $floorRtAll) / (Get-Median $floorRtOne)))
    foreach ($c in @(@('1 agent', $cpuOne), @("$Agents agents", $cpuAll))) {
        $rows = $c[1]
        Say ("- CPU while the send to {0} ran (medians, ms): Claude processes {1:N0}, tmux server {2:N0}, this process {3:N0} + its tmux clients {4:N0}; wall {5:N0} ms on {6} cores." -f $c[0], (Get-Median @($rows | ForEach-Object Runtime)), (Get-Median @($rows | ForEach-Object Server)), (Get-Median @($rows | ForEach-Object Own)), (Get-Median @($rows | ForEach-Object Clients)), (Get-Median @($rows | ForEach-Object Ms)), [Environment]::ProcessorCount)
    }
    $echoAccepted = @($echoStatuses | Where-Object { $_ -eq 'Accepted' }).Count
    Say ("- The same sends to bench/echo-tui.py panes in the same rounds ({0} of {1} Accepted): 1 agent {2:N1} ms, {3} agents {4:N1} ms: {5:N2}x." -f $echoAccepted, $echoStatuses.Count, (Get-Median $echoOne), $Agents, (Get-Median $echoAll), ((Get-Median $echoAll) / (Get-Median $echoOne)))
    Say ''

    # The cursor read: the probe's one tmux call with and without its display-message line.
    $pane = $floorPane
    $plain = 1..$CaptureRepeat | ForEach-Object { Measure-Ms { & tmux -L $socket capture-pane -p -t $pane } }
    $withCursor = 1..$CaptureRepeat | ForEach-Object { Measure-Ms { & tmux -L $socket capture-pane -p -t $pane `; display-message -p -t $pane "m`u{1f}0`u{1f}#{pane_dead}`u{1f}#{cursor_x}`u{1f}#{cursor_y}" } }
    $inputArea = Get-EngineType 'MosaicFleet.Engine.Messaging.InputArea'
    $find = $inputArea.GetMethod('Find', [type[]]@([string], [string], [Nullable[int]], [Nullable[int]], [string].MakeByRefType()))
    $screen = (& tmux -L $socket capture-pane -p -t $pane) -join "`n"
    $cx, $cy = (& tmux -L $socket display-message -p -t $pane '#{cursor_x} #{cursor_y}') -split ' ' | ForEach-Object { [int]$_ }
    $n = 2000
    $withArgs = [object[]]@($screen, $null, [Nullable[int]]$cx, [Nullable[int]]$cy, $null)
    $withoutArgs = [object[]]@($screen, $null, $null, $null, $null)
    foreach ($k in 1..200) { [void]$find.Invoke($null, $withArgs); [void]$find.Invoke($null, $withoutArgs) }
    $ruleCursor = (Measure-Ms { foreach ($k in 1..$n) { [void]$find.Invoke($null, $withArgs) } }) * 1000 / $n
    $ruleParagraph = (Measure-Ms { foreach ($k in 1..$n) { [void]$find.Invoke($null, $withoutArgs) } }) * 1000 / $n
    Say '## The cursor read'
    Say ("- One tmux call, capture-pane only: median {0:N2} ms; capture-pane + the probe's display-message line (pane_dead, cursor_x, cursor_y): median {1:N2} ms ({2} calls each)." -f (Get-Median $plain), (Get-Median $withCursor), $CaptureRepeat)
    Say ("- The input-area rule on a captured Claude screen ({0} calls through reflection): {1:N1} us with the cursor, {2:N1} us by the last-paragraph rule." -f $n, $ruleCursor, $ruleParagraph)
}
finally {
    & tmux -L $socket kill-server 2>$null
    if (-not $model.HasExited) { $model.Kill($true) }
    foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    if ($OutFile) { Set-Content -LiteralPath $OutFile -Value ($report -join "`n") }
}
