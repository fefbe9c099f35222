using MosaicFleet.Engine.Fleet;
using System.Management.Automation;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Internal;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Cmdlets;

/// <summary>Stops and disables the fleet's units and removes the unit and environment files MosaicFleet wrote.</summary>
[Cmdlet(VerbsLifecycle.Uninstall, "FleetUnit", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(FleetUnitFile))]
public sealed class UninstallFleetUnitCommand : LifecycleCmdlet
{
    private const string ByNameSet = "ByName";
    private const string AllSet = "All";

    /// <summary>Agents whose units and environment files to remove (wildcards allowed), matched against what is
    /// installed on the host. The holder unit and the agent template stay.</summary>
    [Parameter(ParameterSetName = ByNameSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[]? Name { get; set; }

    /// <summary>Everything MosaicFleet installed on the host: every agent's unit and env file, the agent template and
    /// the holder unit.</summary>
    [Parameter(ParameterSetName = AllSet, Mandatory = true)]
    public SwitchParameter All { get; set; }

    /// <summary>The host to uninstall from; default this machine.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string HostName { get; set; } = FleetHost.LocalName;

    /// <summary>Do not ask for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Emit a FleetUnitFile for every file removed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => GatherNames(Name);

    protected override void EndProcessing()
    {
        if (EmptyPipeline) return;
        var names = GatheredNames;
        if (!All && names.Count == 0) ThrowNameRequired();
        var patterns = All ? null : Patterns(names, "Name");
        // The roster is not needed: uninstall removes what MosaicFleet wrote (files carrying its marker), even after
        // the roster is gone (then the default tenant's files). With a roster, the files of its tenant. A remote host is
        // reached through its roster entry, its files read there.
        UnitInstaller installer;
        LifecyclePaths paths;
        InstallPlan plan;
        try
        {
            if (HostName == FleetHost.LocalName)
            {
                var builder = new LaunchBuilder(new Engine.Fleet.FleetContext(RosterIfAny() ?? new FleetRoster()), Paths);
                installer = new UnitInstaller(builder, Engine.IO.LocalHostFiles.Instance);
                paths = builder.Paths;
            }
            else
            {
                if (!Roster.Hosts.ContainsKey(HostName))
                {
                    ThrowTerminatingError(new ErrorRecord(new ItemNotFoundException($"No host named '{HostName}' in the roster {Roster.Path}."), FleetErrorIds.HostNotFound, FleetErrors.For(FleetErrorIds.HostNotFound), HostName));
                }
                var setup = HostSetup(HostName);
                installer = new UnitInstaller(setup.Builder, setup.Files);
                paths = setup.Builder.Paths;
            }
            plan = installer.PlanUninstall(patterns is null ? null : a => patterns.Any(p => p.IsMatch(a)));
            if (patterns is not null)
            {
                var installed = installer.OurEnvFiles();
                foreach (var n in names.Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && !installed.Contains(n, StringComparer.OrdinalIgnoreCase)))
                {
                    WriteError(new ErrorRecord(new ItemNotFoundException($"Agent '{n}' has no units installed on host {HostName}."), FleetErrorIds.AgentNotInstalled, FleetErrors.For(FleetErrorIds.AgentNotInstalled), n));
                }
            }
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
            ThrowTerminatingError(new ErrorRecord(ex, FleetErrorIds.UnitFileReadFailed, FleetErrors.For(FleetErrorIds.UnitFileReadFailed), HostName));
            return;
        }
        if (plan.Files.Count == 0)
        {
            WriteVerbose($"No MosaicFleet unit or environment files under {paths.UnitDirectory} or {paths.EnvDirectory} on host {HostName}; nothing to do.");
            return;
        }
        var files = ApplyPlan(installer, plan, Force);
        if (PassThru) WriteObject(files, enumerateCollection: true);
    }
}
