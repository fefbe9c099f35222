using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Systemd;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Lifecycle;

public enum UnitFileAction
{
    Write,
    Unchanged,
    Remove,
}

/// <summary>One file an install or uninstall writes, keeps or removes.</summary>
public sealed record PlannedFile(string Path, string Kind, string? Agent, byte[]? Content, UnixFileMode Mode, UnitFileAction Action)
{
    public const string HolderKind = "HolderUnit";
    public const string TemplateKind = "AgentUnit";
    public const string EnvKind = "EnvFile";
    public const string DropInKind = "AgentDropIn";

    public UnixFileMode? DirectoryMode => Kind == EnvKind ? AtomicFile.PrivateDirectoryMode : null;

    /// <summary>An env file this roster installed for an agent it no longer has: removing it asks at High impact.</summary>
    public bool Leftover { get; init; }
}

/// <summary>One systemctl/loginctl call of a plan. A failure is a warning naming <see cref="Target"/>, never fatal.
/// A call for several units (its last <see cref="Units"/>.Count words) is all-or-nothing for systemd (`enable a missing b`
/// enables none): when it fails, each unit gets a call of its own (<see cref="Singles"/>), so one unit's failure is a
/// warning for that unit and the others go ahead. <see cref="OnlyIfChanged"/>: run only if a file or an earlier call of
/// the plan changed something (a reload after enables that found every link in place is skipped).</summary>
public sealed record PlannedCommand(IReadOnlyList<string> Argv, string Action, string Target)
{
    public string Display => PosixShell.Join(Argv);

    /// <summary>The units this call acts on (its last words), or empty for a call that is not per unit.</summary>
    public IReadOnlyList<string> Units { get; init; } = [];

    public bool OnlyIfChanged { get; init; }

    /// <summary>Disabling the unit of an agent this roster no longer has: asks at High impact.</summary>
    public bool Leftover { get; init; }

    /// <summary>One call for many units: <paramref name="prefix"/> followed by the units.</summary>
    public static PlannedCommand ForUnits(IReadOnlyList<string> prefix, string action, IReadOnlyList<string> units)
        => new([.. prefix, .. units], action, units.Count == 1 ? units[0] : $"{units[0]} and {units.Count - 1} more unit{(units.Count == 2 ? "" : "s")}") { Units = units };

    /// <summary>The same call, one per unit (the fallback after a failed call for several units).</summary>
    public IEnumerable<PlannedCommand> Singles()
    {
        var prefix = Argv.Take(Argv.Count - Units.Count).ToList();
        return Units.Select(u => new PlannedCommand([.. prefix, u], Action, u) { Units = [u], Leftover = Leftover });
    }
}

/// <summary>What an install or uninstall will do, in order: <see cref="Before"/>, then <see cref="Files"/>, then <see cref="After"/>.
/// Computed without side effects, so -WhatIf can describe it.</summary>
public sealed class InstallPlan
{
    public string HostName { get; init; } = FleetHost.LocalName;
    public List<PlannedCommand> Before { get; } = [];
    public List<PlannedFile> Files { get; } = [];
    public List<PlannedCommand> After { get; } = [];
    public List<string> Notes { get; } = [];

    /// <summary>Agents whose launch could not be rendered (their settings): each is its own error; their env files are
    /// neither written nor removed and their units not enabled, the other agents go ahead.</summary>
    public List<LifecycleException> AgentFailures { get; } = [];

    /// <summary>The installed holder or agent template was 0.1's oneshot unit: units it started may still be running
    /// unsupervised (see SupervisionUpgrade).</summary>
    public bool ReplacesOneshotUnits { get; set; }

    /// <summary>What planning did not look up because it was told to run nothing (-WhatIf), for the What-if text.</summary>
    public List<string> SkippedProbes { get; } = [];
}

/// <summary>This roster's units and env files under another tenant's names (<see cref="UnitInstaller.FindPreviousInstall"/>):
/// the tenant key, its holder unit file, its agents and their unit names.</summary>
public sealed record PreviousInstall(string Tenant, string HolderPath, IReadOnlyList<string> Agents, IReadOnlyList<string> AgentUnits);

/// <summary>Plans and applies the install and uninstall of the fleet's systemd user units and agent environment files.</summary>
public sealed class UnitInstaller(LaunchBuilder builder, IHostFiles files)
{
    public LaunchBuilder Builder => builder;
    /// <summary>The full path of the roster this installer renders (empty for an uninstall without one).</summary>
    public string RosterPath => builder.Context.Roster.Path;

    private LifecyclePaths Paths => _paths ?? builder.Paths;

    /// <summary>The roster's tenant: it keys every unit and env file name (<see cref="TenantNames"/>).</summary>
    private string Tenant => _tenant ?? builder.Context.Roster.Tenant;

    private string? _tenant;
    private LifecyclePaths? _paths;

    /// <summary>This installer for the units and env files of <paramref name="tenant"/> (a key, as
    /// <see cref="TenantNames.TenantOfHolderUnit"/> gives it): to uninstall this roster's <see cref="PreviousInstall"/>.</summary>
    public UnitInstaller ForTenant(string tenant) => new(builder, files) { _tenant = tenant, _paths = builder.Paths.ForTenant(tenant) };

    /// <summary>This roster installed under another tenant's names on this host: 0.1 installed every roster under the
    /// default tenant's names, and a roster whose tenant: changed leaves its old units. Found by the holder unit: ours,
    /// recording this roster's path (or, written before rosters were recorded, this roster's tmux socket). Null when
    /// there is none. The agents are those whose env file under that tenant is this roster's too.</summary>
    public PreviousInstall? FindPreviousInstall()
    {
        var mine = TenantNames.IsDefault(Tenant) ? TenantNames.DefaultTenant : TenantNames.KeyOf(Tenant);
        foreach (var name in files.List(Paths.UnitDirectory, "*.service").Order(StringComparer.Ordinal))
        {
            if (TenantNames.TenantOfHolderUnit(name) is not { } tenant || tenant == mine) continue;
            var path = Path.Combine(Paths.UnitDirectory, name);
            if (!IsOurs(path) || !IsThisRostersByRosterOrSocket(path, holder: true)) continue;
            var old = ForTenant(tenant);
            var agents = old.OurEnvFiles().Where(a => old.IsThisRostersByRosterOrSocket(old.Paths.EnvFile(a), holder: false)).ToList();
            return new PreviousInstall(tenant, path, agents, agents.Select(a => TenantNames.AgentUnit(tenant, a)).ToList());
        }
        return null;
    }

    // A file of ours that records this roster, or records no roster and names this roster's tmux socket.
    private bool IsThisRostersByRosterOrSocket(string path, bool holder)
    {
        if (files.Read(path) is not { } bytes) return false;
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        var mine = UnitRenderer.RosterLine(builder.Context.Roster.Path)[UnitRenderer.RosterLinePrefix.Length..];
        if (UnitRenderer.RecordedRoster(text) is { } recorded) return builder.Context.Roster.Path.Length > 0 && recorded == mine;
        var socket = builder.Context.TmuxOf(files.HostName).SocketName;
        return (holder ? HolderSocket(text) : SystemdSyntax.ParseEnvFile(text).GetValueOrDefault(UnitRenderer.EnvSocket)) == socket;
    }

    private bool IsLocal => files.HostName == FleetHost.LocalName;

    public bool IsRemote => !IsLocal;

    private string Systemctl => builder.Context.SystemctlProgramOn(files.HostName);

    // $MOSAIC_LOGINCTL (like $MOSAIC_SYSTEMCTL) applies to this machine only; a remote host finds loginctl on its PATH.
    private string Loginctl => IsLocal && builder.Context.GetEnv("MOSAIC_LOGINCTL") is { Length: > 0 } l ? l : "loginctl";

    /// <summary>The user whose linger is turned on: $USER, else $LOGNAME, else the process's user (on a remote host: the
    /// same read there).</summary>
    public string UserName => !IsLocal && builder.Remote is { User.Length: > 0 } r ? r.User
        : builder.Context.GetEnv("USER") is { Length: > 0 } u ? u
        : builder.Context.GetEnv("LOGNAME") is { Length: > 0 } l ? l : Environment.UserName;

    /// <summary>Plans the install of <paramref name="agents"/>. <paramref name="removeLeftovers"/>: also remove the env
    /// files (and disable the units) of installed agents that are not among them (the whole roster was given).</summary>
    public async Task<InstallPlan> PlanInstallAsync(IReadOnlyList<FleetAgentSpec> agents, bool enable, CancellationToken ct, bool removeLeftovers = true)
    {
        RequireSameHost();
        RefuseOtherRoster();
        var plan = new InstallPlan { HostName = files.HostName };
        var programs = builder.Programs();
        plan.Notes.Add($"tmux: {programs.Tmux}; sh: {programs.Sh}");
        plan.ReplacesOneshotUnits = IsOneshot(Paths.HolderUnit) || IsOneshot(Paths.AgentTemplate);
        AddWrite(plan, Paths.HolderUnit, PlannedFile.HolderKind, null, builder.HolderUnit(programs, files.HostName), AtomicFile.PublicMode);
        AddWrite(plan, Paths.AgentTemplate, PlannedFile.TemplateKind, null, UnitRenderer.AgentTemplate(programs, Tenant), AtomicFile.PublicMode);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var planned = new List<FleetAgentSpec>();
        foreach (var agent in agents)
        {
            names.Add(agent.Name);
            AgentLaunch launch;
            try
            {
                launch = await builder.BuildAsync(agent, programs, ct).ConfigureAwait(false);
            }
            catch (LifecycleException ex) when (ex.Target == agent.Name)
            {
                plan.AgentFailures.Add(ex);
                continue;
            }
            catch (ArgumentException ex)
            {
                plan.AgentFailures.Add(new LifecycleException(FleetErrorIds.InvalidAgentSettings, $"Agent '{agent.Name}': {ex.Message}", agent.Name, ex));
                continue;
            }
            try
            {
                AddWrite(plan, launch.EnvFilePath, PlannedFile.EnvKind, agent.Name, launch.EnvFileText, AtomicFile.PrivateMode);
                AddWrite(plan, launch.DropInPath, PlannedFile.DropInKind, agent.Name, launch.DropInText, AtomicFile.PublicMode);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                plan.AgentFailures.Add(new LifecycleException(ex is IOException ? FleetErrorIds.AgentFileReadFailed : FleetErrorIds.AgentFileAccessDenied,
                    $"Agent '{agent.Name}': cannot read its environment file {launch.EnvFilePath}: {ex.Message}", agent.Name, ex));
                continue;
            }
            planned.Add(agent);
            plan.Notes.Add($"{agent.Name}: PATH prefix {(launch.PathPrefix.Count == 0 ? "(none found)" : string.Join(':', launch.PathPrefix))}");
        }
        if (builder.Bins.NpmNotProbed) plan.SkippedProbes.Add("the npm prefix was not probed (-WhatIf runs nothing), so its bin directory is not shown in the PATH prefix");
        // Leftovers: env files THIS roster installed for agents it no longer has (never another roster's).
        var removed = removeLeftovers ? OurEnvFiles().Where(n => !names.Contains(n) && IsThisRosters(Paths.EnvFile(n))).ToList() : [];
        foreach (var name in removed)
        {
            plan.Files.Add(new PlannedFile(Paths.EnvFile(name), PlannedFile.EnvKind, name, null, AtomicFile.PrivateMode, UnitFileAction.Remove) { Leftover = true });
            AddRemoveDropIn(plan, name, leftover: true);
        }
        // One call per action for all units (--no-reload), then one reload: not one systemctl (and one reload) per agent.
        // A left-over agent may still run: it is stopped and disabled BEFORE its files go (its ExecStopPost reads the
        // env file), else its unit could neither stop cleanly nor be named by any cmdlet again.
        if (removed.Count > 0)
        {
            plan.Before.Add(PlannedCommand.ForUnits([Systemctl, "--user", "disable", "--now", "--no-reload"], "Stop and disable", removed.Select(n => SystemctlShow.AgentUnit(Tenant, n)).ToList()) with { Leftover = true });
        }
        if (enable)
        {
            plan.After.Add(PlannedCommand.ForUnits([Systemctl, "--user", "enable", "--no-reload"], "Enable",
                [TenantNames.HolderUnit(Tenant), .. planned.Select(a => SystemctlShow.AgentUnit(Tenant, a.Name))]));
        }
        var filesChange = plan.Files.Any(f => f.Action != UnitFileAction.Unchanged);
        if (filesChange || plan.After.Count > 0)
        {
            plan.After.Add(new([Systemctl, "--user", "daemon-reload"], "Reload", "systemd user manager") { OnlyIfChanged = !filesChange });
        }
        if (enable) plan.After.Add(new([Loginctl, "enable-linger", UserName], "Enable linger", UserName));
        return plan;
    }

    /// <summary>Stops and disables every unit MosaicFleet installed, then removes the files it wrote (those that carry
    /// its marker) and nothing else. With <paramref name="agentFilter"/>, only the agents it accepts: their units and env
    /// files; the holder and the agent template stay.</summary>
    public InstallPlan PlanUninstall(Func<string, bool>? agentFilter = null)
    {
        RequireSameHost();
        var plan = new InstallPlan { HostName = files.HostName };
        var agents = OurEnvFiles().Where(a => agentFilter is null || agentFilter(a)).ToList();
        var template = agentFilter is null && IsOurs(Paths.AgentTemplate);
        var holder = agentFilter is null && IsOurs(Paths.HolderUnit);
        // Event recorder units (Install-FleetUnit -EventRecorder) that carry our marker: with the whole fleet only.
        // Only this tenant's recorder: another tenant's is that fleet's own.
        var recorders = agentFilter is not null ? [] : new[] { EventRecorderUnit.UnitName(Tenant) }.Where(f => IsOurs(Path.Combine(Paths.UnitDirectory, f))).ToList();
        foreach (var unit in recorders) plan.Files.Add(new PlannedFile(Path.Combine(Paths.UnitDirectory, unit), EventRecorderUnit.Kind, null, null, AtomicFile.PublicMode, UnitFileAction.Remove));
        // One call for every unit: the recorders, the agents, the holder last (its stop ends the tmux server).
        List<string> units = [.. recorders, .. agents.Select(n => SystemctlShow.AgentUnit(Tenant, n)), .. holder ? [TenantNames.HolderUnit(Tenant)] : Array.Empty<string>()];
        if (units.Count > 0) plan.Before.Add(PlannedCommand.ForUnits([Systemctl, "--user", "disable", "--now", "--no-reload"], "Stop and disable", units));
        foreach (var name in agents)
        {
            plan.Files.Add(new PlannedFile(Paths.EnvFile(name), PlannedFile.EnvKind, name, null, AtomicFile.PrivateMode, UnitFileAction.Remove));
            AddRemoveDropIn(plan, name);
        }
        if (template) plan.Files.Add(new PlannedFile(Paths.AgentTemplate, PlannedFile.TemplateKind, null, null, AtomicFile.PublicMode, UnitFileAction.Remove));
        if (holder) plan.Files.Add(new PlannedFile(Paths.HolderUnit, PlannedFile.HolderKind, null, null, AtomicFile.PublicMode, UnitFileAction.Remove));
        if (plan.Files.Count > 0) plan.After.Add(new([Systemctl, "--user", "daemon-reload"], "Reload", "systemd user manager"));
        // A crash-looping agent's unit stays loaded as failed after its file is gone (and Get-FleetAgent would still say
        // Failed): the whole fleet's failed agent units are reset (a pattern: units no longer loaded are no error).
        if (agentFilter is null && agents.Count > 0) plan.After.Add(new([Systemctl, "--user", "reset-failed", TenantNames.AgentPattern(Tenant)], "Reset failed", "the fleet's agent units"));
        return plan;
    }

    /// <summary>Writes or removes one planned file. Returns whether it changed.</summary>
    public bool Apply(PlannedFile file) => file.Action switch
    {
        UnitFileAction.Write => files.WriteAtomic(file.Path, file.Content!, file.Mode, file.DirectoryMode),
        UnitFileAction.Remove => files.Delete(file.Path) && RemoveEmptyDropInDirectory(file),
        // An unchanged env file still gets its folder's mode checked (a 0777 agents folder is made 0700).
        UnitFileAction.Unchanged when file.DirectoryMode is not null && files is LocalHostFiles => files.WriteAtomic(file.Path, file.Content!, file.Mode, file.DirectoryMode),
        _ => false,
    };

    /// <summary>Runs one planned call. Its timeout grows with the number of units (starting or stopping 500 takes seconds).</summary>
    public Task<CommandResult> RunAsync(PlannedCommand command, CancellationToken ct)
        => builder.Context.Runner.RunAsync(builder.Context.HostOf(files.HostName),
            new CommandSpec(command.Argv, builder.Context.CommandTimeout + TimeSpan.FromMilliseconds(100 * command.Units.Count)), ct);

    /// <summary>Agent names of the environment files MosaicFleet wrote.</summary>
    public IReadOnlyList<string> OurEnvFiles()
        => files.List(Paths.EnvDirectory, "*" + LifecyclePaths.EnvFileSuffix)
            .Where(f => IsOurs(Path.Combine(Paths.EnvDirectory, f)))
            .Select(f => f[..^LifecyclePaths.EnvFileSuffix.Length])
            .ToList();



    /// <summary>Everything of a roster is keyed by its tenant (<see cref="TenantNames"/>), so rosters of different tenants
    /// install side by side. Two things stay a clear error, never a silent overwrite (<see cref="LifecycleException"/>,
    /// the file as target): another roster of the SAME tenant already installed on this host (<see cref="FleetErrorIds.FleetOtherRosterInstalled"/>:
    /// its units and env files are this tenant's), and another tenant whose holder uses the same tmux socket
    /// (<see cref="FleetErrorIds.FleetTmuxSocketInUse"/>).</summary>
    private void RefuseOtherRoster()
    {
        var mine = builder.Context.Roster.Path;
        if (string.IsNullOrEmpty(mine)) return;
        var candidates = new[] { Paths.HolderUnit }.Concat(OurEnvFiles().Select(Paths.EnvFile));
        foreach (var path in candidates)
        {
            if (OwnerIfOther(path) is not { } other) continue;
            var message = $"Host {files.HostName} already has tenant '{Tenant}' installed from another roster ({other}; see {path}). " +
                $"One roster per tenant and host: installing {mine} would rewrite that fleet's units and env files. " +
                "Give this roster a tenant of its own (tenant: in the roster), uninstall that fleet first (Uninstall-FleetUnit -All with its roster), or install with the roster it came from.";
            throw new LifecycleException(FleetErrorIds.FleetOtherRosterInstalled, message, path);
        }
        var socket = builder.Context.TmuxOf(files.HostName).SocketName;
        foreach (var name in files.List(Paths.UnitDirectory, "*.service"))
        {
            if (TenantNames.TenantOfHolderUnit(name) is not { } tenant || tenant == (TenantNames.IsDefault(Tenant) ? TenantNames.DefaultTenant : TenantNames.KeyOf(Tenant))) continue;
            var path = Path.Combine(Paths.UnitDirectory, name);
            if (!IsOurs(path) || files.Read(path) is not { } bytes) continue;
            if (HolderSocket(System.Text.Encoding.UTF8.GetString(bytes)) != socket) continue;
            // This roster's own earlier install under another tenant's names: Install-FleetUnit moves it (FindPreviousInstall).
            if (IsThisRostersByRosterOrSocket(path, holder: true)) continue;
            var message = $"Tenant '{tenant}' already uses tmux socket '{socket}' on host {files.HostName} (see {path}). " +
                $"Two tenants on one socket would share one tmux server: give this roster (tenant '{Tenant}') a socketName of its own.";
            throw new LifecycleException(FleetErrorIds.FleetTmuxSocketInUse, message, path);
        }
    }

    private bool IsThisRosters(string path) => IsOurs(path) && OwnerIfOther(path) is null;

    /// <summary>Who installed a file we wrote, when that is not this roster: the roster recorded in it, or (written
    /// before rosters were recorded) "a roster with tmux socket X" when its socket is not this roster's. Null: this
    /// roster's, or not a file of ours.</summary>
    private string? OwnerIfOther(string path)
    {
        var bytes = files.Read(path);
        if (bytes is null || !bytes.AsSpan().StartsWith(LaunchBuilder.Bytes(LifecyclePaths.Marker))) return null;
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        var mine = UnitRenderer.RosterLine(builder.Context.Roster.Path)[UnitRenderer.RosterLinePrefix.Length..];
        if (UnitRenderer.RecordedRoster(text) is { } recorded) return recorded == mine ? null : $"roster {recorded}";
        var socket = builder.Context.TmuxOf(files.HostName).SocketName;
        var theirs = path == Paths.HolderUnit ? HolderSocket(text) : SystemdSyntax.ParseEnvFile(text).GetValueOrDefault(UnitRenderer.EnvSocket);
        return theirs is null || theirs == socket ? null : $"a roster with tmux socket {theirs}";
    }

    // The socket of a holder unit written before rosters were recorded: its Description names it.
    private static string? HolderSocket(string text)
    {
        var m = System.Text.RegularExpressions.Regex.Match(text, @"^Description=MosaicFleet tmux server holder \(socket (.*)\)$", System.Text.RegularExpressions.RegexOptions.Multiline);
        return m.Success ? m.Groups[1].Value.Replace("%%", "%") : null;
    }

    private bool SameButPaneCommand(string path, string text)
    {
        if (files.Read(path) is not { } installed) return false;
        static IEnumerable<string> Lines(string t) => t.Split('\n').Where(l => !l.StartsWith(UnitRenderer.EnvPaneCommand + "=", StringComparison.Ordinal));
        return Lines(System.Text.Encoding.UTF8.GetString(installed)).SequenceEqual(Lines(text), StringComparer.Ordinal);
    }

    private bool IsOurs(string path)
    {
        var bytes = files.Read(path);
        if (bytes is null) return false;
        var marker = LaunchBuilder.Bytes(LifecyclePaths.Marker);
        return bytes.AsSpan().StartsWith(marker);
    }

    private void RequireSameHost()
    {
        if (files.HostName != builder.HostName)
            throw new InvalidOperationException($"The launch builder is for host '{builder.HostName}' but the files are of host '{files.HostName}'.");
    }

    /// <summary>A removed drop-in leaves its mosaic-agent@&lt;agent&gt;.service.d folder; on this machine it goes too when
    /// empty (a remote host keeps the empty folder: its file seam removes files only).</summary>
    private bool RemoveEmptyDropInDirectory(PlannedFile file)
    {
        if (file.Kind != PlannedFile.DropInKind || !IsLocal) return true;
        try
        {
            var dir = Path.GetDirectoryName(file.Path);
            if (dir is not null && Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
        catch (IOException)
        {
        }
        return true;
    }

    private bool IsOneshot(string path)
        => IsOurs(path) && files.Read(path) is { } bytes && System.Text.Encoding.UTF8.GetString(bytes).Contains("\nType=oneshot\n", StringComparison.Ordinal);

    private void AddRemoveDropIn(InstallPlan plan, string name, bool leftover = false)
    {
        var path = Paths.AgentDropIn(name);
        if (IsOurs(path)) plan.Files.Add(new PlannedFile(path, PlannedFile.DropInKind, name, null, AtomicFile.PublicMode, UnitFileAction.Remove) { Leftover = leftover });
    }

    private void AddWrite(InstallPlan plan, string path, string kind, string? agent, string text, UnixFileMode mode)
    {
        var bytes = LaunchBuilder.Bytes(text);
        var action = files.IsCurrent(path, bytes, mode) ? UnitFileAction.Unchanged : UnitFileAction.Write;
        // -WhatIf did not ask npm for its prefix, so the pane command it renders lacks the npm bin directory: an env
        // file that differs from the installed one only in that line would be rewritten with the same bytes by a real
        // run. Reported Unchanged, so -WhatIf does not list a write (and a daemon-reload) that would not happen.
        if (action == UnitFileAction.Write && kind == PlannedFile.EnvKind && builder.Bins.NpmNotProbed && SameButPaneCommand(path, text))
        {
            action = UnitFileAction.Unchanged;
        }
        plan.Files.Add(new PlannedFile(path, kind, agent, bytes, mode, action));
    }
}
