BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force

    # The argv an outer terminal runs: pwsh importing the module, then $Script, then a marker line and a pause so the
    # pane stays readable after the command ends.
    function Get-WatchCommand([string] $Script) {
        $module = (Get-FleetModulePath).Replace("'", "''")
        @((Get-PwshPath), '-NoProfile', '-Command', "Import-Module '$module'; $Script; 'WATCH-ENDED'; Start-Sleep 120")
    }
    function Get-Viewer([string] $Socket) { @(Get-TestSession $Socket | Where-Object Name -like '_view-*') }
}

Describe 'Watch-FleetAgent in a real terminal (outer tmux on another private socket)' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $fixture = Join-Path (Get-RepoRoot) 'tests/fixtures/busy_agent.py'
        Set-FleetTestRoster -Environment $envt -Extra "runtimes:`n  fixture: { command: 'python3 busy_agent.py', paneCommands: [python3] }" -Agents @(
            @{ name = 'watched'; runtime = 'fixture' }
        ) | Out-Null
        $script:roster = $envt.RosterPath.Replace("'", "''")
        # The agent: 200x50, echoes "echo ..." lines.
        Start-TestPane -Environment $envt -Session 'watched' -Command @('python3', $fixture, '1')
        Wait-Until { (Get-PaneText $envt.Socket '=watched:') -match 'fixture agent ready' } | Should -BeTrue
        $script:agentPane = (& tmux -L $envt.Socket display-message -p -t '=watched:' '#{pane_id}')
    }
    AfterAll { Remove-FleetTestEnvironment $envt }
    AfterEach {
        & tmux -L "$($envt.Socket)-outer" kill-server 2>$null
        $global:LASTEXITCODE = 0
        Wait-Until { (Get-Viewer $envt.Socket).Count -eq 0 } | Out-Null
    }

    It 'attaches read-only: typed keys do not reach the agent, a small viewer does not shrink it, detach removes the viewer' {
        $outer = Start-OuterTerminal -Environment $envt -Command (Get-WatchCommand "Watch-FleetAgent watched -RosterPath '$roster'") -Width 80 -Height 24
        Wait-Until { (Get-Viewer $envt.Socket | Where-Object Attached -eq 1).Count -eq 1 } -TimeoutSeconds 30 | Should -BeTrue
        $viewer = (Get-Viewer $envt.Socket)[0]
        $viewer.Name | Should -Match '^_view-watched-[0-9a-f]{8}$'
        (& tmux -L $envt.Socket list-clients -F '#{client_session}|#{client_readonly}') | Should -Be "$($viewer.Name)|1"
        # The viewer shares the agent's window (same session group) ...
        (& tmux -L $envt.Socket display-message -p -t "=$($viewer.Name):" '#{pane_id}') | Should -Be $agentPane
        # ... and the 80x24 terminal did not resize the 200x50 agent.
        $agent = Get-TestSession $envt.Socket | Where-Object Name -eq 'watched'
        "$($agent.Width)x$($agent.Height)" | Should -Be '200x50'
        # The viewer is no agent: Get-FleetAgent still shows the roster's one agent, on its own pane.
        $listed = @(Get-FleetAgent -RosterPath $envt.RosterPath)
        $listed.Name | Should -Be @('watched')
        $listed[0].PaneId | Should -Be $agentPane

        Send-PaneLine -Socket $outer -Target '=outer:' -Text 'echo typed-in-readonly'
        Start-Sleep -Seconds 1
        (Get-PaneText $envt.Socket '=watched:') | Should -Not -Match 'typed-in-readonly'
        # What the agent shows does reach the viewer.
        (Get-PaneText $outer '=outer:') | Should -Match 'fixture agent ready'

        & tmux -L $outer send-keys -t '=outer:' C-b d
        Wait-Until { (Get-PaneText $outer '=outer:') -match 'WATCH-ENDED' } -TimeoutSeconds 15 | Should -BeTrue
        Get-Viewer $envt.Socket | Should -BeNullOrEmpty
        $agent = Get-TestSession $envt.Socket | Where-Object Name -eq 'watched'
        $agent.Attached | Should -Be 0
        "$($agent.Width)x$($agent.Height)" | Should -Be '200x50'
        (& tmux -L $envt.Socket display-message -p -t '=watched:' '#{pane_id}') | Should -Be $agentPane
    }

    It '-Takeover attaches writable: typed keys reach the agent' {
        $outer = Start-OuterTerminal -Environment $envt -Command (Get-WatchCommand "Watch-FleetAgent watched -Takeover -Confirm:`$false -RosterPath '$roster'")
        Wait-Until { (Get-Viewer $envt.Socket | Where-Object Attached -eq 1).Count -eq 1 } -TimeoutSeconds 30 | Should -BeTrue
        (& tmux -L $envt.Socket list-clients -F '#{client_readonly}') | Should -Be '0'
        Send-PaneLine -Socket $outer -Target '=outer:' -Text 'echo typed-in-takeover'
        Wait-Until { (Get-PaneText $envt.Socket '=watched:') -match 'echo: echo typed-in-takeover' } | Should -BeTrue
        & tmux -L $outer send-keys -t '=outer:' C-b d
        Wait-Until { (Get-PaneText $outer '=outer:') -match 'WATCH-ENDED' } -TimeoutSeconds 15 | Should -BeTrue
        Get-Viewer $envt.Socket | Should -BeNullOrEmpty
        (Get-TestSession $envt.Socket).Name | Should -Be @('watched')
    }

    It 'removes the viewer when the terminal closes, and leaves the agent alone' {
        $outer = Start-OuterTerminal -Environment $envt -Command (Get-WatchCommand "Watch-FleetAgent watched -RosterPath '$roster'")
        Wait-Until { (Get-Viewer $envt.Socket | Where-Object Attached -eq 1).Count -eq 1 } -TimeoutSeconds 30 | Should -BeTrue
        # The terminal goes away: its tmux server (and so the pane holding our tmux client) is killed.
        & tmux -L $outer kill-server
        Wait-Until { (Get-Viewer $envt.Socket).Count -eq 0 } | Should -BeTrue
        (Get-TestSession $envt.Socket).Name | Should -Be @('watched')
        (& tmux -L $envt.Socket display-message -p -t '=watched:' '#{pane_id}') | Should -Be $agentPane
    }

    It '-Takeover -WhatIf opens nothing, in a real terminal where it could' {
        # In the terminal, so a -WhatIf that were ignored would attach (and the error count below would not be 0).
        $outer = Start-OuterTerminal -Environment $envt -Command (Get-WatchCommand "`$Error.Clear(); Watch-FleetAgent watched -Takeover -WhatIf -RosterPath '$roster'; 'ERRORS=' + `$Error.Count") -Width 200
        Wait-Until { (Get-PaneText $outer '=outer:') -match 'WATCH-ENDED' } -TimeoutSeconds 30 | Should -BeTrue
        $text = (& tmux -L $outer capture-pane -p -J -t '=outer:') -join ' '
        $text | Should -Match 'What if: Performing the operation "Take over \(keys typed in this terminal reach the agent\)" on target "agent watched on local"'
        $text | Should -Match 'ERRORS=0'
        Get-Viewer $envt.Socket | Should -BeNullOrEmpty
        (& tmux -L $envt.Socket list-clients -F '#{client_session}') | Should -BeNullOrEmpty
    }

    It 'fails with WatchNeedsTerminal and leaves no viewer when there is no terminal' {
        $r = Invoke-ChildPwsh "Import-Module `$env:MOSAIC_FLEET_MODULE; Watch-FleetAgent watched -RosterPath '$roster' -ErrorVariable e -ErrorAction SilentlyContinue; `$e | ForEach-Object { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.TargetObject; `$_.Exception.Message }"
        $lines = $r.Stdout -split "`r?`n"
        $lines[0] | Should -BeLike 'WatchNeedsTerminal,*'
        $lines[1] | Should -Be 'InvalidOperation'
        $lines[2] | Should -Be 'watched'
        $lines[3] | Should -Match 'needs a terminal'
        Get-Viewer $envt.Socket | Should -BeNullOrEmpty
    }

    It 'removes a leftover viewer session (from a killed terminal) on the next Watch' {
        & tmux -L $envt.Socket new-session -d -s '_view-watched-0badf00d' -t '=watched'
        (Get-Viewer $envt.Socket).Name | Should -Be @('_view-watched-0badf00d')
        # A leftover viewer is never taken for an agent.
        @(Get-FleetAgent -RosterPath $envt.RosterPath).Name | Should -Be @('watched')
        $outer = Start-OuterTerminal -Environment $envt -Command (Get-WatchCommand "Watch-FleetAgent watched -RosterPath '$roster'")
        Wait-Until { (Get-Viewer $envt.Socket | Where-Object Attached -eq 1).Count -eq 1 } -TimeoutSeconds 30 | Should -BeTrue
        (Get-Viewer $envt.Socket).Name | Should -Not -Contain '_view-watched-0badf00d'
        @(Get-Viewer $envt.Socket).Count | Should -Be 1
        & tmux -L $outer send-keys -t '=outer:' C-b d
        Wait-Until { (Get-Viewer $envt.Socket).Count -eq 0 } | Should -BeTrue
    }

    It 'reports an agent without a session as WatchAgentNotRunning' {
        $path = Join-Path $envt.Directory 'ghost.yaml'
        Set-FleetTestRoster -Environment $envt -Agents @(@{ name = 'ghost'; runtime = 'pi' }) -Path $path | Out-Null
        Watch-FleetAgent ghost -RosterPath $path -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0] | Assert-FleetError -Id WatchAgentNotRunning -Target 'ghost'
    }

    It 'inside a client of the fleet''s own socket, switches that client instead of nesting, and restores it after' {
        # The operator's client: a terminal (outer socket) attached to session "ops" on the fleet's socket; the pane of
        # "ops" runs pwsh, which waits for its client and then runs Watch-FleetAgent.
        $module = (Get-FleetModulePath).Replace("'", "''")
        $script = "while (-not (tmux -L $($envt.Socket) list-clients)) { Start-Sleep -Milliseconds 100 }; Import-Module '$module'; Watch-FleetAgent watched -RosterPath '$roster'; 'WATCH-RETURNED'; Start-Sleep 120"
        & tmux -L $envt.Socket new-session -d -s ops -x 80 -y 24 -- (Get-PwshPath) -NoProfile -Command $script
        $outer = Start-OuterTerminal -Environment $envt -Command @('env', '-u', 'TMUX', 'tmux', '-L', $envt.Socket, 'attach-session', '-t', '=ops')
        try {
            Wait-Until { (Get-Viewer $envt.Socket | Where-Object Attached -eq 1).Count -eq 1 } -TimeoutSeconds 30 | Should -BeTrue
            $viewer = (Get-Viewer $envt.Socket)[0].Name
            # One client only (no nested tmux), now on the viewer, read-only.
            $clients = @(& tmux -L $envt.Socket list-clients -F '#{client_name}|#{client_session}|#{client_readonly}')
            $clients.Count | Should -Be 1
            $name, $session, $ro = $clients[0] -split '\|'
            $session | Should -Be $viewer
            $ro | Should -Be '1'
            # The client is switched before Watch-FleetAgent returns, so its pwsh may print a moment later.
            Wait-Until { (Get-PaneText $envt.Socket '=ops:') -match 'WATCH-RETURNED' } | Should -BeTrue
            Send-PaneLine -Socket $outer -Target '=outer:' -Text 'echo typed-in-switched'
            Start-Sleep -Seconds 1
            (Get-PaneText $envt.Socket '=watched:') | Should -Not -Match 'typed-in-switched'
            # Leaving the viewer removes it and gives the client its keys back.
            & tmux -L $envt.Socket switch-client -c $name -t '=ops'
            Wait-Until { (Get-Viewer $envt.Socket).Count -eq 0 } | Should -BeTrue
            Wait-Until { (& tmux -L $envt.Socket list-clients -F '#{client_session}|#{client_readonly}') -eq 'ops|0' } | Should -BeTrue
            # The restoring hook removed itself.
            (& tmux -L $envt.Socket show-hooks -g) -join "`n" | Should -Not -Match 'switch-client'
        } finally {
            & tmux -L $envt.Socket kill-session -t '=ops' 2>$null
            $global:LASTEXITCODE = 0
        }
    }
}
