BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    # "Another module" built against an older YamlDotNet (tests/fixtures/OtherYaml), into an ignored folder.
    $script:OtherOut = Join-Path (Get-RepoRoot) 'out/test-fixtures/OtherYaml'
    $project = Join-Path (Get-RepoRoot) 'tests/fixtures/OtherYaml/OtherYaml.csproj'
    $build = & dotnet build $project -c Release -o $OtherOut -nologo -v quiet 2>&1
    if ($LASTEXITCODE -ne 0) { throw "Building the OtherYaml fixture failed:`n$($build -join "`n")" }
    $script:OtherModule = Join-Path $OtherOut 'OtherYaml.dll'
    $script:envt = New-FleetTestEnvironment -Prefix 'mfy'
    Set-FleetTestRoster -Environment $envt -Agents @(@{ name = 'coder0'; runtime = 'pi'; className = 'worker' }, @{ name = 'coder1'; runtime = 'codex' }) | Out-Null
    $script:Checks = @'
$o = ConvertFrom-OtherYaml "b: 2`na: 1"
'other=' + $o.Keys + ' yaml=' + $o.YamlDotNetVersion
$r = Get-FleetRoster -RosterPath $env:ROSTER
'fleet=' + (($r.Agents | ForEach-Object Name) -join ',')
'fleetAgents=' + (@(Get-FleetAgent -RosterPath $env:ROSTER).Count)
foreach ($a in [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'YamlDotNet' } | Sort-Object { $_.GetName().Version }) {
    'loaded=' + $a.GetName().Version.Major + '@' + [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($a).Name
}
'@
}
AfterAll { Remove-FleetTestEnvironment $envt }

Describe 'MosaicFleet next to a module that ships an older YamlDotNet' {
    It 'works when <Order> (fresh pwsh)' -TestCases @(
        @{ Order = 'the other module is imported first'; Imports = "Import-Module '<other>'; `$null = ConvertFrom-OtherYaml 'x: 1'; Import-Module `$env:MOSAIC_FLEET_MODULE" }
        @{ Order = 'MosaicFleet is imported and used first'; Imports = "Import-Module `$env:MOSAIC_FLEET_MODULE; `$null = Get-FleetRoster -RosterPath `$env:ROSTER; Import-Module '<other>'" }
    ) {
        param($Order, $Imports)
        # The test cases are built at discovery, before BeforeAll builds the other module: its path goes in here.
        $Imports = $Imports.Replace('<other>', $OtherModule)
        $r = Invoke-ChildPwsh -Command ("`$ErrorActionPreference = 'Stop'; $Imports`n" + $Checks) -Environment @{ ROSTER = $envt.RosterPath; TMUX_TMPDIR = $envt.Directory }
        $r.Stderr | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        $r.Stdout | Should -Match 'other=a,b yaml=11\.'
        $r.Stdout | Should -Match 'fleet=coder0,coder1'
        $r.Stdout | Should -Match 'fleetAgents=2'
        # Two YamlDotNets side by side: the old one in the default context, ours in the module's own.
        $r.Stdout | Should -Match 'loaded=11@Default'
        $r.Stdout | Should -Match 'loaded=16@MosaicFleet'
    }
}
