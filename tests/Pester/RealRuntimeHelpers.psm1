<# Shared by the real-runtime suites (RealRuntimes, RealPrompts, DeliverySafety.Real): the table of walks (one per
   runtime, versions read from .ci/run's pins), the fake model endpoint (tests/fixtures/fake_model.py), each runtime's
   private HOME pointed at it, and one agent of that runtime started for a Describe. #>
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1')

$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Start-FakeModel([string] $Log, [double] $Delay) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new('python3')
    foreach ($a in @((Join-Path $RepoRoot 'tests/fixtures/fake_model.py'), '--delay', "$Delay", '--log', $Log)) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.UseShellExecute = $false
    $p = [System.Diagnostics.Process]::Start($psi)
    [pscustomobject]@{ Process = $p; Port = [int]$p.StandardOutput.ReadLine() }
}

function Initialize-RuntimeHome([string] $Runtime, [string] $HomeDir, [int] $Port) {
    <# The runtime's own configuration in a private HOME, pointing at the fake model; returns the variables the
       agent needs on top of the built-in profile's. #>
    $url = "http://127.0.0.1:$Port"
    $cfg = Join-Path $HomeDir '.config'
    switch ($Runtime) {
        'claude' {
            # Without it Claude runs a connectivity check and exits.
            Set-Content (Join-Path $HomeDir '.claude.json') '{"hasCompletedOnboarding": true}'
            return @{ ANTHROPIC_BASE_URL = $url; ANTHROPIC_API_KEY = 'sk-fake-mosaic-test'; DISABLE_TELEMETRY = '1'; DISABLE_ERROR_REPORTING = '1' }
        }
        'codex' {
            # A custom model provider skips the sign-in menu.
            New-Item -ItemType Directory -Force (Join-Path $HomeDir '.codex') | Out-Null
            Set-Content (Join-Path $HomeDir '.codex/config.toml') @"
model = "fake-model"
model_provider = "fake"
check_for_update_on_startup = false

[model_providers.fake]
name = "fake"
base_url = "$url/v1"
env_key = "OPENAI_API_KEY"
wire_api = "responses"

[analytics]
enabled = false
"@
            return @{ OPENAI_API_KEY = 'sk-fake-mosaic-test' }
        }
        'opencode' {
            New-Item -ItemType Directory -Force (Join-Path $cfg 'opencode') | Out-Null
            @{
                autoupdate = $false; share = 'disabled'; model = 'fake/fake-model'; small_model = 'fake/fake-model'
                provider = @{ fake = @{ npm = '@ai-sdk/openai-compatible'; name = 'Fake'; options = @{ baseURL = "$url/v1"; apiKey = 'sk-fake' }; models = @{ 'fake-model' = @{ name = 'Fake Model' } } } }
                # opencode runs shell commands without asking unless told to ask.
                permission = @{ bash = 'ask'; edit = 'ask' }
            } | ConvertTo-Json -Depth 8 | Set-Content (Join-Path $cfg 'opencode/opencode.json')
            return @{ XDG_CONFIG_HOME = $cfg; OPENCODE_DISABLE_MODELS_FETCH = '1'; OPENCODE_DISABLE_LSP_DOWNLOAD = '1'; OPENCODE_DISABLE_SHARE = '1' }
        }
        'pi' {
            New-Item -ItemType Directory -Force (Join-Path $HomeDir '.pi/agent') | Out-Null
            @{ providers = @{ fake = @{ baseUrl = "$url/v1"; api = 'openai-completions'; apiKey = 'x'; models = @(@{ id = 'fake-model' }) } } } |
                ConvertTo-Json -Depth 6 | Set-Content (Join-Path $HomeDir '.pi/agent/models.json')
            # No download of fd/ripgrep from GitHub, no version check.
            return @{ PI_OFFLINE = '1'; PI_SKIP_VERSION_CHECK = '1' }
        }
    }
}

function Get-RealRuntimeWalk {
    <# One hashtable per real runtime for Describe -ForEach (call it in BeforeDiscovery): Name (built-in profile), Dir
       (.tools/<Dir>), Version (the pin in .ci/run), Command (what the agent runs), ProfileEnv (variables the built-in
       profile sets), Ready (a pattern of its input box), Dialogs (start-up dialogs: Shows, Move, Selected), Permission
       (a pattern of its permission prompt; $null when it asks none), Bin and Installed. #>
    $pins = Get-Content -Raw (Join-Path $RepoRoot '.ci/run')
    function Pin([string] $Package) {
        $m = [regex]::Match($pins, [regex]::Escape($Package) + '@([0-9][0-9A-Za-z.+-]*)')
        if (-not $m.Success) { throw "No pinned version of $Package in .ci/run." }
        $m.Groups[1].Value
    }
    @(
        @{ Name = 'claude'; Dir = 'claude'; Version = (Pin '@anthropic-ai/claude-code'); Command = 'claude --permission-mode default'
           ProfileEnv = @('DISABLE_AUTOUPDATER=1'); Ready = '(?m)^❯'
           # A mode that asks: Claude now starts in "auto" mode, which answers permission prompts itself.
           Dialogs = @(
               # "trust this folder": the default choice is "No, exit"; "use this API key?": the default is "No".
               @{ Shows = 'Yes, I trust this folder'; Move = 'Down'; Selected = '❯ Yes, I trust this folder' }
               @{ Shows = 'Do you want to use this API key'; Move = 'Up'; Selected = '❯ Yes' }
           )
           Permission = 'Do you want to proceed\?' }
        @{ Name = 'codex'; Dir = 'codex'; Version = (Pin '@openai/codex'); Command = 'codex --no-daemon -a on-request'; ProfileEnv = @()
           Ready = 'Ask Codex to do anything'; Dialogs = @(); Permission = 'Would you like to run the following command\?' }
        @{ Name = 'opencode'; Dir = 'opencode'; Version = (Pin 'opencode-ai'); Command = 'opencode'; ProfileEnv = @('OPENCODE_DISABLE_AUTOUPDATE=1')
           Ready = 'Ask anything'; Dialogs = @(); Permission = 'Permission required' }
        @{ Name = 'pi'; Dir = 'pi'; Version = (Pin '@mariozechner/pi-coding-agent'); Command = 'pi --provider fake --model fake-model'; ProfileEnv = @()
           Ready = '─{20}\n(.*\n)*─{20}'; Dialogs = @(); Permission = $null }
    ) | ForEach-Object {
        $_.Bin = Join-Path $RepoRoot ".tools/$($_.Dir)/node_modules/.bin"
        $_.Installed = Test-Path (Join-Path $_.Bin $_.Name)
        $_
    }
}

function Start-RealRuntimeAgent {
    <# A Describe's BeforeAll for one walk: a test environment with a private HOME and config dir, the fake model
       answering after -Delay seconds, the runtime's own configuration, a roster of one agent running the walk's command
       with the built-in profile, started -Direct. Returns what the tests and Stop-RealRuntimeAgent need. #>
    param(
        [Parameter(Mandatory)] [hashtable] $Walk,
        [Parameter(Mandatory)] [string] $Agent,
        [Parameter(Mandatory)] [string] $Prefix,
        [double] $Delay = 1
    )
    Import-Module (Get-FleetModulePath)
    $e = New-FleetTestEnvironment -Prefix $Prefix
    $savedEnv = Enter-FleetTestStateDirs $e
    $savedHome = @{ HOME = $env:HOME; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME }
    $homeDir = Join-Path $e.Directory 'home'
    $work = Join-Path $homeDir 'work'
    New-Item -ItemType Directory -Force $work | Out-Null
    # Private HOME and config dir for the fleet's own files (units, env files) and, through tmux, the runtime.
    $env:HOME = $homeDir
    $env:XDG_CONFIG_HOME = Join-Path $homeDir '.config'
    $modelLog = Join-Path $e.Directory 'model.jsonl'
    $model = Start-FakeModel -Log $modelLog -Delay $Delay
    $vars = @{ HOME = $homeDir } + (Initialize-RuntimeHome $Walk.Name $homeDir $model.Port)
    $bins = @($Walk.Bin) + @(Join-Path $RepoRoot '.tools/node/bin' | Where-Object { Test-Path $_ })
    $envYaml = ($vars.GetEnumerator() | Sort-Object Key | ForEach-Object { "$($_.Key): $(ConvertTo-YamlScalar $_.Value)" }) -join ', '
    Set-Content -LiteralPath $e.RosterPath -NoNewline -Value @"
version: 1
transport: tmux
tmux: { socketName: $($e.Socket), holderSession: _holder }
agents:
  - name: $Agent
    runtime: $($Walk.Name)
    command: $(ConvertTo-YamlScalar $Walk.Command)
    runtimeBin: $(ConvertTo-YamlScalar ($bins -join ':'))
    workingDirectory: $(ConvertTo-YamlScalar $work)
    environment: { $envYaml }
"@
    $started = Start-FleetAgent $Agent -Direct -RosterPath $e.RosterPath -PassThru
    [pscustomobject]@{
        Environment = $e; Agent = $Agent; Home = $homeDir; Work = $work; Model = $model; ModelLog = $modelLog
        Started = $started; SavedEnv = $savedEnv; SavedHome = $savedHome
    }
}

function Stop-RealRuntimeAgent($Run) {
    <# The AfterAll of Start-RealRuntimeAgent: the tmux server and files go, the environment is restored, the fake
       model ends. #>
    if (-not $Run) { return }
    Remove-FleetTestEnvironment $Run.Environment
    Exit-FleetTestStateDirs $Run.SavedEnv
    foreach ($k in $Run.SavedHome.Keys) { [Environment]::SetEnvironmentVariable($k, $Run.SavedHome[$k]) }
    if ($Run.Model -and -not $Run.Model.Process.HasExited) { $Run.Model.Process.Kill($true) }
}

function Wait-OpenCodePlugin([string] $HomeDir) {
    <# opencode's first start in a fresh config dir installs @opencode-ai/plugin there from the npm registry, in the
       background; a prompt sent before that ends shows in the history, but its turn starts only after, with nothing on
       the screen saying so (it reads Idle). Returns whether the install finished. #>
    $plugin = Join-Path $HomeDir '.config/opencode/node_modules/@opencode-ai/plugin/package.json'
    Wait-Until { Test-Path $plugin } -TimeoutSeconds 180 -IntervalMs 500
}

Export-ModuleMember -Function Start-FakeModel, Initialize-RuntimeHome, Get-RealRuntimeWalk, Start-RealRuntimeAgent, Stop-RealRuntimeAgent, Wait-OpenCodePlugin
