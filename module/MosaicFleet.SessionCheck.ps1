# Run by Import-Module (ScriptsToProcess), before the root module; it loads the module's types and formats itself. A PowerShell session holds ONE
# version of MosaicFleet: its assemblies stay loaded after Remove-Module, and a second copy's type data would collide
# with the first's. So importing a copy from another folder fails here, plainly, instead of with type-data errors (or
# by running the old DLL). Importing the same copy again (-Force) is fine.
& {
    $here = [IO.Path]::GetFullPath($PSScriptRoot)
    $other = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object {
        -not $_.IsDynamic -and $_.GetName().Name -eq 'MosaicFleet' -and $_.Location -and
        [IO.Path]::GetFullPath([IO.Path]::GetDirectoryName($_.Location)) -ne $here
    } | Select-Object -First 1
    if ($other) {
        $message = "This PowerShell session already loaded MosaicFleet $($other.GetName().Version) from " +
            "$([IO.Path]::GetDirectoryName($other.Location)); a session holds one version of MosaicFleet (its assemblies " +
            "stay loaded after Remove-Module). Start a new session (pwsh) to import the copy at $here."
        $err = [System.Management.Automation.ErrorRecord]::new(
            [System.InvalidOperationException]::new($message), 'MosaicFleetOtherVersionLoaded',
            [System.Management.Automation.ErrorCategory]::ResourceExists, $here)
        throw $err
    }
    # The same copy again (Import-Module -Force) reloads the same files: no conflict.
    Update-TypeData -PrependPath ([IO.Path]::Combine($here, 'MosaicFleet.types.ps1xml'))
    Update-FormatData -PrependPath ([IO.Path]::Combine($here, 'MosaicFleet.format.ps1xml'))
}
