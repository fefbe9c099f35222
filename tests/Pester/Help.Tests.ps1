BeforeDiscovery {
    # One test case per exported cmdlet, so cmdlets added on other branches are checked without editing this file.
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    $script:CmdletCases = @(Get-Command -Module MosaicFleet -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    $script:Common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $script:HelpSource = Join-Path (Get-RepoRoot) 'docs/help'
}

Describe 'Get-Help for the module''s cmdlets' {
    It 'Get-Help Get-FleetAgent -Full shows the synopsis, description, every parameter''s description and the examples from docs/help' {
        $help = Get-Help Get-FleetAgent -Full
        $help.Synopsis | Should -Be 'Lists the roster''s agents joined with their live tmux and systemd state.'
        ($help.description.Text -join "`n") | Should -Match 'ONE tmux list-panes -a'
        foreach ($name in 'Name', 'Runtime', 'ClassName', 'RosterPath') {
            $p = $help.parameters.parameter | Where-Object name -eq $name
            $p | Should -Not -BeNullOrEmpty -Because "-$name is a parameter"
            ($p.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$name has a description"
        }
        ($help.parameters.parameter | Where-Object name -eq 'Name').description.Text -join ' ' | Should -Match 'wildcards allowed'
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        $help.examples.example[1].code | Should -Match 'Where-Object Drift'
        ($help.examples.example[1].remarks.Text -join ' ') | Should -Match 'drifted agent'

        $text = Get-Help Get-FleetAgent -Full | Out-String -Width 200
        $text | Should -Match 'Accept pipeline input\?\s+True \(ByPropertyName, ByValue\)'
        $text | Should -Match 'Accept wildcard characters\?\s+true'
        $text | Should -Match 'Example 2: Agents that run the wrong thing'
        $text | Should -Match 'MosaicFleet\.FleetAgent'
    }

    It '<Name> has a synopsis, a description and at least two examples with code' -ForEach $CmdletCases {
        $help = Get-Help $Name -Full
        # Without MAML, Get-Help falls back to the syntax line as the synopsis.
        $help.Synopsis | Should -Not -Match ([regex]::Escape($Name) + ' \[')
        $help.Synopsis.Trim() | Should -Not -BeNullOrEmpty
        ($help.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($e in $help.examples.example) { $e.code.Trim() | Should -Not -BeNullOrEmpty }
    }

    It '<Name>: the help documents exactly the cmdlet''s parameters, with the same type, position, pipeline input and wildcards' -ForEach $CmdletCases {
        $cmd = Get-Command $Name
        $help = Get-Help $Name -Full
        # Hidden parameters (DontShow: the piped object's roster) are plumbing and have no help.
        $cmdParams = @($cmd.Parameters.Values | Where-Object { $_.Name -notin $Common -and -not @($_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow }) })
        $helpParams = @($help.parameters.parameter | Where-Object name -notin $Common)   # -WhatIf/-Confirm are generated
        @($helpParams.name | Sort-Object) | Should -Be @($cmdParams.Name | Sort-Object)
        foreach ($cp in $cmdParams) {
            $hp = $helpParams | Where-Object name -eq $cp.Name
            ($hp.description.Text -join ' ').Trim() | Should -Not -BeNullOrEmpty -Because "-$($cp.Name) needs a description"
            $type = $cp.ParameterType
            if ($type.IsGenericType -and $type.GetGenericTypeDefinition() -eq [Nullable`1]) { $type = $type.GetGenericArguments()[0] }
            $hp.type.name | Should -Be $type.FullName -Because "-$($cp.Name)'s type"
            $sets = @($cp.ParameterSets.Values)
            $hp.required | Should -Be ([string](@($sets | Where-Object IsMandatory).Count -eq $sets.Count)).ToLowerInvariant() -Because "-$($cp.Name) required"
            $positions = @($sets | Where-Object { $_.Position -ge 0 } | ForEach-Object Position)
            $expectedPosition = if ($positions.Count -gt 0) { [string]$positions[0] } else { 'named' }
            $hp.position | Should -Be $expectedPosition -Because "-$($cp.Name) position"
            $byValue = [bool]@($sets | Where-Object ValueFromPipeline)
            $byName = [bool]@($sets | Where-Object ValueFromPipelineByPropertyName)
            $pipeline = if ($byValue -and $byName) { 'True (ByPropertyName, ByValue)' } elseif ($byValue) { 'True (ByValue)' } elseif ($byName) { 'True (ByPropertyName)' } else { 'False' }
            $hp.pipelineInput | Should -Be $pipeline -Because "-$($cp.Name) pipeline input"
            $wild = [bool]@($cp.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            $hp.globbing | Should -Be ([string]$wild).ToLowerInvariant() -Because "-$($cp.Name) wildcards"
            # The default value shown is the cmdlet's own (a fresh cmdlet object's property): None when it has none to show.
            $value = $cmd.ImplementingType.GetProperty($cp.Name).GetValue([Activator]::CreateInstance($cmd.ImplementingType))
            $expectedDefault = if ($value -is [System.Management.Automation.SwitchParameter]) { 'False' }
                elseif ($null -eq $value -or "$value" -eq '' -or ($value -is [array] -and $value.Count -eq 0) -or ($value -is [int] -and $value -eq 0)) { 'None' }
                else { "$value" }
            $hp.defaultValue | Should -Be $expectedDefault -Because "-$($cp.Name)'s default value (a 'Default value: X' line in docs/help/$Name.md)"
        }
        # One syntax line per parameter set.
        @($help.syntax.syntaxItem).Count | Should -Be @($cmd.ParameterSets).Count
    }

    It 'Get-Help about_MosaicFleet shows the roster schema, paths, environment variables and the systemd layout' {
        $text = Get-Help about_MosaicFleet | Out-String
        $text | Should -Match 'about_MosaicFleet'
        foreach ($word in 'MOSAIC_FLEET_ROSTER', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'XDG_RUNTIME_DIR', 'MOSAIC_RUNTIME_BIN',
            'MOSAIC_TMUX', 'MOSAIC_SYSTEMCTL', 'mosaic-tmux-holder.service', 'mosaic-agent@.service', 'socketName', 'paneCommands') {
            $text | Should -Match ([regex]::Escape($word))
        }
    }

    It 'about_MosaicFleet lists every error id of the one list with its category, and each category is an ErrorCategory' {
        $list = @([MosaicFleet.Internal.FleetErrors]::All)
        $list.Count | Should -BeGreaterThan 50
        $text = (Get-Help about_MosaicFleet | Out-String) -replace '\s+', ' '
        $text | Should -Match 'ERROR IDS'
        foreach ($e in $list) {
            [enum]::GetNames([System.Management.Automation.ErrorCategory]) -ccontains $e.Category | Should -BeTrue -Because "$($e.Id) says $($e.Category)"
            $text | Should -Match ([regex]::Escape("- $($e.Id) ($($e.Category)):")) -Because 'the help is made from the list'
        }
    }
}

Describe 'The build-time help check (build/HelpGen)' {
    BeforeAll {
        $script:HelpGen = Get-ChildItem (Join-Path (Get-RepoRoot) 'build/HelpGen/bin/*/net8.0/HelpGen.dll') | Sort-Object LastWriteTime -Descending | Select-Object -First 1
        $script:ModuleDir = Split-Path (Get-FleetModulePath)
        $script:Work = Join-Path ([IO.Path]::GetTempPath()) "helpgen-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        function Invoke-HelpGen([string] $Source) {
            $out = & dotnet $HelpGen.FullName --assembly (Join-Path $ModuleDir 'MosaicFleet.dll') --reference $ModuleDir --reference (Join-Path $ModuleDir 'Dependencies') `
                --reference ([psobject].Assembly.Location) --source $Source --output (Join-Path $Work 'out') 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out -join "`n") }
        }
        function New-HelpCopy {
            $dir = Join-Path $Work ([guid]::NewGuid().ToString('N').Substring(0, 6))
            New-Item -ItemType Directory -Force $dir | Out-Null
            Copy-Item (Join-Path $HelpSource '*.md') $dir
            $dir
        }
    }
    AfterAll { Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue }

    It 'accepts the help as committed and writes MAML and the about topic' {
        $HelpGen | Should -Not -BeNullOrEmpty
        $r = Invoke-HelpGen $HelpSource
        $r.Output | Should -Not -Match 'error'
        $r.ExitCode | Should -Be 0
        Join-Path $Work 'out/MosaicFleet.dll-Help.xml' | Should -Exist
        Join-Path $Work 'out/about_MosaicFleet.help.txt' | Should -Exist
    }

    It 'fails when a parameter has no help section' {
        $dir = New-HelpCopy
        $file = Join-Path $dir 'Get-FleetAgent.md'
        (Get-Content -Raw $file) -replace '(?s)### -Runtime.*?(?=### -ClassName)', '' | Set-Content $file
        $r = Invoke-HelpGen $dir
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'error HELP003: The parameter -Runtime of Get-FleetAgent has no'
    }

    It 'fails when a help section names no parameter' {
        $dir = New-HelpCopy
        $file = Join-Path $dir 'Test-FleetDrift.md'
        (Get-Content -Raw $file) -replace '### -Quiet', "### -Loud`nNot a parameter.`n`n### -Quiet" | Set-Content $file
        $r = Invoke-HelpGen $dir
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match "Test-FleetDrift.md\(\d+\): error HELP004: '### -Loud' names no parameter"
    }

    It 'fails when a cmdlet has no help file or fewer than two examples' {
        $dir = New-HelpCopy
        Remove-Item (Join-Path $dir 'Get-FleetRoster.md')
        $file = Join-Path $dir 'Test-FleetDrift.md'
        (Get-Content -Raw $file) -replace '(?s)### Example 2.*?(?=## INPUTS)', '' -replace '(?s)### Example 3.*?(?=## INPUTS)', '' | Set-Content $file
        $r = Invoke-HelpGen $dir
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'error HELP001: The cmdlet Get-FleetRoster has no help file'
        $r.Output | Should -Match 'error HELP005: Test-FleetDrift has 1 example'
    }
}
