<#
.SYNOPSIS
    Publishes the staged module (out/MosaicFleet) as a versioned .nupkg into a local file repository, exactly as
    Publish-PSResource would send it to the PowerShell Gallery.
.DESCRIPTION
    Registers OutputDirectory as a PSResourceGet repository under a unique, temporary name, publishes the module
    folder to it and unregisters it again (also when publishing fails: PSResourceGet keeps registrations per user).
    An existing package of the same version is replaced. Writes the .nupkg path.
.EXAMPLE
    pwsh -NoProfile -File build/Publish-Package.ps1 -ModuleDirectory out/MosaicFleet -OutputDirectory out/packages
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleDirectory,
    [Parameter(Mandatory)] [string] $OutputDirectory
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
Import-Module Microsoft.PowerShell.PSResourceGet -MinimumVersion 1.0

$ModuleDirectory = (Resolve-Path -LiteralPath $ModuleDirectory).ProviderPath
$name = Split-Path -Leaf $ModuleDirectory
$manifestPath = Join-Path $ModuleDirectory "$name.psd1"
$manifest = Test-ModuleManifest -Path $manifestPath
foreach ($field in 'Author', 'CompanyName', 'Copyright', 'Description') {
    if (-not $manifest.$field) { throw "The manifest $manifestPath has no $field." }
}
foreach ($field in 'Tags', 'ProjectUri', 'LicenseUri', 'ReleaseNotes') {
    if (-not $manifest.PrivateData.PSData[$field]) { throw "The manifest $manifestPath has no PrivateData.PSData.$field." }
}
foreach ($file in 'LICENSE', 'CHANGELOG.md', 'en-US/MosaicFleet.dll-Help.xml', 'en-US/about_MosaicFleet.help.txt') {
    if (-not (Test-Path -LiteralPath (Join-Path $ModuleDirectory $file))) { throw "The module folder has no ${file}: run build.ps1 Build first." }
}

New-Item -ItemType Directory -Force $OutputDirectory | Out-Null
$OutputDirectory = (Resolve-Path -LiteralPath $OutputDirectory).ProviderPath
$version = $manifest.Version.ToString()
$nupkg = Join-Path $OutputDirectory "$name.$version.nupkg"
Remove-Item -LiteralPath $nupkg -ErrorAction Ignore

$repository = "MosaicFleetBuild-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
Register-PSResourceRepository -Name $repository -Uri $OutputDirectory -Trusted
try {
    Publish-PSResource -Path $ModuleDirectory -Repository $repository
} finally {
    Unregister-PSResourceRepository -Name $repository -ErrorAction SilentlyContinue
}
if (-not (Test-Path -LiteralPath $nupkg)) { throw "Publish-PSResource did not write $nupkg." }
Write-Host "Package: $nupkg"
$nupkg
