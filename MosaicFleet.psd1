@{
    RootModule           = 'MosaicFleet.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '5b0f3c2e-8d4a-4f7e-9a61-2c7d3e9b8f14'
    Author               = 'MosaicFleet contributors'
    CompanyName          = 'MosaicFleet'
    Copyright            = '(c) MosaicFleet contributors. MIT License.'
    Description          = 'Run a fleet of AI coding agents (Codex, pi, Claude Code, opencode) in tmux sessions supervised by systemd user units on Linux, with typed objects in the pipeline.'
    PowerShellVersion    = '7.4'
    # Loaded before the types file, which names the output enums (TargetTypeForDeserialization).
    RequiredAssemblies   = @('MosaicFleet.Model.dll')
    # A session holds one version of MosaicFleet: this script refuses, plainly, a copy from another folder, and only
    # then loads the types and formats (PowerShell processes TypesToProcess before ScriptsToProcess, and a second
    # copy's type data would fail with "DefaultDisplayPropertySet is already present").
    ScriptsToProcess     = @('MosaicFleet.SessionCheck.ps1')
    CmdletsToExport      = @(
        'Get-FleetRoster'
        'Get-FleetAgent'
        'Test-FleetDrift'
        'Watch-FleetAgent'
        'Wait-FleetAgent'
        'Send-FleetMessage'
        'Reset-FleetAgent'
        'Get-FleetMessageLog'
        'Get-FleetAgentOutput'
        'Initialize-Fleet'
        'Install-FleetUnit'
        'Uninstall-FleetUnit'
        'Start-FleetAgent'
        'Stop-FleetAgent'
        'Restart-FleetAgent'
        'Test-FleetHost'
        'Get-FleetEvent'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('tmux', 'systemd', 'ai-agents', 'fleet', 'Linux', 'PSEdition_Core')
            LicenseUri   = 'https://github.com/mosaicfleet/MosaicFleet/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/mosaicfleet/MosaicFleet'
            ReleaseNotes = 'First release: roster, Get-FleetAgent, Test-FleetDrift, systemd units, verified messaging, help and completion. Full list: https://github.com/mosaicfleet/MosaicFleet/blob/main/CHANGELOG.md (also shipped as CHANGELOG.md).'
        }
    }
}
