using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Internal;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Cmdlets;

/// <summary>Sets up a new host: a starter roster when none exists, checks for tmux and the runtimes, then installs,
/// enables and lingers the units.</summary>
[Cmdlet(VerbsData.Initialize, "Fleet", SupportsShouldProcess = true)]
[OutputType(typeof(FleetUnitFile))]
public sealed class InitializeFleetCommand : LifecycleCmdlet
{
    protected override void EndProcessing()
    {
        var getEnv = (Func<string, string?>)Environment.GetEnvironmentVariable;
        var explicitPath = RosterPath is null ? null : GetUnresolvedProviderPathFromPSPath(RosterPath);
        var path = RosterLocator.Candidates(explicitPath, getEnv)[0];
        var rosterFile = new FleetUnitFile { Path = path, Kind = "Roster", RosterPath = path };
        FleetRoster roster;
        if (File.Exists(path))
        {
            WriteVerbose($"Using the existing roster at {path} (never overwritten).");
            rosterFile.Action = "Unchanged";
            RosterPath = path;
            roster = Roster;
        }
        else
        {
            roster = RosterLoader.Parse(StarterRoster.Text, path);
            if (ShouldProcess(path, "Create a starter roster"))
            {
                try
                {
                    AtomicFile.Write(path, LaunchBuilder.Bytes(StarterRoster.Text), AtomicFile.PublicMode);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    ThrowTerminatingError(new ErrorRecord(ex, FleetErrorIds.RosterWriteFailed, FleetErrors.For(FleetErrorIds.RosterWriteFailed), path));
                }
                rosterFile.Action = "Written";
                rosterFile.Changed = true;
                WriteVerbose($"Created a starter roster at {path}; add your agents there and run Initialize-Fleet or Install-FleetUnit again.");
            }
        }
        WriteObject(rosterFile);

        var context = new FleetContext(roster);
        var builder = new LaunchBuilder(context, Paths);
        builder.Bins.NoExternalProbes = WhatIfMode;
        var pathVar = getEnv("PATH");
        if (ExecutableLocator.Find(context.TmuxProgram, pathVar) is null)
        {
            WriteWarning($"tmux ('{context.TmuxProgram}') was not found on PATH ({pathVar}). Install tmux (apt-get install tmux) before starting agents.");
        }
        CheckRuntimes(builder, roster, pathVar);

        var agents = roster.Agents.Where(a => a.Host == Engine.Processes.FleetHost.LocalName).ToList();
        var installer = new UnitInstaller(builder, Engine.IO.LocalHostFiles.Instance);
        InstallPlan plan;
        try
        {
            plan = Await(installer.PlanInstallAsync(agents, enable: true, StopToken));
        }
        catch (LifecycleException ex)
        {
            ThrowTerminatingError(LifecycleError(ex));
            return;
        }
        WriteObject(ApplyPlan(installer, plan), enumerateCollection: true);
    }

    // A warning for each runtime whose command is not found in the PATH prefix its panes will get, nor on PATH.
    private void CheckRuntimes(LaunchBuilder builder, FleetRoster roster, string? pathVar)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var agent in roster.Agents.Where(a => a.Host == Engine.Processes.FleetHost.LocalName))
        {
            var command = (agent.Command ?? roster.Runtimes[agent.Runtime].Command).Trim();
            var program = command.Split([' ', '\t'], 2)[0];
            if (program.Length == 0 || !seen.Add(agent.Runtime + "\0" + program)) continue;
            var prefix = Await(builder.Bins.ResolveAsync(agent, StopToken));
            var searched = string.Join(':', prefix.Append(pathVar ?? ""));
            if (ExecutableLocator.Find(program, searched) is null)
            {
                var shown = prefix.Count == 0 ? "(no runtime bin directory exists)" : string.Join(':', prefix);
                WriteWarning($"Runtime '{agent.Runtime}' (agent {agent.Name}): command '{program}' was not found in the PATH prefix {shown} nor on PATH. Set runtimeBin in the roster or $MOSAIC_RUNTIME_BIN.");
            }
        }
    }
}
