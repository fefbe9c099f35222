BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    # Every MosaicFleet type some exported cmdlet declares in [OutputType]: types added on other branches are checked too.
    $script:TypeCases = @(Get-Command -Module MosaicFleet -CommandType Cmdlet | ForEach-Object OutputType |
        Where-Object { $_.Name -like 'MosaicFleet.*' } | ForEach-Object Name | Sort-Object -Unique | ForEach-Object { @{ TypeName = $_ } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
}

Describe 'Output types have a default view and a DefaultDisplayPropertySet' {
    It 'finds the output types to check' {
        $TypeCases.TypeName | Should -Contain 'MosaicFleet.FleetAgent'
    }

    It '<TypeName> has a format view (also for Deserialized.<TypeName>) naming only real properties' -ForEach $TypeCases {
        $type = $TypeName -as [type]
        $type | Should -Not -BeNullOrEmpty -Because "$TypeName loads in the default context"
        $views = @(Get-FormatData -TypeName $TypeName)
        $views | Should -Not -BeNullOrEmpty
        Get-FormatData -TypeName "Deserialized.$TypeName" | Should -Not -BeNullOrEmpty
        foreach ($v in $views.FormatViewDefinition) {
            $entries = switch ($v.Control) {
                { $_ -is [System.Management.Automation.TableControl] } { $_.Rows.Columns.DisplayEntry }
                { $_ -is [System.Management.Automation.ListControl] } { $_.Entries.Items.DisplayEntry }
                default { @() }
            }
            foreach ($e in $entries | Where-Object ValueType -eq 'Property') {
                $type.GetProperty($e.Value) | Should -Not -BeNullOrEmpty -Because "view $($v.Name) shows $($e.Value)"
            }
        }
    }

    It '<TypeName> has a DefaultDisplayPropertySet naming only real properties' -ForEach $TypeCases {
        $type = $TypeName -as [type]
        $set = (Get-TypeData -TypeName $TypeName).DefaultDisplayPropertySet
        $set | Should -Not -BeNullOrEmpty
        $set.ReferencedProperties | Should -Not -BeNullOrEmpty
        foreach ($p in $set.ReferencedProperties) { $type.GetProperty($p) | Should -Not -BeNullOrEmpty -Because "the set names $p" }
    }
}

Describe 'FleetAgent in an 80-column table' {
    It 'fits 80 columns, shows every column and does not cut a 14-character name or a typical service state' {
        $agents = @(
            [MosaicFleet.FleetAgent]@{ Name = 'reviewer-fe-04'; Runtime = 'opencode'; Status = 'Unreachable'; Host = 'gpu-box1' }
            [MosaicFleet.FleetAgent]@{ Name = 'coder0'; Runtime = 'pi'; Status = 'Running'; PaneCommand = 'node'; ServiceState = 'activating/start'; IdleSeconds = 5000; Host = 'local' }
            [MosaicFleet.FleetAgent]@{ Name = 'canary'; Runtime = 'dogfood'; Status = 'Running'; Drift = $true; PaneCommand = 'python3'; ServiceState = 'active/running'; IdleSeconds = 42; Host = 'local' }
        )
        $lines = ($agents | Out-String -Width 80) -split "`n" | ForEach-Object TrimEnd | Where-Object { $_ }
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 }
        $lines[0] | Should -Match '^Name\s+Runtime\s+Status\s+Drift\s+Idle\s+PaneCommand\s+Service\s+Host$'
        $text = $lines -join "`n"
        $text | Should -Not -Match '…'
        foreach ($v in 'reviewer-fe-04', 'gpu-box1', 'activating', 'Unreachable', 'opencode', '1h23m', '42s') {
            $text | Should -Match ([regex]::Escape($v))
        }
    }

    It 'shows the Activity column, still within 80 columns, for agents whose activity was read (Get-FleetAgent -Activity, Wait-FleetAgent)' {
        $agents = @(
            [MosaicFleet.FleetAgent]@{ Name = 'reviewer-fe-04'; Runtime = 'opencode'; Status = 'Running'; Activity = 'Waiting'; ServiceState = 'activating/start'; PaneCommand = 'node'; IdleSeconds = 5000; Host = 'gpu-box1' }
            [MosaicFleet.FleetAgent]@{ Name = 'coder0'; Runtime = 'pi'; Status = 'Running'; Activity = 'Busy'; Host = 'local' }
        ) | ForEach-Object { [MosaicFleet.Internal.FleetCmdlet]::WithActivityView($_) }
        $agents[0] | Should -BeOfType ([MosaicFleet.FleetAgent])
        $lines = ($agents | Out-String -Width 80) -split "`n" | ForEach-Object TrimEnd | Where-Object { $_ }
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 }
        $lines[0] | Should -Match '^Name\s+Runtime\s+Status\s+Activity\s+Drift\s+Idle\s+PaneCommand\s+Host$'
        $text = $lines -join "`n"
        $text | Should -Not -Match '…'
        foreach ($v in 'reviewer-fe-04', 'gpu-box1', 'Waiting', 'Busy') { $text | Should -Match ([regex]::Escape($v)) }
        # A plain FleetAgent keeps the table without Activity.
        (([MosaicFleet.FleetAgent]@{ Name = 'x'; Runtime = 'pi' } | Out-String -Width 120) -split "`n" | Where-Object { $_ -match '^Name' }) | Should -Not -Match 'Activity'
    }
}
