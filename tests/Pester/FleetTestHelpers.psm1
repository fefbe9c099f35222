# Shared helpers for the Pester suite: private tmux servers, temp rosters, recording shims.
# Every test environment has its own tmux socket (-L mft-<random>) and temp folder, removed by Remove-FleetTestEnvironment.
Set-StrictMode -Version 3.0

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Get-FleetModulePath {
    if ($env:MOSAIC_FLEET_MODULE) { return $env:MOSAIC_FLEET_MODULE }
    Join-Path $script:RepoRoot 'out/MosaicFleet/MosaicFleet.psd1'
}

function Get-PwshPath { Join-Path $PSHOME 'pwsh' }

function Get-RepoRoot { $script:RepoRoot }

function New-FleetTestEnvironment {
    [CmdletBinding()]
    param([string] $Prefix = 'mft')
    $id = [guid]::NewGuid().ToString('N').Substring(0, 10)
    $dir = Join-Path ([IO.Path]::GetTempPath()) "$Prefix-$id"
    $bin = Join-Path $dir 'bin'
    $shims = Join-Path $dir 'shims'
    New-Item -ItemType Directory -Force $dir, $bin, $shims | Out-Null
    [pscustomobject]@{
        Id         = $id
        Socket     = "$Prefix-$id"
        Directory  = $dir
        BinDir     = $bin
        ShimDir    = $shims
        RosterPath = Join-Path $dir 'roster.yaml'
        Sockets    = [System.Collections.Generic.List[string]]::new()
    }
}

function Remove-FleetTestEnvironment {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Environment)
    # tmux leaves its socket file behind when the server exits: remove it too, so test runs leave nothing in the socket folder.
    $socketDir = Join-Path ($env:TMUX_TMPDIR ? $env:TMUX_TMPDIR : '/tmp') "tmux-$(& id -u)"
    foreach ($s in @($Environment.Socket) + @($Environment.Sockets)) {
        & tmux -L $s kill-server 2>$null
        Remove-Item -LiteralPath (Join-Path $socketDir $s) -Force -ErrorAction SilentlyContinue
    }
    $global:LASTEXITCODE = 0
    if (Test-Path -LiteralPath $Environment.Directory) { Remove-Item -LiteralPath $Environment.Directory -Recurse -Force -ErrorAction SilentlyContinue }
}

function Enter-FleetTestStateDirs {
    <# Points XDG_STATE_HOME (the message log) and XDG_RUNTIME_DIR (send locks, ssh control sockets; made 0700) into the
       environment's folder. Returns the previous values, for Exit-FleetTestStateDirs. #>
    param([Parameter(Mandatory)] $Environment)
    $saved = @{ XDG_STATE_HOME = $env:XDG_STATE_HOME; XDG_RUNTIME_DIR = $env:XDG_RUNTIME_DIR }
    $env:XDG_STATE_HOME = Join-Path $Environment.Directory 'state'
    $env:XDG_RUNTIME_DIR = Join-Path $Environment.Directory 'run'
    New-Item -ItemType Directory -Force $env:XDG_RUNTIME_DIR | Out-Null
    & chmod 700 $env:XDG_RUNTIME_DIR
    $saved
}

function Exit-FleetTestStateDirs {
    <# Restores what Enter-FleetTestStateDirs changed. #>
    param([Parameter(Mandatory)] [hashtable] $Saved)
    foreach ($k in $Saved.Keys) { [Environment]::SetEnvironmentVariable($k, $Saved[$k]) }
}

function Set-FleetTestRoster {
    <# Writes a roster. Agents: hashtables with name, runtime and any other agent keys. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Environment,
        [Parameter(Mandatory)] [object[]] $Agents,
        [string] $Extra = '',
        [string] $Path = $Environment.RosterPath
    )
    $lines = @('version: 1', 'transport: tmux', "tmux: { socketName: $($Environment.Socket), holderSession: _holder }")
    if ($Extra) { $lines += $Extra }
    $lines += 'agents:'
    foreach ($a in $Agents) {
        $pairs = foreach ($k in $a.Keys) { '{0}: {1}' -f $k, (ConvertTo-YamlScalar $a[$k]) }
        $lines += '  - { ' + ($pairs -join ', ') + ' }'
    }
    Set-Content -LiteralPath $Path -Value ($lines -join "`n") -NoNewline
    $Path
}

function ConvertTo-YamlScalar([string] $Value) { "'" + $Value.Replace("'", "''") + "'" }

function Start-TestPane {
    <# Starts a detached session running argv (no shell) on the environment's socket. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Environment,
        [Parameter(Mandatory)] [string] $Session,
        [Parameter(Mandatory)] [string[]] $Command,
        [string] $Socket = $Environment.Socket,
        [switch] $RemainOnExit
    )
    # remain-on-exit is set in the same tmux command (after ';'), so a pane that exits at once still stays.
    $tail = if ($RemainOnExit) { @(';', 'set-option', '-t', "=${Session}:", 'remain-on-exit', 'on') } else { @() }
    New-TmuxSession -Socket $Socket -Arguments (@('new-session', '-d', '-s', $Session, '-x', 200, '-y', 50, '--') + $Command + $tail)
}

function New-TmuxSession {
    <# Runs tmux -L $Socket @Arguments (a new-session). A previous test's kill-server (or the end of its last session) on
       this socket may still be finishing, and a client that reaches the dying server fails ("server exited
       unexpectedly"): only that is tried again, a few times; any other failure throws at once. #>
    param([Parameter(Mandatory)] [string] $Socket, [Parameter(Mandatory)] [string[]] $Arguments)
    foreach ($attempt in 1..5) {
        $err = & tmux -L $Socket @Arguments 2>&1
        if ($LASTEXITCODE -eq 0) { return }
        if ("$err" -notmatch 'server exited|lost server') { break }
        Start-Sleep -Milliseconds 200
    }
    throw "tmux $($Arguments[0..2] -join ' ') on $Socket failed: $err"
}

function New-FakeRuntime {
    <# A binary named $Name that is really $Target (a symlink), so tmux reports $Name as the pane command.
       For python the link points at the real interpreter, not a version manager's shim (a pyenv shim is a script
       that dispatches on the name it was called by, so a link named $Name to it would fail). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Environment, [Parameter(Mandatory)] [string] $Name, [string] $Target = 'sleep')
    $real = if ($Target -in 'python3', 'python') {
        (& $Target -c 'import os, sys; print(os.path.realpath(sys.executable))').Trim()
    } else {
        (Get-Command $Target -CommandType Application | Select-Object -First 1).Source
    }
    $link = Join-Path $Environment.BinDir $Name
    New-Item -ItemType SymbolicLink -Path $link -Target $real -Force | Out-Null
    $link
}

function New-RecordingShim {
    <# A script named $Program, first on PATH, that appends its argv (one line, US-separated) to a log, then runs the
       real program (or exits with -ExitCode and -Stderr when -Fail is given). Returns the log path. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Environment,
        [Parameter(Mandatory)] [string] $Program,
        [switch] $Fail,
        [int] $ExitCode = 1,
        [string] $Stderr = 'shim: failing on purpose',
        [string] $Stdout = ''
    )
    $log = Join-Path $Environment.Directory "$Program.calls"
    $shim = Join-Path $Environment.ShimDir $Program
    $real = (Get-Command $Program -CommandType Application -ErrorAction SilentlyContinue | Where-Object Source -ne $shim | Select-Object -First 1).Source
    $body = if ($Fail -or -not $real) {
        "printf '%s' $(ConvertTo-ShQuote $Stdout)`nprintf '%s\n' $(ConvertTo-ShQuote $Stderr) >&2`nexit $ExitCode"
    } else {
        "exec $(ConvertTo-ShQuote $real) `"`$@`""
    }
    $script = @"
#!/bin/sh
line=''; sep=''; for a in "`$@"; do line="`$line`$sep`$a"; sep=`$(printf '\037'); done
# One write per call, so shims running in parallel do not interleave their lines.
printf '%s\n' "`$line" >> $(ConvertTo-ShQuote $log)
$body
"@
    Set-Content -LiteralPath $shim -Value $script -NoNewline
    & chmod +x $shim
    $log
}

function ConvertTo-ShQuote([string] $s) { "'" + $s.Replace("'", "'\''") + "'" }

function Get-RecordedCalls {
    <# The argv lists a recording shim saw, one string[] per call. #>
    param([Parameter(Mandatory)] [string] $Log)
    if (-not (Test-Path -LiteralPath $Log)) { return @() }
    foreach ($line in [IO.File]::ReadAllLines($Log)) { , ($line -split [char]0x1f) }
}

function Use-ShimPath {
    <# Runs $ScriptBlock with the environment's shim folder first on PATH, restoring PATH after. #>
    param([Parameter(Mandatory)] $Environment, [Parameter(Mandatory)] [scriptblock] $ScriptBlock)
    $saved = $env:PATH
    try {
        $env:PATH = "$($Environment.ShimDir):$saved"
        & $ScriptBlock
    } finally {
        $env:PATH = $saved
    }
}

function Wait-Until {
    param([Parameter(Mandatory)] [scriptblock] $Condition, [double] $TimeoutSeconds = 10, [int] $IntervalMs = 100)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds $IntervalMs
    }
    [bool](& $Condition)
}

function Invoke-ChildPwsh {
    <# Runs a command in a fresh pwsh -NoProfile with the module path in $env:MOSAIC_FLEET_MODULE; returns ExitCode, Stdout, Stderr. #>
    param([Parameter(Mandatory)] [string] $Command, [hashtable] $Environment = @{})
    Wait-ChildPwsh -Child (Start-ChildPwsh -Command $Command -Environment $Environment) -TimeoutSeconds 120
}

function Start-OuterTerminal {
    <# An "outer terminal": a session on another private tmux socket (added to the environment's Sockets, so
       Remove-FleetTestEnvironment kills it) whose pane runs argv with a real pty of -Width x -Height.
       MOSAIC_FLEET_MODULE is set in the pane. Returns the outer socket name. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Environment,
        [Parameter(Mandatory)] [string[]] $Command,
        [string] $Session = 'outer',
        [int] $Width = 80,
        [int] $Height = 24
    )
    $socket = "$($Environment.Socket)-outer"
    if (-not $Environment.Sockets.Contains($socket)) { $Environment.Sockets.Add($socket) }
    New-TmuxSession -Socket $socket -Arguments (@('new-session', '-d', '-s', $Session, '-x', $Width, '-y', $Height, '-e', "MOSAIC_FLEET_MODULE=$(Get-FleetModulePath)", '--') + $Command)
    $socket
}

function Get-TestSession {
    <# The sessions on a socket: Name, Attached (number of clients), Width, Height of the current window. #>
    param([Parameter(Mandatory)] [string] $Socket)
    $lines = & tmux -L $Socket list-sessions -F '#{session_name}|#{session_attached}|#{window_width}|#{window_height}' 2>$null
    $global:LASTEXITCODE = 0
    foreach ($l in @($lines)) {
        if (-not $l) { continue }
        $p = $l -split '\|'
        [pscustomobject]@{ Name = $p[0]; Attached = [int]$p[1]; Width = [int]$p[2]; Height = [int]$p[3] }
    }
}

function Get-PaneText {
    <# The visible text of a pane (capture-pane -p). #>
    param([Parameter(Mandatory)] [string] $Socket, [Parameter(Mandatory)] [string] $Target)
    (& tmux -L $Socket capture-pane -p -t $Target 2>$null) -join "`n"
}

function Send-PaneLine {
    <# Types a line into a pane (literally) and presses Enter. #>
    param([Parameter(Mandatory)] [string] $Socket, [Parameter(Mandatory)] [string] $Target, [Parameter(Mandatory)] [string] $Text)
    & tmux -L $Socket send-keys -t $Target -l $Text
    & tmux -L $Socket send-keys -t $Target Enter
}

function Get-FreeTcpPort {
    <# A TCP port on 127.0.0.1 that nothing listens on right now. #>
    $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    try { $l.Start(); $l.LocalEndpoint.Port } finally { $l.Stop() }
}

function Test-TcpPort([int] $Port) {
    $c = [System.Net.Sockets.TcpClient]::new()
    try { $c.Connect([System.Net.IPAddress]::Loopback, $Port); $true } catch { $false } finally { $c.Dispose() }
}

function Start-TestSshd {
    <# Starts a private OpenSSH server (root, foreground: sshd -D) on 127.0.0.1 at -PortCount free ports, with host and user
       keys, authorized_keys and known_hosts made by tests/fixtures/sshd/new-test-sshd.sh. Stop it with Stop-TestSshd. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Environment,
        [int] $PortCount = 1,
        # The sessions' environment: NAME = value (no spaces in values), added to the config's one SetEnv line.
        [hashtable] $SetEnv = @{},
        # sshd_config lines appended to the generated config (not SetEnv: sshd takes only the first; use -SetEnv).
        [string[]] $ExtraConfig = @()
    )
    if (-not (Test-Path /usr/sbin/sshd)) { throw '/usr/sbin/sshd is missing: apt-get install openssh-server (.ci/run does).' }
    $dir = Join-Path $Environment.Directory 'sshd'
    $ports = @(1..$PortCount | ForEach-Object { Get-FreeTcpPort })
    $env:TEST_SSHD_SETENV = @($SetEnv.Keys | Sort-Object | ForEach-Object { "$_=$($SetEnv[$_])" }) -join ' '
    try { & sh (Join-Path $script:RepoRoot 'tests/fixtures/sshd/new-test-sshd.sh') $dir @ports }
    finally { Remove-Item Env:TEST_SSHD_SETENV -ErrorAction Ignore }
    if ($LASTEXITCODE -ne 0) { throw 'new-test-sshd.sh failed' }
    if ($ExtraConfig.Count -gt 0) {
        Add-Content -LiteralPath (Join-Path $dir 'sshd_config') -Value $ExtraConfig
        & /usr/sbin/sshd -t -f (Join-Path $dir 'sshd_config')
        if ($LASTEXITCODE -ne 0) { throw 'sshd_config with -ExtraConfig is invalid' }
    }
    $psi = [System.Diagnostics.ProcessStartInfo]::new('/usr/sbin/sshd')
    foreach ($a in '-D', '-f', (Join-Path $dir 'sshd_config'), '-E', (Join-Path $dir 'sshd.log')) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $p = [System.Diagnostics.Process]::Start($psi)
    $sshd = [pscustomobject]@{
        Process        = $p
        Ports          = $ports
        Directory      = $dir
        IdentityFile   = Join-Path $dir 'user_ed25519'
        KnownHostsFile = Join-Path $dir 'known_hosts'
        Log            = Join-Path $dir 'sshd.log'
    }
    $up = Wait-Until { $p.HasExited -or @($ports | Where-Object { -not (Test-TcpPort $_) }).Count -eq 0 } -TimeoutSeconds 15
    if (-not $up -or $p.HasExited) {
        Stop-TestSshd $sshd
        throw "sshd did not start: $(Get-Content -Raw -LiteralPath $sshd.Log -ErrorAction SilentlyContinue)"
    }
    $sshd
}

function Stop-TestSshd {
    <# Kills the test sshd and every session process under it (as a host going down would). With -ControlDirectory
       (where the module keeps its ssh ControlMaster sockets), also waits until every master has seen its connection
       drop and removed its socket, so the next ssh meets the dead host itself, not a master that is still closing. #>
    param([Parameter(Mandatory)] $Sshd, [string] $ControlDirectory)
    if (-not $Sshd.Process.HasExited) { $Sshd.Process.Kill($true) }
    $null = $Sshd.Process.WaitForExit(10000)
    if ($ControlDirectory) {
        $gone = Wait-Until { @(Get-ChildItem -LiteralPath $ControlDirectory -Filter 'ssh-*' -ErrorAction Ignore).Count -eq 0 } -TimeoutSeconds 15
        if (-not $gone) { throw "ssh masters still listen in $ControlDirectory after sshd stopped" }
    }
}

function Start-ChildPwsh {
    <# Starts a fresh pwsh -NoProfile running $Command without waiting (see Wait-ChildPwsh). #>
    param([Parameter(Mandatory)] [string] $Command, [hashtable] $Environment = @{})
    $psi = [System.Diagnostics.ProcessStartInfo]::new((Get-PwshPath))
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $Command) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $psi.Environment['MOSAIC_FLEET_MODULE'] = Get-FleetModulePath
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $p = [System.Diagnostics.Process]::Start($psi)
    [pscustomobject]@{ Process = $p; Stdout = $p.StandardOutput.ReadToEndAsync(); Stderr = $p.StandardError.ReadToEndAsync(); Command = $Command }
}

function Wait-ChildPwsh {
    <# Waits for a child started by Start-ChildPwsh; returns ExitCode, Stdout, Stderr. #>
    param([Parameter(Mandatory)] $Child, [int] $TimeoutSeconds = 300)
    if (-not $Child.Process.WaitForExit($TimeoutSeconds * 1000)) { $Child.Process.Kill($true); throw "child pwsh timed out: $($Child.Command)" }
    [pscustomobject]@{ ExitCode = $Child.Process.ExitCode; Stdout = $Child.Stdout.Result; Stderr = $Child.Stderr.Result }
}

function Start-FixtureTui {
    <# Runs tests/fixtures/fake_tui.py in a pane of the environment's socket; it logs what it receives to <Directory>/<Session>.log. #>
    param([Parameter(Mandatory)] $Environment, [Parameter(Mandatory)] [string] $Session, [string] $Mode = 'accept', [switch] $Boxed)
    $log = Join-Path $Environment.Directory "$Session.log"
    $extra = if ($Boxed) { @('--boxed') } else { @() }
    Start-TestPane -Environment $Environment -Session $Session -RemainOnExit -Command (@('python3', (Join-Path $script:RepoRoot 'tests/fixtures/fake_tui.py'), '--mode', $Mode, '--log', $log) + $extra)
    if ($Mode -ne 'exit') {
        $null = Wait-Until { (& tmux -L $Environment.Socket capture-pane -p -t "=${Session}:") -match 'fake-tui' }
    }
    $log
}

function Get-FixtureMessages {
    <# The texts a fixture TUI received as submitted messages (or, with -Pastes, as pastes), in order. #>
    param([Parameter(Mandatory)] $Environment, [Parameter(Mandatory)] [string] $Session, [switch] $Pastes)
    $path = Join-Path $Environment.Directory ($(if ($Pastes) { "$Session.log.pastes" } else { "$Session.log" }))
    if (-not (Test-Path -LiteralPath $path)) { return }
    # System.Text.Json, not ConvertFrom-Json: that one turns date-like strings into DateTime.
    foreach ($line in [IO.File]::ReadAllLines($path)) {
        if ($line) { [System.Text.Json.JsonDocument]::Parse($line).RootElement.GetProperty('text').GetString() }
    }
}

# ---- systemd rules, written independently of the engine, to check what the engine renders ----

function Read-SystemdEnvFile {
    <# Parses an EnvironmentFile= by systemd's rules (systemd.exec(5)): no expansion of any kind; "..." knows \" \\ \$ \`
       (other backslashes stay), '...' is verbatim, an unquoted value has its backslashes removed and is trimmed. #>
    param([Parameter(Mandatory)] [string] $Path)
    $result = [ordered]@{}
    foreach ($line in [IO.File]::ReadAllLines($Path)) {
        $t = $line.TrimStart()
        if ($t -eq '' -or $t[0] -in '#', ';') { continue }
        $eq = $t.IndexOf('=')
        if ($eq -le 0) { continue }
        $key = $t.Substring(0, $eq).Trim()
        $raw = $t.Substring($eq + 1).TrimStart()
        $sb = [Text.StringBuilder]::new()
        if ($raw.StartsWith('"')) {
            $i = 1
            while ($i -lt $raw.Length -and $raw[$i] -ne '"') {
                if ($raw[$i] -eq '\' -and $i + 1 -lt $raw.Length) {
                    $n = $raw[$i + 1]
                    if ($n -in '"', '\', '$', '`') { [void]$sb.Append($n) } else { [void]$sb.Append('\').Append($n) }
                    $i += 2; continue
                }
                [void]$sb.Append($raw[$i]); $i++
            }
            if ($i -ge $raw.Length) { throw "unterminated double quote in $Path for $key" }
        } elseif ($raw.StartsWith("'")) {
            $end = $raw.IndexOf("'", 1)
            [void]$sb.Append($raw.Substring(1, $end - 1))
        } else {
            $i = 0
            while ($i -lt $raw.Length) {
                if ($raw[$i] -eq '\' -and $i + 1 -lt $raw.Length) { [void]$sb.Append($raw[$i + 1]); $i += 2; continue }
                [void]$sb.Append($raw[$i]); $i++
            }
            $v = $sb.ToString().TrimEnd(); $sb.Clear().Append($v) | Out-Null
        }
        $result[$key] = $sb.ToString()
    }
    $result
}

function Get-SystemdUnitValue {
    <# The values of one key in a unit file, in order (comments and section headers skipped). #>
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Key)
    foreach ($line in [IO.File]::ReadAllLines($Path)) {
        $t = $line.Trim()
        if ($t -eq '' -or $t[0] -in '#', ';', '[') { continue }
        $eq = $t.IndexOf('=')
        if ($eq -gt 0 -and $t.Substring(0, $eq).Trim() -eq $Key) { $t.Substring($eq + 1).Trim() }
    }
}

function Resolve-SystemdExecLine {
    <# The argv systemd runs for an Exec line: drop a leading '-', split words (double/single quotes, backslash escapes),
       resolve %i/%E/%% and $$, and turn a word that is exactly ${VAR} into exactly one argument (no further expansion). #>
    param([Parameter(Mandatory)] [string] $Line, [Parameter(Mandatory)] [System.Collections.IDictionary] $Environment, [hashtable] $Specifiers = @{})
    $s = $Line.TrimStart('-')
    $argv = [System.Collections.Generic.List[string]]::new()
    $i = 0
    while ($true) {
        while ($i -lt $s.Length -and [char]::IsWhiteSpace($s[$i])) { $i++ }
        if ($i -ge $s.Length) { break }
        $sb = [Text.StringBuilder]::new(); $q = [char]0
        while ($i -lt $s.Length) {
            $c = $s[$i]
            if ($q -eq [char]0 -and [char]::IsWhiteSpace($c)) { break }
            if ($q -eq [char]0 -and ($c -eq '"' -or $c -eq "'")) { $q = $c; $i++; continue }
            if ($q -ne [char]0 -and $c -eq $q) { $q = [char]0; $i++; continue }
            if ($c -eq '\' -and $i + 1 -lt $s.Length) {
                $n = $s[$i + 1]
                [void]$sb.Append($(switch -CaseSensitive ($n) { 'n' { "`n" } 't' { "`t" } default { $n } }))
                $i += 2; continue
            }
            [void]$sb.Append($c); $i++
        }
        $word = $sb.ToString()
        $word = [regex]::Replace($word, '%(.)', {
                param($m)
                $k = $m.Groups[1].Value
                if ($k -eq '%') { '%' } elseif ($Specifiers.ContainsKey($k)) { $Specifiers[$k] } else { throw "unsupported specifier %$k" }
            })
        if ($word -match '^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$') {
            $argv.Add([string]$Environment[$Matches[1]])
        } else {
            if ($word -match '\$(?!\$)' -and $word.Replace('$$', '') -match '\$') { throw "unsupported variable reference in '$word'" }
            $argv.Add($word.Replace('$$', '$'))
        }
    }
    , $argv.ToArray()
}

function Get-Records {
    <# What the fake runtime (tests/fixtures) recorded for an agent: one object per start (argv, cwd, PATH, ...),
       from <Records>/<agent>.jsonl of a lifecycle test environment. #>
    param([Parameter(Mandatory)] $Environment, [Parameter(Mandatory)] [string] $Agent)
    $f = Join-Path $Environment.Records "$Agent.jsonl"
    if (-not (Test-Path -LiteralPath $f)) { return @() }
    foreach ($l in [IO.File]::ReadAllLines($f)) { $l | ConvertFrom-Json }
}

function Get-HostileText {
    <# The hostile message texts shared with the xunit suite (tests/fixtures/hostile-texts.json; xunit reads it through
       Support/HostileTexts.cs). -Set typed|refused|sources gives hashtables @{ Case; Text[; Delivered | Refusal] } ready for
       It -TestCases (name tests by <Case>: a test report cannot hold the control bytes); -Large gives the generated
       message of over 1 MB. #>
    [CmdletBinding(DefaultParameterSetName = 'Set')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Set')] [ValidateSet('typed', 'refused', 'sources')] [string] $Set,
        [Parameter(Mandatory, ParameterSetName = 'Large')] [switch] $Large
    )
    $path = Join-Path (Split-Path $PSScriptRoot -Parent) 'fixtures/hostile-texts.json'
    $data = Get-Content -LiteralPath $path -Raw | ConvertFrom-Json
    if ($Large) {
        $l = $data.large
        return (1..$l.lines | ForEach-Object { "$_ $($l.line)" }) -join "`n"
    }
    foreach ($row in $data.$Set) {
        $case = @{ Case = $row.case; Text = $row.text }
        if ($Set -eq 'typed') { $case.Delivered = if ($row.PSObject.Properties['delivered']) { $row.delivered } else { $row.text } }
        if ($row.PSObject.Properties['refusal']) { $case.Refusal = $row.refusal }
        $case
    }
}

function Assert-FleetError {
    <# Asserts one ErrorRecord: its error id (FullyQualifiedErrorId before the comma), that the id is in the module's one
       error list with the record's category (always checked), and, when given, the category and the target object.
       Pipe the record in: $errs[0] | Assert-FleetError -Id AgentNotFound -Category ObjectNotFound -Target x #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipeline)] [System.Management.Automation.ErrorRecord] $ErrorRecord,
        [Parameter(Mandatory)] [string] $Id,
        [System.Management.Automation.ErrorCategory] $Category,
        [AllowNull()] [object] $Target,
        [string] $Because
    )
    process {
        ($ErrorRecord.FullyQualifiedErrorId -split ',', 2)[0] | Should -Be $Id -Because $Because
        $listed = [MosaicFleet.Internal.FleetErrors]::All | Where-Object Id -CEQ $Id
        $listed | Should -Not -BeNullOrEmpty -Because "every error id is in the one list (FleetErrorIds); $Id is not"
        "$($ErrorRecord.CategoryInfo.Category)" | Should -Be $listed.Category -Because "the list gives $Id the category $($listed.Category)"
        if ($PSBoundParameters.ContainsKey('Category')) { $ErrorRecord.CategoryInfo.Category | Should -Be $Category -Because $Because }
        if ($PSBoundParameters.ContainsKey('Target')) { $ErrorRecord.TargetObject | Should -Be $Target -Because $Because }
    }
}

Export-ModuleMember -Function *
