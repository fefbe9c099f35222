# Issue 20 item 3: objects that went through Export-Clixml/Import-Clixml (or remoting) filter and sort like live ones.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
}

Describe 'Deserialized objects filter like live ones' {
    BeforeAll {
        $script:envt = New-FleetTestEnvironment -Prefix mfd
        $script:savedState = Enter-FleetTestStateDirs $envt
        $pi = New-FakeRuntime -Environment $envt -Name 'pi' -Target 'sleep'
        $script:roster = Set-FleetTestRoster -Environment $envt -Agents @(
            @{ name = 'run0'; runtime = 'pi' }
            @{ name = 'drifted'; runtime = 'pi' }
            @{ name = 'gone'; runtime = 'pi' }
            @{ name = 'run1'; runtime = 'pi' }
            @{ name = 'tui'; runtime = 'fake' }
        ) -Extra @"
runtimes:
  fake: { command: 'python3 fake_tui.py', paneCommands: [python3] }
"@
        Start-TestPane -Environment $envt -Session 'run0' -Command @($pi, '600')
        Start-TestPane -Environment $envt -Session 'run1' -Command @($pi, '600')
        Start-TestPane -Environment $envt -Session 'drifted' -Command @('python3', '-c', 'import time; time.sleep(600)')
        Start-FixtureTui -Environment $envt -Session 'tui' | Out-Null
        Wait-Until { (& tmux -L $envt.Socket list-panes -a -F '#{session_name}:#{pane_current_command}') -contains 'drifted:python3' } | Should -BeTrue

        function script:RoundTrip($objects) {
            $file = Join-Path $envt.Directory "rt-$([guid]::NewGuid().ToString('N')).xml"
            $objects | Export-Clixml -LiteralPath $file
            Import-Clixml -LiteralPath $file
        }
        $script:live = @(Get-FleetAgent -Activity -RosterPath $roster)
        $script:back = @(RoundTrip $live)
    }
    AfterAll {
        Exit-FleetTestStateDirs $savedState
        Remove-FleetTestEnvironment $envt
    }

    It 'came back deserialized (so the test is about deserialized objects)' {
        $back[0].PSObject.TypeNames | Should -Contain 'Deserialized.MosaicFleet.FleetAgent'
        $back.Count | Should -Be 5
    }

    It 'FleetAgent: <Filter> selects the same agents' -ForEach @(
        @{ Filter = 'Status -eq Running'; Script = { $_ | Where-Object Status -eq Running } }
        @{ Filter = 'Status -eq ''missing'''; Script = { $_ | Where-Object Status -eq 'missing' } }
        @{ Filter = 'Status -ne Running'; Script = { $_ | Where-Object Status -ne Running } }
        @{ Filter = 'Drift'; Script = { $_ | Where-Object Drift } }
        @{ Filter = 'Activity -eq Idle'; Script = { $_ | Where-Object Activity -eq Idle } }
        @{ Filter = 'Activity -in Busy, Idle'; Script = { $_ | Where-Object Activity -in Busy, Idle } }
        @{ Filter = 'Sort-Object Status, Name'; Script = { $_ | Sort-Object Status, Name } }
        @{ Filter = 'Sort-Object Activity, Name -Descending'; Script = { $_ | Sort-Object Activity, Name -Descending } }
    ) {
        $l = @(, $live | ForEach-Object $Script).Name
        $d = @(, $back | ForEach-Object $Script).Name
        $l | Should -Not -BeNullOrEmpty
        $d | Should -Be $l
    }

    It 'FleetDriftResult: Status and Drift filter the same' {
        $l = @(Test-FleetDrift -RosterPath $roster)
        $d = @(RoundTrip $l)
        ($d | Where-Object Drift).Name | Should -Be ($l | Where-Object Drift).Name
        ($d | Where-Object Status -eq Missing).Name | Should -Be @('gone')
    }

    It 'FleetSendResult: Status filters the same, and a deserialized result still feeds Wait-FleetAgent' {
        $l = @(Send-FleetMessage 'hi' -Name tui, gone -RosterPath $roster -ErrorAction SilentlyContinue)
        $d = @(RoundTrip $l)
        ($d | Where-Object Status -eq Accepted).Agent | Should -Be @('tui')
        ($d | Where-Object Status -eq NoSession).Agent | Should -Be @('gone')
        ($d | Where-Object Status -eq Accepted | Wait-FleetAgent -TimeoutSeconds 20 -RosterPath $roster).Name | Should -Be 'tui'
    }

    It 'every enum of every output type comes back as the enum (a new enum needs its types.ps1xml entry)' {
        $types = Get-Command -Module MosaicFleet | ForEach-Object { $_.OutputType.Type } | Where-Object { $_ } | Sort-Object FullName -Unique
        $enums = foreach ($t in $types) {
            foreach ($p in $t.GetProperties()) {
                $pt = [Nullable]::GetUnderlyingType($p.PropertyType) ?? $p.PropertyType
                if ($pt.IsEnum) { $pt }
            }
        }
        $enums = @($enums | Sort-Object FullName -Unique)
        $enums.Count | Should -BeGreaterThan 2
        foreach ($e in $enums) {
            (Get-TypeData "Deserialized.$($e.FullName)").TargetTypeForDeserialization | Should -Be $e -Because "$($e.FullName) needs a Deserialized entry in MosaicFleet.types.ps1xml"
            $value = [Enum]::GetValues($e) | Select-Object -Last 1
            $rt = RoundTrip ([pscustomobject]@{ V = $value })
            $rt.V | Should -BeOfType $e
            $rt.V | Should -Be $value
        }
    }
}
