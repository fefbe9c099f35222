using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Systemd;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>One step of bringing 0.1's running units under supervision: a command, what it does, and for whom.</summary>
public sealed record UpgradeStep(string Target, string Action, IReadOnlyList<CommandSpec> Commands);

/// <summary>What <see cref="SupervisionUpgrade.PlanAsync"/> found: the steps to run and what to tell the operator.</summary>
public sealed class UpgradePlan
{
    public List<UpgradeStep> Steps { get; } = [];

    /// <summary>Agents (and the holder) that need one restart to be supervised, without -Force: a warning each.</summary>
    public List<string> Warnings { get; } = [];

    public List<string> Notes { get; } = [];
}

/// <summary>After an upgrade from 0.1 (oneshot units with RemainAfterExit=yes), a running agent's unit stays
/// `active (exited)` with no main process once the template is Type=exec, and a later crash is never restarted.
/// Each such agent with a live pane is ADOPTED: its session is marked (@mosaic_adopt), the unit restarted: the new
/// ExecStopPost leaves a marked session alone and the new ExecStartPre keeps it, so the runtime keeps running and the
/// waiter watches it from then on (its own scope and limits come with its next launch). An agent whose pane is dead, or
/// every one with -Force, is simply restarted. The holder of 0.1 holds the server in its own control group: restarting
/// it would end every agent, so it is only restarted with -Force; until then the hooks that wake the waiters are set on
/// the running server (the holder's ExecStartPost, as a direct launch).</summary>
public sealed class SupervisionUpgrade(LaunchBuilder builder)
{
    private FleetContext Context => builder.Context;

    public async Task<UpgradePlan> PlanAsync(IReadOnlyList<FleetAgentSpec> agents, bool force, CancellationToken ct)
    {
        var plan = new UpgradePlan();
        var host = builder.HostName;
        var systemctl = Context.SystemctlProgramOn(host);
        var units = agents.Select(a => SystemctlShow.AgentUnit(Context.Roster.Tenant, a.Name)).Append(TenantNames.HolderUnit(Context.Roster.Tenant)).ToList();
        var show = await Context.Runner.RunAsync(Context.HostOf(host),
            new CommandSpec([systemctl, "--user", "show", "-p", "Id,ActiveState,SubState,Type", "--", .. units], Context.CommandTimeout), ct).ConfigureAwait(false);
        if (!show.Success)
        {
            plan.Notes.Add($"Not checked for units started by 0.1: {show.Describe()}");
            return plan;
        }
        var states = Fleet.ResourceProbe.Parse(show.Stdout);
        static bool Stale(Dictionary<string, string>? p) => p is not null && p.GetValueOrDefault("ActiveState") == "active" && p.GetValueOrDefault("SubState") == "exited";
        var staleAgents = agents.Where(a => Stale(states.GetValueOrDefault(SystemctlShow.AgentUnit(Context.Roster.Tenant, a.Name)))).ToList();
        var staleHolder = Stale(states.GetValueOrDefault(TenantNames.HolderUnit(Context.Roster.Tenant)));
        if (staleAgents.Count == 0 && !staleHolder) return plan;

        var tmux = Context.TmuxFor(host);
        var nonce = ListPanes.NewNonce();
        var list = await Context.Runner.RunAsync(Context.HostOf(host), new CommandSpec(tmux.ListPanes(nonce), Context.CommandTimeout), ct).ConfigureAwait(false);
        var panes = list.Success ? ListPanes.Parse(list.Stdout, nonce, out _) : [];
        var programs = builder.Programs();
        if (staleHolder && force)
        {
            plan.Steps.Add(new UpgradeStep(TenantNames.HolderUnit(Context.Roster.Tenant), "Restart the holder started by 0.1 (its server and every agent pane in its control group end; the agents come back through their own restarts)",
                [new CommandSpec([systemctl, "--user", "restart", TenantNames.HolderUnit(Context.Roster.Tenant)], Context.CommandTimeout + TimeSpan.FromSeconds(30))]));
        }
        else if (staleHolder)
        {
            plan.Warnings.Add($"{TenantNames.HolderUnit(Context.Roster.Tenant)} still runs as 0.1 started it (oneshot): if its tmux server dies, systemd will not restart it until the holder's next start. Restarting it now ends every agent's pane; Install-FleetUnit -Force does that.");
            if (panes.Count > 0)
            {
                // The waiters' wake-up hooks on the running server (0.1 set none).
                var hooks = SystemdSyntax.UnitValues(builder.HolderUnit(programs, host), "ExecStartPost")
                    .Select(l => SystemdSyntax.ResolveExecLine(l, new Dictionary<string, string>(), new Dictionary<string, string> { [UnitRenderer.EnvLaunch] = UnitRenderer.LaunchDirect }))
                    .Select(l => new CommandSpec(l.Argv, Context.CommandTimeout)).ToList();
                plan.Steps.Add(new UpgradeStep(TenantNames.HolderUnit(Context.Roster.Tenant), "Set the hooks that wake the agents' waiters on the running tmux server", hooks));
            }
        }
        foreach (var agent in staleAgents)
        {
            var unit = SystemctlShow.AgentUnit(Context.Roster.Tenant, agent.Name);
            var restart = new CommandSpec([systemctl, "--user", "restart", unit], Context.CommandTimeout + TimeSpan.FromSeconds(30));
            var live = panes.Any(p => p.SessionName == agent.Name && !p.Dead);
            if (live && !force && !(staleHolder && force))
            {
                var mark = new CommandSpec(tmux.Build("set-option", "-t", TmuxArgument.Literal(TmuxTarget.SessionWindow(agent.Name)), SupervisionScripts.AdoptOption, "1"), Context.CommandTimeout);
                plan.Steps.Add(new UpgradeStep(agent.Name, $"Adopt the running runtime under supervision ({unit}; the runtime keeps running, its scope and limits come with its next launch)", [mark, restart]));
            }
            else if (staleHolder && force)
            {
                plan.Notes.Add($"{agent.Name}: comes back with the holder's restart.");
            }
            else
            {
                plan.Steps.Add(new UpgradeStep(agent.Name, live ? $"Restart the runtime under supervision ({unit}; -Force)" : $"Start the agent under supervision ({unit}; its pane was dead)", [restart]));
            }
        }
        return plan;
    }
}
