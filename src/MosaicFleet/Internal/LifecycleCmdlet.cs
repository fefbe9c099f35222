using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Lifecycle;

namespace MosaicFleet.Internal;

/// <summary>Shared by the lifecycle cmdlets: paths, the file seam, applying an install plan with ShouldProcess per step,
/// and ErrorRecords for lifecycle failures.</summary>
public abstract class LifecycleCmdlet : FleetCmdlet
{
    protected LifecyclePaths Paths => LifecyclePaths.FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>The launch builder and files of a host: this machine's, or a remote host's read on that host over ssh
    /// (throws <see cref="FleetHostException"/> when the host cannot be reached; see <see cref="HostError"/>).</summary>
    protected HostLifecycle HostSetup(string hostName) => Await(HostLifecycle.ForHostAsync(Context, hostName, Paths, StopToken));

    /// <summary>The one error for a host that cannot be reached (or whose shell did not run our script), the host as target.</summary>
    protected static ErrorRecord HostError(FleetHostException ex)
        => new(ex, ex.ErrorId, ex.ErrorId == FleetQuery.UnreachableId ? ErrorCategory.ConnectionError : ErrorCategory.InvalidResult, ex.Host);

    protected ErrorRecord LifecycleError(LifecycleException ex, ErrorCategory? category = null)
    {
        var cat = category ?? ex.ErrorId switch
        {
            "RemoteInstallNotSupported" or "RemoteLifecycleNotSupported" => ErrorCategory.NotImplemented,
            "TmuxNotFound" or "ShellNotFound" => ErrorCategory.ObjectNotFound,
            "ReservedEnvironmentName" => ErrorCategory.InvalidData,
            _ => ErrorCategory.InvalidOperation,
        };
        return new ErrorRecord(ex, ex.ErrorId, cat, ex.Target);
    }

    /// <summary>Runs a plan: commands before, files, commands after. Each side effect asks ShouldProcess right before it
    /// happens; a failed systemctl/loginctl call is a warning naming its unit and systemd's own message.</summary>
    protected List<FleetUnitFile> ApplyPlan(UnitInstaller installer, InstallPlan plan, bool force = false)
    {
        _force = force;
        var output = new List<FleetUnitFile>();
        foreach (var note in plan.Notes) WriteVerbose(note);
        RunCommands(installer, plan.Before);
        foreach (var file in plan.Files)
        {
            var unitFile = new FleetUnitFile { Path = file.Path, Kind = file.Kind, Agent = file.Agent, Host = plan.HostName };
            if (file.Action == UnitFileAction.Unchanged)
            {
                WriteVerbose($"Unchanged: {file.Path}");
                unitFile.Action = "Unchanged";
                output.Add(unitFile);
                continue;
            }
            var verb = file.Action == UnitFileAction.Write ? "Write" : "Remove";
            if (!Proceed(file.Path, $"{verb} {file.Kind}{(file.Agent is null ? "" : $" of agent {file.Agent}")}")) continue;
            try
            {
                unitFile.Changed = installer.Apply(file);
                unitFile.Action = !unitFile.Changed ? "Unchanged" : file.Action == UnitFileAction.Write ? "Written" : "Removed";
                output.Add(unitFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, "UnitFileWriteFailed", ErrorCategory.WriteError, file.Path));
            }
            catch (FleetHostException ex)
            {
                // The host went away mid-install: one error, nothing more is tried there.
                WriteError(HostError(ex));
                return output;
            }
        }
        RunCommands(installer, plan.After);
        return output;
    }

    private bool _force;

    /// <summary>ShouldProcess, except that -Force (without -WhatIf or -Confirm) skips the prompt.</summary>
    protected bool Proceed(string target, string action)
    {
        if (_force && !IsSwitchOn("WhatIf") && !IsSwitchOn("Confirm")) return true;
        return ShouldProcess(target, action);
    }

    private bool IsSwitchOn(string name)
    {
        if (MyInvocation.BoundParameters.TryGetValue(name, out var v)) return v is SwitchParameter { IsPresent: true } || v is true;
        return name == "WhatIf" && GetVariableValue("WhatIfPreference") is { } p && LanguagePrimitives.IsTrue(p);
    }

    private void RunCommands(UnitInstaller installer, IEnumerable<PlannedCommand> commands)
    {
        foreach (var command in commands)
        {
            if (!Proceed(command.Target, $"{command.Action} ({command.Display})")) continue;
            WriteVerbose("Run: " + command.Display);
            var result = Await(installer.RunAsync(command, StopToken));
            if (result.Success) continue;
            var hint = command.Action == "Enable linger" ? $" Run 'loginctl enable-linger {command.Target}' as root so agents survive logout." : "";
            WriteWarning($"{command.Action} {command.Target} failed: {result.Describe()}.{hint}");
        }
    }
}
