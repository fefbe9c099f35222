using MosaicFleet.Engine.Fleet;
using System.Management.Automation;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Internal;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Cmdlets;

/// <summary>Writes the fleet's systemd user units and per-agent environment files, then reloads, enables and lingers.</summary>
[Cmdlet(VerbsLifecycle.Install, "FleetUnit", SupportsShouldProcess = true)]
[OutputType(typeof(FleetUnitFile))]
public sealed class InstallFleetUnitCommand : LifecycleCmdlet
{
    /// <summary>Only these agents of the host (wildcards allowed): their env files are written and their units enabled;
    /// no other agent's files are touched, and nothing is removed. Default: every agent of the host.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[]? Name { get; set; }

    /// <summary>The host to install on; default this machine.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string HostName { get; set; } = FleetHost.LocalName;

    /// <summary>Skip enabling units and turning on linger.</summary>
    [Parameter]
    public SwitchParameter NoEnable { get; set; }

    /// <summary>Also install, enable and (re)start the roster's event recorder unit (mosaic-events-&lt;tenant&gt;.service,
    /// this machine only), which records the fleet's events for Get-FleetEvent -Since.</summary>
    [Parameter]
    public SwitchParameter EventRecorder { get; set; }

    /// <summary>Emit a FleetUnitFile for every file written, kept or removed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>After an upgrade from 0.1: restart every agent started by 0.1's units (and the holder) instead of adopting
    /// the running runtimes.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => GatherNames(Name);

    protected override void EndProcessing()
    {
        // Fed by a pipeline that brought nothing: install nothing (no names otherwise means the whole roster of the host).
        if (EmptyPipeline) return;
        var named = GatheredNames.Count > 0;
        if (HostName != FleetHost.LocalName && !Roster.Hosts.ContainsKey(HostName))
        {
            ThrowTerminatingError(new ErrorRecord(new ItemNotFoundException($"No host named '{HostName}' in the roster {Roster.Path}."), FleetErrorIds.HostNotFound, FleetErrors.For(FleetErrorIds.HostNotFound), HostName));
        }
        if (EventRecorder && HostName != FleetHost.LocalName)
        {
            var message = $"The event recorder runs on this machine (it follows every host of the roster from here); install it without -HostName.";
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(message, nameof(HostName)), FleetErrorIds.EventRecorderLocalOnly, FleetErrors.For(FleetErrorIds.EventRecorderLocalOnly), HostName)
            {
                ErrorDetails = new ErrorDetails(message),
            });
        }
        var selected = ResolveAgents(all: false, wholeRosterWhenUnnamed: true);
        var agents = selected.Where(a => a.Host == HostName).ToList();
        foreach (var other in selected.Where(a => a.Host != HostName))
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
            plan = Await(installer.PlanInstallAsync(agents, enable: !NoEnable, StopToken, removeLeftovers: !named));
            if (EventRecorder) AddRecorder(plan, setup.Builder.Programs().Tmux);
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
        if (named && agents.Count == 0)
        {
            WriteVerbose($"None of the agents named runs on host {HostName}; nothing to install.");
            return;
        }
        var files = ApplyPlan(installer, plan);
        if (PassThru) WriteObject(files, enumerateCollection: true);
        if (plan.ReplacesOneshotUnits) BringUnderSupervision(installer, agents);
        if (!named) MovePreviousInstall(installer);
    }

    /// <summary>This roster's units under another tenant's names (0.1 installed every roster under the default tenant's;
    /// a change of tenant: leaves the old ones): they still run the agents, unsupervised by this tenant's units, on the
    /// same tmux socket. Without -Force a warning says so; with -Force they are stopped, disabled and removed (their
    /// runtimes end), and the agents that ran are started under this tenant's units.</summary>
    private void MovePreviousInstall(UnitInstaller installer)
    {
        Engine.Lifecycle.PreviousInstall? previous;
        try
        {
            previous = installer.FindPreviousInstall();
        }
        catch (IOException ex)
        {
            WriteError(new ErrorRecord(ex, FleetErrorIds.UnitFileReadFailed, FleetErrors.For(FleetErrorIds.UnitFileReadFailed), HostName));
            return;
        }
        if (previous is null) return;
        var names = new[] { Path.GetFileName(previous.HolderPath) }.Concat(previous.AgentUnits).ToList();
        var shown = string.Join(", ", names.Take(4)) + (names.Count > 4 ? $" and {names.Count - 4} more" : "");
        var tenantWord = previous.Tenant == Engine.Roster.TenantNames.DefaultTenant ? "the default tenant" : $"tenant '{previous.Tenant}'";
        if (!Force)
        {
            WriteWarning($"This roster is also installed on host {HostName} under {tenantWord}'s names ({shown}): 0.1 installed every roster " +
                "that way, and so does a roster before its tenant: changed. Those units still run its agents, unsupervised by the units " +
                $"of tenant '{Roster.Tenant}'. Install-FleetUnit -Force moves them: it stops and removes those units (their runtimes end) " +
                "and starts the agents that ran under this tenant's units.");
            return;
        }
        var systemctl = Context.SystemctlProgramOn(HostName);
        var running = new List<string>();
        if (previous.AgentUnits.Count > 0 && !WhatIfMode)
        {
            var list = Await(Context.Runner.RunAsync(Context.HostOf(HostName),
                new CommandSpec([systemctl, "--user", "list-units", "--all", "--plain", "--no-legend", "--full", "--no-pager", "--", .. previous.AgentUnits], Context.CommandTimeout), StopToken));
            var states = list.Success ? Engine.Systemd.UnitStates.ParseList(list.Stdout) : [];
            running.AddRange(previous.Agents.Where(a => states.GetValueOrDefault(Engine.Roster.TenantNames.AgentUnit(previous.Tenant, a)) is { ActiveState: "active" or "activating" or "reloading" }));
        }
        var old = installer.ForTenant(previous.Tenant);
        ApplyPlan(old, old.PlanUninstall(), force: true);
        if (running.Count == 0) return;
        var units = running.Select(a => Engine.Roster.TenantNames.AgentUnit(Roster.Tenant, a)).ToList();
        if (!ShouldProcess(string.Join(", ", units), "Start the agents that ran under the old units")) return;
        var start = Await(installer.RunAsync(Engine.Lifecycle.PlannedCommand.ForUnits([systemctl, "--user", "start"], "Start", units), StopToken));
        if (!start.Success) WriteWarning($"Starting {string.Join(", ", units)} (the units of tenant '{Roster.Tenant}') failed: {start.Describe()}.");
    }

    /// <summary>Units 0.1 started (oneshot, still active with no main process) are not supervised by the new units until
    /// they start again: adopt their running runtimes, or restart them with -Force (see SupervisionUpgrade).</summary>
    private void BringUnderSupervision(UnitInstaller installer, IReadOnlyList<FleetAgentSpec> agents)
    {
        if (WhatIfMode)
        {
            WriteVerbose("Not checked for agents started by 0.1's units (-WhatIf runs nothing).");
            return;
        }
        UpgradePlan upgrade;
        try
        {
            upgrade = Await(new SupervisionUpgrade(installer.Builder).PlanAsync(agents, Force, StopToken));
        }
        catch (LifecycleException ex)
        {
            WriteError(LifecycleError(ex));
            return;
        }
        catch (Engine.Fleet.FleetHostException ex)
        {
            WriteError(HostError(ex));
            return;
        }
        foreach (var note in upgrade.Notes) WriteVerbose(note);
        foreach (var warning in upgrade.Warnings) WriteWarning(warning);
        foreach (var step in upgrade.Steps)
        {
            if (!ShouldProcess(step.Target, step.Action)) continue;
            foreach (var command in step.Commands)
            {
                WriteVerbose("Run: " + command.Display);
                var result = Await(Context.Runner.RunAsync(Context.HostOf(HostName), command, StopToken));
                if (result.Success) continue;
                WriteWarning($"{step.Action} for {step.Target} failed: {result.Describe()}.");
                break;
            }
        }
    }

    // The recorder's unit joins the plan: its file, a daemon-reload if it changed, then enable and restart (a running
    // recorder picks up a new module or roster path).
    private void AddRecorder(InstallPlan plan, string tmux)
    {
        var unit = EventRecorderUnit.UnitName(Roster.Tenant);
        var path = Path.Combine(Paths.UnitDirectory, unit);
        var pshome = GetVariableValue("PSHOME") as string ?? "";
        var pwsh = Path.Combine(pshome, "pwsh");
        if (!ExecutableLocator.IsExecutable(pwsh)) pwsh = ExecutableLocator.Find("pwsh", Environment.GetEnvironmentVariable("PATH")) ?? pwsh;
        var moduleBase = MyInvocation.MyCommand.Module?.ModuleBase ?? Path.GetDirectoryName(typeof(InstallFleetUnitCommand).Assembly.Location)!;
        var manifest = Path.Combine(moduleBase, "MosaicFleet.psd1");
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["MOSAIC_TMUX"] = tmux };
        foreach (var key in new[] { "XDG_STATE_HOME", "XDG_CONFIG_HOME", "MOSAIC_SYSTEMCTL" })
        {
            if (Environment.GetEnvironmentVariable(key) is { Length: > 0 } v && !v.Any(char.IsControl)) env[key] = v;
        }
        var text = EventRecorderUnit.Render(pwsh, File.Exists(manifest) ? manifest : moduleBase, Roster.Path, Roster.Tenant, env);
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var action = AtomicFileIsCurrent(path, bytes) ? UnitFileAction.Unchanged : UnitFileAction.Write;
        plan.Files.Add(new PlannedFile(path, EventRecorderUnit.Kind, null, bytes, Engine.IO.AtomicFile.PublicMode, action));
        var systemctl = Context.SystemctlProgramOn(FleetHost.LocalName);
        if (action == UnitFileAction.Write && !plan.After.Any(c => c.Action == "Reload")) plan.After.Insert(0, new([systemctl, "--user", "daemon-reload"], "Reload", "systemd user manager"));
        if (!NoEnable)
        {
            plan.After.Add(new([systemctl, "--user", "enable", unit], "Enable", unit));
            plan.After.Add(new([systemctl, "--user", "restart", unit], "Start", unit));
        }
    }

    private static bool AtomicFileIsCurrent(string path, byte[] bytes) => Engine.IO.AtomicFile.IsCurrent(path, bytes, Engine.IO.AtomicFile.PublicMode);
}
