<# Shared by the real-runtime suites (RealRuntimes, RealPrompts, DeliverySafety.Real): the fake model endpoint
   (tests/fixtures/fake_model.py) and each runtime's private HOME pointed at it. #>
Set-StrictMode -Version 3.0

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

Export-ModuleMember -Function Start-FakeModel, Initialize-RuntimeHome
