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

    /// <summary>The files of a host. Only this machine for now; other hosts get a NotImplemented error from the engine.</summary>
    protected static IHostFiles FilesOf(string hostName) => hostName == Engine.Processes.FleetHost.LocalName ? LocalHostFiles.Instance : new UnsupportedHostFiles(hostName);

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

    /// <summary>A host whose files cannot be reached yet.</summary>
    private sealed class UnsupportedHostFiles(string hostName) : IHostFiles
    {
        public string HostName => hostName;

        public bool Exists(string path) => false;

        public byte[]? Read(string path) => null;

        public bool IsCurrent(string path, byte[] content, UnixFileMode mode) => false;

        public bool WriteAtomic(string path, byte[] content, UnixFileMode mode, UnixFileMode? directoryMode = null)
            => throw new LifecycleException("RemoteInstallNotSupported", $"Writing files on host '{hostName}' is not supported yet.", hostName);

        public bool Delete(string path)
            => throw new LifecycleException("RemoteInstallNotSupported", $"Removing files on host '{hostName}' is not supported yet.", hostName);

        public IReadOnlyList<string> List(string directory, string pattern) => [];
    }
}
