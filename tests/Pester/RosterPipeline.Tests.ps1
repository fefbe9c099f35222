# Objects carry their roster (issue 17): a pipeline acts on the roster it started from.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force

    function script:New-CatRoster($envt, [string] $Socket, [string] $Path) {
        # Same agent names in both rosters; each roster has its own tmux socket.
        $yaml = @"
version: 1
tmux: { socketName: $Socket, holderSession: _holder }
runtimes:
  catrt: { command: cat, paneCommands: [cat] }
agents:
  - { name: coder0, runtime: catrt }
  - { name: coder1, runtime: catrt }
"@
        Set-Content -LiteralPath $Path -Value $yaml
        foreach ($n in 'coder0', 'coder1') { Start-TestPane -Environment $envt -Socket $Socket -Session $n -Command @('cat') }
    }
}

Describe 'Pipelines keep their roster' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment
        $script:sockB = "$($envt.Socket)-b"
        $envt.Sockets.Add($sockB)
        $script:A = Join-Path $envt.Directory 'team-a.yaml'
        $script:B = Join-Path $envt.Directory 'team-b.yaml'
        New-CatRoster $envt $envt.Socket $A
        New-CatRoster $envt $sockB $B
        $script:saved = Enter-FleetTestStateDirs -Environment $envt
        # No default roster: anything that loses the piped roster fails.
        $script:oldRoster = $env:MOSAIC_FLEET_ROSTER
        $env:MOSAIC_FLEET_ROSTER = Join-Path $envt.Directory 'missing.yaml'
        Push-Location $envt.Directory
    }
    AfterAll {
        Pop-Location
        $PSDefaultParameterValues.Remove('Get-FleetAgent:RosterPath')
        $env:MOSAIC_FLEET_ROSTER = $oldRoster
        Exit-FleetTestStateDirs $saved
        Remove-FleetTestEnvironment $envt
    }

    It 'every output object carries the full path of its roster' {
        $agents = Get-FleetAgent -RosterPath ./team-a.yaml
        $agents.RosterPath | Should -Be @($A, $A)
        (Get-FleetRoster -RosterPath $A).RosterPath | Should -Be $A
        (Test-FleetDrift -RosterPath $A -Name coder0).RosterPath | Should -Be $A
        (Get-FleetAgentOutput -RosterPath $A -Name coder0).RosterPath | Should -Be $A
    }

    It 'Get-FleetAgent | <Next> acts on the piped roster' -ForEach @(
        @{ Next = 'Test-FleetDrift'; Run = { $input | Test-FleetDrift } }
        @{ Next = 'Get-FleetAgentOutput'; Run = { $input | Get-FleetAgentOutput } }
        @{ Next = 'Get-FleetAgent'; Run = { $input | Get-FleetAgent } }
    ) {
        $out = @(Get-FleetAgent -RosterPath $B | & $Run)
        $out.Count | Should -Be 2
        $out.RosterPath | Should -Be @($B, $B)
    }

    It 'keeps the roster through Where-Object, Sort-Object and Export-/Import-Clixml' {
        $xml = Join-Path $envt.Directory 'agents.xml'
        Get-FleetAgent -RosterPath $B | Where-Object Name -EQ coder1 | Sort-Object Name | Export-Clixml -LiteralPath $xml
        $back = Import-Clixml -LiteralPath $xml
        $back.PSObject.TypeNames[0] | Should -Be 'Deserialized.MosaicFleet.FleetAgent'
        $again = @($back | Get-FleetAgent)
        $again.Name | Should -Be 'coder1'
        $again.RosterPath | Should -Be $B
        $again.Socket | Should -Be $sockB
    }

    It 'takes -RosterPath first, then the piped value, then $PSDefaultParameterValues, then the environment' {
        # explicit beats piped
        (Get-FleetAgent -RosterPath $A -Name coder0 | Get-FleetAgent -RosterPath $B).RosterPath | Should -Be $B
        # piped beats $PSDefaultParameterValues
        $PSDefaultParameterValues['Get-FleetAgent:RosterPath'] = $B
        try {
            (Get-FleetRoster -RosterPath $A | Get-FleetAgent -Name coder0).RosterPath | Should -Be $A
            # $PSDefaultParameterValues beats the environment
            (Get-FleetAgent -Name coder0).RosterPath | Should -Be $B
        } finally {
            $PSDefaultParameterValues.Remove('Get-FleetAgent:RosterPath')
        }
        # the environment, last
        $env:MOSAIC_FLEET_ROSTER = $A
        try {
            (Get-FleetAgent -Name coder0).RosterPath | Should -Be $A
        } finally {
            $env:MOSAIC_FLEET_ROSTER = Join-Path $envt.Directory 'missing.yaml'
        }
    }

    It 'sends to agents of two rosters roster by roster' {
        $both = @(Get-FleetAgent -RosterPath $A -Name coder0) + @(Get-FleetAgent -RosterPath $B -Name coder0)
        $results = @($both | Send-FleetMessage -Message 'hello both rosters' -NoVerify -Source t)
        $results.Status | Should -Be @('Submitted', 'Submitted')
        $results.RosterPath | Should -Be @($A, $B)
        foreach ($s in $envt.Socket, $sockB) {
            Wait-Until { (& tmux -L $s capture-pane -p -t '=coder0:') -match 'hello both rosters' } | Should -BeTrue -Because "socket $s"
            (& tmux -L $s capture-pane -p -t '=coder1:') -match 'hello both rosters' | Should -BeNullOrEmpty
        }
    }
}
