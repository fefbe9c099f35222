using System.Management.Automation;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>Writes the fleet's systemd user units and per-agent environment files, then reloads, enables and lingers.</summary>
[Cmdlet(VerbsLifecycle.Install, "FleetUnit", SupportsShouldProcess = true)]
[OutputType(typeof(FleetUnitFile))]
public sealed class InstallFleetUnitCommand : LifecycleCmdlet
{
    /// <summary>The host to install on; default this machine.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string HostName { get; set; } = FleetHost.LocalName;

    /// <summary>Skip enabling units and turning on linger.</summary>
    [Parameter]
    public SwitchParameter NoEnable { get; set; }

    /// <summary>Emit a FleetUnitFile for every file written, kept or removed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        if (HostName != FleetHost.LocalName && !Roster.Hosts.ContainsKey(HostName))
        {
            ThrowTerminatingError(new ErrorRecord(new ItemNotFoundException($"No host named '{HostName}' in the roster {Roster.Path}."), "HostNotFound", ErrorCategory.ObjectNotFound, HostName));
        }
        var agents = Roster.Agents.Where(a => a.Host == HostName).ToList();
        foreach (var other in Roster.Agents.Where(a => a.Host != HostName))
        {
            WriteVerbose($"Skipping {other.Name}: it runs on host '{other.Host}' (install there with -HostName {other.Host}).");
        }
        UnitInstaller installer;
        InstallPlan plan;
        try
        {
            // A remote host: its paths ($XDG_CONFIG_HOME, ~), tmux, sh and runtime bin directories are read on that host,
            // and the files are written there atomically over ssh.
            var setup = HostSetup(HostName);
            installer = new UnitInstaller(setup.Builder, setup.Files);
            setup.Builder.Bins.NoExternalProbes = WhatIfMode;
            plan = Await(installer.PlanInstallAsync(agents, enable: !NoEnable, StopToken));
        }
        catch (LifecycleException ex)
        {
            ThrowTerminatingError(LifecycleError(ex));
            return;
        }
        catch (Engine.Fleet.FleetHostException ex)
        {
            WriteError(HostError(ex));
            return;
        }
        catch (IOException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "UnitFileReadFailed", ErrorCategory.ReadError, HostName));
            return;
        }
        var files = ApplyPlan(installer, plan);
        if (PassThru) WriteObject(files, enumerateCollection: true);
    }
}
