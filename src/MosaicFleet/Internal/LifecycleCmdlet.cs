using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Errors;

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
    protected static ErrorRecord HostError(FleetHostException ex) => FleetErrors.HostRecord(ex.Host, ex.ErrorId, ex.Message, ex);

    protected ErrorRecord LifecycleError(LifecycleException ex, ErrorCategory? category = null)
        => new(ex, ex.ErrorId, category ?? FleetErrors.For(ex.ErrorId), ex.Target);

    /// <summary>A file or argument problem of ONE agent (its settings, its files): that agent's error, with a stable id,
    /// so the other agents still go ahead. Null for any other exception.</summary>
    protected static ErrorRecord? AgentError(Exception ex, string agent)
    {
        var id = ex switch
        {
            LifecycleException l => l.ErrorId,
            ArgumentException => FleetErrorIds.InvalidAgentSettings,
            UnauthorizedAccessException => FleetErrorIds.AgentFileAccessDenied,
            IOException => FleetErrorIds.AgentFileReadFailed,
            _ => null,
        };
        return id is null ? null : new ErrorRecord(ex, id, FleetErrors.For(id), ex is LifecycleException le ? le.Target : agent);
    }

    /// <summary>Runs a plan: commands before, files, commands after. Each side effect asks ShouldProcess right before it
    /// happens; a failed systemctl/loginctl call is a warning naming its unit and systemd's own message.</summary>
    protected List<FleetUnitFile> ApplyPlan(UnitInstaller installer, InstallPlan plan, bool force = false)
    {
        _force = force;
        var output = new List<FleetUnitFile>();
        foreach (var note in plan.Notes) WriteVerbose(note);
        // An agent whose settings could not be rendered: its own error; its files and unit are left as they are.
        foreach (var failure in plan.AgentFailures) WriteError(LifecycleError(failure));
        var changed = RunCommands(installer, plan.Before, false);
        foreach (var file in plan.Files)
        {
            var unitFile = new FleetUnitFile { Path = file.Path, Kind = file.Kind, Agent = file.Agent, Host = plan.HostName, RosterPath = installer.RosterPath };
            if (file.Action == UnitFileAction.Unchanged)
            {
                WriteVerbose($"Unchanged: {file.Path}");
                unitFile.Action = "Unchanged";
                output.Add(unitFile);
                continue;
            }
            var verb = file.Action == UnitFileAction.Write ? "Write" : "Remove";
            var caveat = file.Kind == PlannedFile.EnvKind && file.Action == UnitFileAction.Write && plan.SkippedProbes.Count > 0 ? $" ({string.Join("; ", plan.SkippedProbes)})" : "";
            if (file.Leftover) caveat = " (left over: the roster no longer has this agent)";
            var what = $"{verb} {file.Kind}{(file.Agent is null ? "" : $" of agent {file.Agent}")}{caveat}";
            if (!(file.Leftover ? ProceedHigh(file.Path, what) : Proceed(file.Path, what))) continue;
            try
            {
                unitFile.Changed = installer.Apply(file);
                changed |= unitFile.Changed;
                unitFile.Action = !unitFile.Changed ? "Unchanged" : file.Action == UnitFileAction.Write ? "Written" : "Removed";
                output.Add(unitFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, FleetErrorIds.UnitFileWriteFailed, FleetErrors.For(FleetErrorIds.UnitFileWriteFailed), file.Path));
            }
            catch (FleetHostException ex)
            {
                // The host went away mid-install: one error, nothing more is tried there.
                WriteError(HostError(ex));
                return output;
            }
        }
        RunCommands(installer, plan.After, changed);
        return output;
    }

    private bool _force;

    /// <summary>ShouldProcess, except that -Force (without -WhatIf or -Confirm) skips the prompt.</summary>
    protected bool Proceed(string target, string action)
    {
        if (_force && !IsSwitchOn("WhatIf") && !IsSwitchOn("Confirm")) return true;
        return ShouldProcess(target, action);
    }

    /// <summary>A change at High impact inside a cmdlet of lower impact (removing what this roster left over): like
    /// Uninstall-FleetUnit, it asks unless -Force, -Confirm:$false or $ConfirmPreference = None.</summary>
    protected bool ProceedHigh(string target, string action)
    {
        if (!Proceed(target, action)) return false;
        if (_force || WhatIfMode || MyInvocation.BoundParameters.ContainsKey("Confirm")) return true;
        var preference = LanguagePrimitives.TryConvertTo<ConfirmImpact>(GetVariableValue("ConfirmPreference"), out var p) ? p : ConfirmImpact.High;
        // None: never ask; Low or Medium: ShouldProcess has just asked (the cmdlet's impact is at least Medium).
        if (preference != ConfirmImpact.High) return true;
        return ShouldContinue($"{action}: {target}", "Remove what this roster left over (High impact)");
    }

    /// <summary>-WhatIf (or $WhatIfPreference): planning must run no external program either.</summary>
    protected bool WhatIfMode => IsSwitchOn("WhatIf");

    private bool IsSwitchOn(string name)
    {
        if (MyInvocation.BoundParameters.TryGetValue(name, out var v)) return v is SwitchParameter { IsPresent: true } || v is true;
        return name == "WhatIf" && GetVariableValue("WhatIfPreference") is { } p && LanguagePrimitives.IsTrue(p);
    }

    /// <summary>Runs planned calls in order; returns whether anything changed (<paramref name="changed"/> on entry, or
    /// a call that printed what it did: enable/disable print each link they create or remove, and nothing otherwise).</summary>
    private bool RunCommands(UnitInstaller installer, IEnumerable<PlannedCommand> commands, bool changed)
    {
        foreach (var command in commands)
        {
            if (command.OnlyIfChanged && !changed)
            {
                WriteVerbose(WhatIfMode ? $"{command.Display} would run only if the enable above creates a link (no file changes)." : $"Skipped: {command.Display} (no file and no link changed)");
                continue;
            }
            var what = $"{command.Action} ({command.Display})";
            if (!(command.Leftover ? ProceedHigh(command.Target, what) : Proceed(command.Target, what))) continue;
            WriteVerbose("Run: " + command.Display);
            var result = Await(installer.RunAsync(command, StopToken));
            if (result.Success)
            {
                changed |= (result.Stdout + result.Stderr).Trim().Length > 0;
                continue;
            }
            if (command.Units.Count > 1 && !(installer.IsRemote && result.Unreached(remote: true)))
            {
                // systemd refuses the whole call for one bad unit: each unit alone, so only the bad one is a warning.
                WriteVerbose($"{command.Action} of {command.Units.Count} units failed ({result.Describe()}); trying each unit alone.");
                foreach (var single in command.Singles())
                {
                    WriteVerbose("Run: " + single.Display);
                    var r = Await(installer.RunAsync(single, StopToken));
                    if (r.Success) changed |= (r.Stdout + r.Stderr).Trim().Length > 0;
                    else Warn(single, r);
                }
                continue;
            }
            Warn(command, result);
        }
        return changed;
    }

    private void Warn(PlannedCommand command, CommandResult result)
    {
        var hint = command.Action == "Enable linger" ? $" Run 'loginctl enable-linger {command.Target}' as root so agents survive logout." : "";
        WriteWarning($"{command.Action} {command.Target} failed: {result.Describe()}.{hint}");
    }
}
