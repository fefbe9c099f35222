BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    $script:ModulePath = Get-FleetModulePath
    $script:ModuleDir = Split-Path $ModulePath
}

Describe 'The staged module (out/MosaicFleet)' {
    It 'has a manifest that Test-ModuleManifest accepts' {
        $m = Test-ModuleManifest -Path $ModulePath -ErrorAction Stop
        $m.Name | Should -Be 'MosaicFleet'
        $m.PowerShellVersion | Should -Be ([version]'7.4')
        $m.CompatiblePSEditions | Should -Contain 'Core'
        $m.ExportedCmdlets.Keys | Should -Contain 'Get-FleetAgent'
    }

    It 'ships the Engine and YamlDotNet under Dependencies and no System.Management.Automation.dll' {
        Join-Path $ModuleDir 'Dependencies/MosaicFleet.Engine.dll' | Should -Exist
        Join-Path $ModuleDir 'Dependencies/YamlDotNet.dll' | Should -Exist
        Join-Path $ModuleDir 'MosaicFleet.Engine.dll' | Should -Not -Exist
        Join-Path $ModuleDir 'YamlDotNet.dll' | Should -Not -Exist
        Get-ChildItem $ModuleDir -Recurse -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
    }

    It 'loads the Engine and YamlDotNet into its own load context and the output types into the default one' {
        $r = Invoke-ChildPwsh -Command @'
Import-Module $env:MOSAIC_FLEET_MODULE
$null = Get-Command Get-FleetAgent
$roster = Join-Path ([IO.Path]::GetTempPath()) "alc-$PID.yaml"
"version: 1`nagents: []" | Set-Content $roster
$null = Get-FleetRoster -RosterPath $roster
Remove-Item $roster
foreach ($n in 'MosaicFleet.Engine', 'YamlDotNet', 'MosaicFleet.Model') {
    $a = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $n } | Select-Object -First 1
    '{0}={1}' -f $n, [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($a).Name
}
[MosaicFleet.FleetAgent].FullName
'@
        $r.Stderr | Should -BeNullOrEmpty
        $lines = $r.Stdout -split "`n" | ForEach-Object Trim
        $lines | Should -Contain 'MosaicFleet.Engine=MosaicFleet'
        $lines | Should -Contain 'YamlDotNet=MosaicFleet'
        $lines | Should -Contain 'MosaicFleet.Model=Default'
        $lines | Should -Contain 'MosaicFleet.FleetAgent'
    }
}
