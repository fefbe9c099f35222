BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module Microsoft.PowerShell.PSResourceGet -MinimumVersion 1.0
    $script:ModuleDir = Split-Path (Get-FleetModulePath)
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) "mfpkg-$([guid]::NewGuid().ToString('N').Substring(0, 10))"
    $script:Packages = Join-Path $Work 'packages'
    $script:SaveDir = Join-Path $Work 'saved'
    New-Item -ItemType Directory -Force $Packages, $SaveDir | Out-Null
    # PSResourceGet keeps repository registrations per user: a unique name, removed in AfterAll even when a test fails.
    $script:Repository = "MosaicFleetTest-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
    $script:Version = (Import-PowerShellDataFile (Get-FleetModulePath)).ModuleVersion

    # The same script build.ps1 Package runs, into a temp folder.
    $out = & (Get-PwshPath) -NoProfile -NonInteractive -File (Join-Path (Get-RepoRoot) 'build/Publish-Package.ps1') -ModuleDirectory $ModuleDir -OutputDirectory $Packages 2>&1
    $script:PublishExit = $LASTEXITCODE
    $script:PublishOutput = $out -join "`n"
    $script:Nupkg = Join-Path $Packages "MosaicFleet.$Version.nupkg"
}
AfterAll {
    if (Get-PSResourceRepository -Name $Repository -ErrorAction SilentlyContinue) { Unregister-PSResourceRepository -Name $Repository }
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'build/Publish-Package.ps1 (build.ps1 Package)' {
    It 'publishes a versioned .nupkg with the whole module, and leaves no repository registered' {
        $PublishExit | Should -Be 0 -Because $PublishOutput
        $Nupkg | Should -Exist
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($Nupkg)
        try { $entries = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        foreach ($e in 'MosaicFleet.psd1', 'MosaicFleet.dll', 'MosaicFleet.Model.dll', 'Dependencies/MosaicFleet.Engine.dll', 'Dependencies/YamlDotNet.dll',
            'MosaicFleet.format.ps1xml', 'MosaicFleet.types.ps1xml', 'en-US/MosaicFleet.dll-Help.xml', 'en-US/about_MosaicFleet.help.txt', 'LICENSE', 'CHANGELOG.md', 'MosaicFleet.nuspec') {
            $entries | Should -Contain $e
        }
        $entries | Should -Not -Contain 'System.Management.Automation.dll'
        @(Get-PSResourceRepository | Where-Object Name -like 'MosaicFleetBuild-*' | Where-Object { $_.Uri.LocalPath.TrimEnd('/') -eq $Packages.TrimEnd('/') }) | Should -BeNullOrEmpty
    }

    It 'carries the Gallery metadata from the manifest' {
        $nuspecText = & {
            $zip = [IO.Compression.ZipFile]::OpenRead($Nupkg)
            try { $r = [IO.StreamReader]::new(($zip.Entries | Where-Object FullName -eq 'MosaicFleet.nuspec').Open()); $r.ReadToEnd() } finally { $zip.Dispose() }
        }
        [xml] $nuspec = $nuspecText
        $m = $nuspec.package.metadata
        $m.id | Should -Be 'MosaicFleet'
        $m.version | Should -Be $Version
        $m.authors | Should -Not -BeNullOrEmpty
        $m.description | Should -Match 'tmux'
        $m.projectUrl | Should -Match '^https://'
        $m.releaseNotes | Should -Not -BeNullOrEmpty
        foreach ($t in 'tmux', 'systemd', 'ai-agents', 'fleet', 'Linux') { ($m.tags -split ' ') | Should -Contain $t }
        $manifest = Test-ModuleManifest (Get-FleetModulePath)
        foreach ($f in 'Author', 'CompanyName', 'Copyright', 'Description') { $manifest.$f | Should -Not -BeNullOrEmpty }
        $manifest.LicenseUri | Should -Not -BeNullOrEmpty
        $manifest.ProjectUri | Should -Not -BeNullOrEmpty
    }

    It 'installs with Save-PSResource from the registered folder and imports by name from there' {
        Register-PSResourceRepository -Name $Repository -Uri $Packages -Trusted
        Find-PSResource -Name MosaicFleet -Repository $Repository | ForEach-Object { $_.Version.ToString() } | Should -Be $Version
        Save-PSResource -Name MosaicFleet -Repository $Repository -Path $SaveDir -TrustRepository -SkipDependencyCheck
        Join-Path $SaveDir "MosaicFleet/$Version/MosaicFleet.psd1" | Should -Exist
        $r = Invoke-ChildPwsh -Command @'
$ErrorActionPreference = 'Stop'
Import-Module MosaicFleet
$m = Get-Module MosaicFleet
'base=' + $m.ModuleBase
'version=' + $m.Version
'cmdlets=' + (($m.ExportedCmdlets.Keys | Sort-Object) -join ',')
'synopsis=' + (Get-Help Get-FleetAgent).Synopsis
'@ -Environment @{ PSModulePath = "$SaveDir$([IO.Path]::PathSeparator)$env:PSModulePath" }
        $r.Stderr | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        $r.Stdout | Should -Match ('base=' + [regex]::Escape((Join-Path $SaveDir "MosaicFleet/$Version")))
        $r.Stdout | Should -Match "version=$([regex]::Escape($Version))"
        $r.Stdout | Should -Match 'cmdlets=.*Get-FleetAgent'
        $r.Stdout | Should -Match 'synopsis=Lists the roster'
    }
}
