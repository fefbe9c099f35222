# The real pi TUI (@mariozechner/pi-coding-agent 0.73.1) in a real tmux pane. It runs without an API key: it shows its
# editor, takes a prompt and answers "No API key found". .ci/run installs it into .tools/pi; BeforeAll installs it if
# missing, and the tests skip (saying why) only when that is impossible.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
}

Describe 'Send-FleetMessage and Reset-FleetAgent with the real pi TUI' {
    BeforeAll {
        $script:skipReason = $null
        $root = Get-RepoRoot
        $piDir = Join-Path $root '.tools/pi'
        $script:piBin = Join-Path $piDir 'node_modules/.bin/pi'
        $script:savedPath = $env:PATH
        # A node from the npm registry (see .ci/run) when the system's is older than pi needs.
        $localNode = Join-Path $root '.tools/node/bin'
        if (Test-Path (Join-Path $localNode 'node')) { $env:PATH = "${localNode}:$env:PATH" }
        if (-not (Test-Path $piBin)) {
            if (Get-Command npm -CommandType Application -ErrorAction SilentlyContinue) {
                & npm install --prefix $piDir --no-audit --no-fund --loglevel=error '@mariozechner/pi-coding-agent@0.73.1' 2>&1 | Out-Host
            }
            if (-not (Test-Path $piBin)) { $script:skipReason = 'pi 0.73.1 is not installed in .tools/pi and npm could not install it (no npm, or no access to the npm registry)' }
        }
        if (-not $skipReason) {
            $nodeVersion = & node -p 'process.versions.node' 2>$null
            if (-not $nodeVersion -or [version]$nodeVersion -lt [version]'20.6.0') { $script:skipReason = "pi needs node >= 20.6; this machine has '$nodeVersion' (run .ci/run to fetch one)" }
        }
        $script:envt = New-FleetTestEnvironment -Prefix mfpi
        $script:savedEnv = Enter-FleetTestStateDirs $envt
        $script:roster = Set-FleetTestRoster -Environment $envt -Agents @(@{ name = 'pi1'; runtime = 'pi' })
        if (-not $skipReason) {
            # A private HOME: no pi settings, sessions or keys of the machine's user are read or written.
            $piHome = Join-Path $envt.Directory 'home'
            New-Item -ItemType Directory $piHome | Out-Null
            Start-TestPane -Environment $envt -Session pi1 -Command @('env', "HOME=$piHome", $piBin)
            $rule = [string][char]0x2500 * 20
            $ready = Wait-Until { ((& tmux -L $envt.Socket capture-pane -p -t '=pi1:') -join "`n") -match "$rule[\s\S]*\n$rule" } -TimeoutSeconds 60
            if (-not $ready) { $script:skipReason = $null; throw "pi did not show its editor: $((& tmux -L $envt.Socket capture-pane -p -t '=pi1:') -join "`n")" }
        }
        $script:common = @{ RosterPath = $roster; TimeoutSeconds = 15 }
    }
    AfterAll {
        Remove-FleetTestEnvironment $envt
        Exit-FleetTestStateDirs $savedEnv
        $env:PATH = $savedPath
    }

    It 'reports Accepted for a message, and pi answers it' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        $r = Send-FleetMessage 'hello pi, please list the files' -Name pi1 @common
        $r.Status | Should -Be 'Accepted' -Because $r.Detail
        # pi took the prompt: with no API key it answers with an error in its history.
        Wait-Until { ((Get-FleetAgentOutput -Name pi1 -RosterPath $roster -Lines 100).Lines -join "`n") -match 'No API key' } | Should -BeTrue
    }

    It 'reports Accepted for a 30-line message that pi shows as a [paste #N +X lines] marker' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        $text = (1..30 | ForEach-Object { "line $_ of a long instruction" }) -join "`n"
        $r = Send-FleetMessage $text -Name pi1 @common
        $r.Status | Should -Be 'Accepted' -Because $r.Detail
    }

    It 'reports Accepted for Reset-FleetAgent (/clear)' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        $r = Reset-FleetAgent pi1 -RosterPath $roster -TimeoutSeconds 15
        $r.Status | Should -Be 'Accepted' -Because $r.Detail
        $r.Message | Should -Be '/clear'
    }

    It 'reports NotSubmitted when pi''s editor keeps the text (a submit key pi ignores)' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        # A runtime whose submit key pi ignores (F12): the text stays in pi's editor.
        $ignored = Join-Path $envt.Directory 'ignored.yaml'
        Set-FleetTestRoster -Environment $envt -Path $ignored -Agents @(@{ name = 'pi1'; runtime = 'pi' }) -Extra "runtimes:`n  pi: { submitKeys: [F12] }" | Out-Null
        $r = Send-FleetMessage 'this stays in the editor' -Name pi1 -RosterPath $ignored -TimeoutSeconds 3 -ErrorVariable ev -ErrorAction SilentlyContinue
        $r.Status | Should -Be 'NotSubmitted' -Because $r.Detail
        $ev[0] | Assert-FleetError -Id MessageNotSubmitted
        # Clean the editor for whoever comes next.
        & tmux -L $envt.Socket send-keys -t '=pi1:' C-c
    }
}
