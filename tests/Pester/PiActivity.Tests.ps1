# The built-in pi patterns, checked against the real pi TUI (npm @mariozechner/pi-coding-agent, installed into
# .tools/pi by .ci/run). No API key: pi talks to tests/fixtures/slow_llm_server.py, which holds every request, so pi
# stays in its "Working..." state until Escape.
BeforeDiscovery {
    $script:piBin = Join-Path (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path '.tools/pi/node_modules/.bin/pi'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
}

Describe 'Activity of a real pi agent' -Skip:(-not (Test-Path $piBin)) {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $pi = Join-Path (Get-RepoRoot) '.tools/pi/node_modules/.bin/pi'
        $psi = [System.Diagnostics.ProcessStartInfo]::new('python3')
        $psi.ArgumentList.Add((Join-Path (Get-RepoRoot) 'tests/fixtures/slow_llm_server.py'))
        $psi.RedirectStandardOutput = $true
        $psi.UseShellExecute = $false
        $script:server = [System.Diagnostics.Process]::Start($psi)
        $port = $server.StandardOutput.ReadLine()
        $piHome = Join-Path $envt.Directory 'home'
        New-Item -ItemType Directory -Force (Join-Path $piHome '.pi/agent'), (Join-Path $piHome 'work') | Out-Null
        @{ providers = @{ fake = @{ baseUrl = "http://127.0.0.1:$port/v1"; api = 'openai-completions'; apiKey = 'x'; models = @(@{ id = 'slow' }) } } } |
            ConvertTo-Json -Depth 6 | Set-Content (Join-Path $piHome '.pi/agent/models.json')
        Set-FleetTestRoster -Environment $envt -Agents @(@{ name = 'pi1'; runtime = 'pi' }) | Out-Null
        & tmux -L $envt.Socket new-session -d -s pi1 -x 120 -y 40 -c (Join-Path $piHome 'work') -e "HOME=$piHome" -- $pi --provider fake --model slow
        Wait-Until { (Get-PaneText $envt.Socket '=pi1:') -match '\(auto\)' } -TimeoutSeconds 30 | Should -BeTrue
    }
    AfterAll {
        Remove-FleetTestEnvironment $envt
        if ($server -and -not $server.HasExited) { $server.Kill($true) }
    }

    It 'reads pi''s editor as Idle, a running turn as Busy, and Idle again after Escape' {
        Wait-Until { (Get-FleetAgent pi1 -RosterPath $envt.RosterPath -Activity).Activity -eq 'Idle' } -TimeoutSeconds 15 | Should -BeTrue
        Send-PaneLine $envt.Socket '=pi1:' 'hello there'
        Wait-Until { (Get-PaneText $envt.Socket '=pi1:') -match 'Working\.\.\.' } -TimeoutSeconds 15 | Should -BeTrue
        (Get-FleetAgent pi1 -RosterPath $envt.RosterPath -Activity).Activity | Should -Be 'Busy'
        & tmux -L $envt.Socket send-keys -t '=pi1:' Escape
        Wait-Until { (Get-FleetAgent pi1 -RosterPath $envt.RosterPath -Activity).Activity -eq 'Idle' } -TimeoutSeconds 15 | Should -BeTrue
        (Get-PaneText $envt.Socket '=pi1:') | Should -Not -Match 'Working\.\.\.'
    }

    It 'Wait-FleetAgent -Activity Busy returns pi while its turn runs' {
        Send-PaneLine $envt.Socket '=pi1:' 'second question'
        $sent = [DateTimeOffset]::UtcNow
        (Wait-FleetAgent pi1 -Activity Busy -TimeoutSeconds 20 -RosterPath $envt.RosterPath).Activity | Should -Be 'Busy'
        & tmux -L $envt.Socket send-keys -t '=pi1:' Escape
        $out = [pscustomobject]@{ Agent = 'pi1'; Status = 'Accepted'; SentAt = $sent } | Wait-FleetAgent -TimeoutSeconds 20 -RosterPath $envt.RosterPath
        $out.Activity | Should -Be 'Idle'
    }
}
