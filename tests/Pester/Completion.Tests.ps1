BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    # Every parameter that takes agent names (Name, *AgentName, Agent), and every -Runtime and -ClassName, of every
    # exported cmdlet: cmdlets added on other branches are checked without editing this file.
    $script:AgentParams = @(); $script:RuntimeParams = @(); $script:ClassParams = @()
    foreach ($cmd in Get-Command -Module MosaicFleet -CommandType Cmdlet) {
        foreach ($p in $cmd.Parameters.Values) {
            $case = @{ Command = $cmd.Name; Parameter = $p.Name }
            if ($p.Name -eq 'Name' -or $p.Name -like '*AgentName' -or $p.Name -eq 'Agent') { $script:AgentParams += $case }
            elseif ($p.Name -eq 'Runtime') { $script:RuntimeParams += $case }
            elseif ($p.Name -eq 'ClassName') { $script:ClassParams += $case }
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    $script:envt = New-FleetTestEnvironment -Prefix 'mfc'
    Set-FleetTestRoster -Environment $envt -Extra "runtimes:`n  custom-rt: { command: sleep 600, paneCommands: [sleep] }" -Agents @(
        @{ name = 'coder0'; runtime = 'pi'; className = 'worker' }
        @{ name = 'coder1'; runtime = 'codex'; className = 'worker' }
        @{ name = 'reviewer'; runtime = 'custom-rt'; className = 'review' }
    ) | Out-Null
    function Get-Completion([string] $Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText
    }
    $script:Roster = $envt.RosterPath
}
AfterAll { Remove-FleetTestEnvironment $envt }

Describe 'Tab completion from the roster' {
    It 'completes -Name with the roster''s agents, filtered by what was typed' {
        Get-Completion "Get-FleetAgent -RosterPath '$Roster' -Name " | Should -Be @('coder0', 'coder1', 'reviewer')
        Get-Completion "Get-FleetAgent -RosterPath '$Roster' -Name cod" | Should -Be @('coder0', 'coder1')
        Get-Completion "Get-FleetAgent -RosterPath '$Roster' rev" | Should -Be @('reviewer')
    }

    It 'completes -Runtime with the built-in runtimes and the roster''s own' {
        $r = Get-Completion "Get-FleetAgent -RosterPath '$Roster' -Runtime "
        $r | Should -Contain 'custom-rt'
        $r | Should -Contain 'pi'
        $r | Should -Contain 'codex'
        Get-Completion "Get-FleetAgent -RosterPath '$Roster' -Runtime cu" | Should -Be @('custom-rt')
    }

    It 'completes -ClassName with the roster''s classes, each once' {
        Get-Completion "Get-FleetAgent -RosterPath '$Roster' -ClassName " | Should -Be @('review', 'worker')
        Get-Completion "Get-FleetAgent -Roster '$Roster' -ClassName w" | Should -Be @('worker')
    }

    It 'honours a relative -RosterPath from the current location, and $env:MOSAIC_FLEET_ROSTER without one' {
        Push-Location $envt.Directory
        try { Get-Completion "Get-FleetAgent -RosterPath ./roster.yaml -Name c" | Should -Be @('coder0', 'coder1') }
        finally { Pop-Location }
        $saved = $env:MOSAIC_FLEET_ROSTER
        try {
            $env:MOSAIC_FLEET_ROSTER = $Roster
            Get-Completion 'Get-FleetAgent -Name r' | Should -Be @('reviewer')
        } finally { $env:MOSAIC_FLEET_ROSTER = $saved }
    }

    It 'uses a -RosterPath set in $PSDefaultParameterValues for the command, as the cmdlet itself would' {
        $other = Join-Path $envt.Directory 'other.yaml'
        Set-FleetTestRoster -Environment $envt -Path $other -Agents @(@{ name = 'nightly'; runtime = 'pi' }) | Out-Null
        $saved = $PSDefaultParameterValues.Clone()
        try {
            $PSDefaultParameterValues['*-Fleet*:RosterPath'] = $other
            Get-Completion 'Stop-FleetAgent -Name ' | Should -Be @('nightly')
            # The command line still wins.
            Get-Completion "Stop-FleetAgent -RosterPath '$Roster' -Name rev" | Should -Be @('reviewer')
            # A default for other commands does not apply.
            $PSDefaultParameterValues.Clear()
            $PSDefaultParameterValues['Get-Process:RosterPath'] = $other
            $env:MOSAIC_FLEET_ROSTER, $savedEnv = $Roster, $env:MOSAIC_FLEET_ROSTER
            try { Get-Completion 'Stop-FleetAgent -Name ' | Should -Be @('coder0', 'coder1', 'reviewer') }
            finally { $env:MOSAIC_FLEET_ROSTER = $savedEnv }
        } finally {
            $PSDefaultParameterValues.Clear()
            foreach ($k in $saved.Keys) { $PSDefaultParameterValues[$k] = $saved[$k] }
        }
    }

    It 'completes -HostName of Install- and Uninstall-FleetUnit with local and the roster''s hosts' {
        $hosts = Join-Path $envt.Directory 'hosts.yaml'
        Set-FleetTestRoster -Environment $envt -Path $hosts -Agents @(@{ name = 'a'; runtime = 'pi' }) -Extra "hosts:`n  build1: { ssh: op@build1 }`n  build2: { ssh: op@build2 }" | Out-Null
        Get-Completion "Install-FleetUnit -RosterPath '$hosts' -HostName " | Should -Be @('build1', 'build2', 'local')
        Get-Completion "Uninstall-FleetUnit -RosterPath '$hosts' -HostName b" | Should -Be @('build1', 'build2')
    }

    It 'completes nothing (and throws nothing) when the roster cannot be read' {
        $bad = Join-Path $envt.Directory 'broken.yaml'
        Set-Content $bad "version: 1`nagents: [ {name: x"
        @(Get-Completion "Get-FleetAgent -RosterPath '$bad' -Name ") | Where-Object { $_ -in 'coder0', 'x' } | Should -BeNullOrEmpty
        @(Get-Completion "Get-FleetAgent -RosterPath '$(Join-Path $envt.Directory 'none.yaml')' -Name ") | Where-Object { $_ -eq 'coder0' } | Should -BeNullOrEmpty
    }
}

Describe 'Every agent-name, runtime and class parameter of every cmdlet completes from the roster' {
    It '<Command> -<Parameter> has the AgentNameCompleter and completes agent names' -ForEach $AgentParams {
        $p = (Get-Command $Command).Parameters[$Parameter]
        $completer = $p.Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }
        $completer | Should -Not -BeNullOrEmpty -Because "$Command -$Parameter takes agent names"
        $completer.Type.Name | Should -Be 'AgentNameCompleter'
        Get-Completion "$Command -RosterPath '$Roster' -$Parameter cod" | Should -Be @('coder0', 'coder1')
    }

    It '<Command> -<Parameter> completes runtimes' -ForEach $RuntimeParams {
        ((Get-Command $Command).Parameters[$Parameter].Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }).Type.Name | Should -Be 'RuntimeCompleter'
        Get-Completion "$Command -RosterPath '$Roster' -$Parameter cus" | Should -Be @('custom-rt')
    }

    It '<Command> -<Parameter> completes classes' -ForEach $ClassParams {
        ((Get-Command $Command).Parameters[$Parameter].Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }).Type.Name | Should -Be 'ClassNameCompleter'
        Get-Completion "$Command -RosterPath '$Roster' -$Parameter rev" | Should -Be @('review')
    }
}
