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

$psi = [System.Diagnostics.ProcessStartInfo]::new('python3')
foreach ($a in @((Join-Path $root 'tests/fixtures/fake_model.py'), '--log', (Join-Path $work 'model.jsonl'))) { $psi.ArgumentList.Add($a) }
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
    Say "- $Agents agents, $Repeat rounds, medians in milliseconds."
    Say ''

    $one = [System.Collections.Generic.List[double]]::new(); $all = [System.Collections.Generic.List[double]]::new()
    $floor = [System.Collections.Generic.List[double]]::new()
    $statuses = [System.Collections.Generic.List[string]]::new()
    $perAgent = [System.Collections.Generic.List[double]]::new()
    $echoOne = [System.Collections.Generic.List[double]]::new(); $echoAll = [System.Collections.Generic.List[double]]::new()
    $echoStatuses = [System.Collections.Generic.List[string]]::new()
    $floorPane = (& tmux -L $socket display-message -p -t "=$($names[0]):" '#{pane_id}')
    for ($i = 1; $i -le $Repeat; $i++) {
        $results = $null
        $one.Add((Measure-Ms { $script:results = @(Send-FleetMessage "bench one $i" -Name $names[0] -RosterPath $roster -ErrorAction SilentlyContinue) }))
        $results | ForEach-Object { $statuses.Add("$($_.Status)") }
        $null = $results | Wait-FleetAgent -Activity Idle -TimeoutSeconds 60 -RosterPath $roster
        $all.Add((Measure-Ms { $script:results = @(Send-FleetMessage "bench all $i" -Name $names -RosterPath $roster -ErrorAction SilentlyContinue) }))
        $results | ForEach-Object { $statuses.Add("$($_.Status)"); $perAgent.Add($_.ElapsedSeconds * 1000) }
        $null = $results | Wait-FleetAgent -Activity Idle -TimeoutSeconds 90 -RosterPath $roster
        # The floor: type and submit with bare tmux calls, nothing verified (one tmux process, as the send's paste list).
        $floor.Add((Measure-Ms { "bench floor $i" | & tmux -L $socket load-buffer -b mfbench - `; paste-buffer -d -p -b mfbench -t $floorPane `; send-keys -t $floorPane Enter }))
        $null = Wait-FleetAgent $names[0] -Activity Idle -TimeoutSeconds 60 -RosterPath $roster
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
    Say ("- Floor (same rounds): bare load-buffer + paste-buffer + send-keys into one pane, one tmux process: median {0:N1} ms." -f (Get-Median $floor))
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
