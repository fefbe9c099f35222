using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Observation;

/// <summary>Viewer sessions: a session of its own in the agent's session group (grouped sessions share windows), attached
/// read-only unless taking over, destroyed when no client is attached (destroy-unattached is set only once a client is
/// attached: set earlier, tmux destroys the still-unattached session at once). The agent's windows get
/// window-size manual so a small viewer never resizes the agent.</summary>
public sealed class ViewerService(FleetContext context)
{
    public const string SessionFormat = "#{session_name}\u001f#{session_attached}\u001f#{socket_path}";
    public const string ClientFormat = "#{client_name}\u001f#{client_session}\u001f#{pane_id}\u001f#{client_readonly}";

    private static readonly Regex SafeClientName = new("^[A-Za-z0-9/_.:-]+$", RegexOptions.CultureInvariant);

    /// <summary>The sessions on the agent host's fleet socket and the socket's path (null when no server runs).</summary>
    public async Task<(IReadOnlyList<TmuxSessionInfo> Sessions, string? SocketPath)> ListSessionsAsync(string hostName, CancellationToken ct)
    {
        var tmux = context.TmuxFor(hostName);
        var r = await Run(hostName, tmux.Build("list-sessions", "-F", SessionFormat), ct).ConfigureAwait(false);
        if (!r.Success)
        {
            if (FleetQuery.NotRun(context.HostOf(hostName), r) is { } notRun) throw new WatchException(notRun.ErrorId, notRun.Message);
            if (r.FailureOn(context.HostOf(hostName)) == CommandFailure.CommandFailed && ListPanes.IsNoServer(r.Stderr)) return ([], null);
            throw new WatchException(FleetErrorIds.WatchViewerFailed, $"Cannot list the tmux sessions on {hostName}: {r.Describe()}");
        }
        var sessions = ParseSessions(r.Stdout, out var path);
        return (sessions, path);
    }

    public static IReadOnlyList<TmuxSessionInfo> ParseSessions(string output, out string? socketPath)
    {
        socketPath = null;
        var list = new List<TmuxSessionInfo>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\u001f');
            if (parts.Length != 3) continue;
            if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var attached)) continue;
            list.Add(new TmuxSessionInfo(parts[0], attached));
            socketPath ??= parts[2];
        }
        return list;
    }

    public static IReadOnlyList<TmuxClientInfo> ParseClients(string output)
    {
        var list = new List<TmuxClientInfo>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\u001f');
            if (parts.Length != 4) continue;
            list.Add(new TmuxClientInfo(parts[0], parts[1], parts[2], parts[3] == "1"));
        }
        return list;
    }

    /// <summary>The socket path named by a $TMUX value ("path,pid,session"), or null.</summary>
    public static string? SocketOfTmuxEnv(string? tmuxEnv)
    {
        if (string.IsNullOrEmpty(tmuxEnv)) return null;
        var last = tmuxEnv.LastIndexOf(',');
        if (last <= 0) return null;
        var prev = tmuxEnv.LastIndexOf(',', last - 1);
        return prev > 0 ? tmuxEnv[..prev] : null;
    }

    /// <summary>Switch when this process runs in a pane of the fleet's own server (local agents only: switch-client cannot
    /// cross servers or hosts); attach otherwise.</summary>
    public WatchMode ChooseMode(string hostName, string? serverSocketPath)
    {
        if (hostName != FleetHost.LocalName || serverSocketPath is null) return WatchMode.Attach;
        var mine = SocketOfTmuxEnv(context.GetEnv("TMUX"));
        return mine is not null && string.Equals(Path.GetFullPath(mine), Path.GetFullPath(serverSocketPath), StringComparison.Ordinal)
            ? WatchMode.Switch : WatchMode.Attach;
    }

    /// <summary>Kills viewer sessions nobody is attached to (left by a terminal killed between create and attach).</summary>
    public async Task<IReadOnlyList<string>> RemoveLeftoversAsync(string hostName, IReadOnlyList<TmuxSessionInfo> sessions, CancellationToken ct)
    {
        var tmux = context.TmuxFor(hostName);
        var removed = new List<string>();
        foreach (var s in sessions.Where(s => s.Attached == 0 && ViewerNames.IsViewer(s.Name)))
        {
            var r = await Run(hostName, tmux.Build("kill-session", "-t", TmuxTarget.Session(s.Name)), ct).ConfigureAwait(false);
            if (r.Success) removed.Add(s.Name);
        }
        return removed;
    }

    /// <summary>Pins the agent's window size and creates the viewer session in the agent's group. Returns its name.</summary>
    public async Task<string> CreateAsync(FleetAgent agent, CancellationToken ct)
    {
        var tmux = context.TmuxFor(agent.Host);
        var viewer = ViewerNames.New(agent.Session);
        var r = await Run(agent.Host, tmux.Build(
            "set-option", "-w", "-t", TmuxTarget.SessionWindow(agent.Session), "window-size", "manual", ";",
            "new-session", "-d", "-s", viewer, "-t", TmuxTarget.Session(agent.Session)), ct).ConfigureAwait(false);
        if (!r.Success) throw new WatchException(FleetErrorIds.WatchViewerFailed, $"Cannot create a viewer session for {agent.Name}: {r.Describe()}");
        return viewer;
    }

    /// <summary>The argv that attaches this terminal to the viewer: read-only unless <paramref name="takeover"/>; the size
    /// of the terminal never counts (ignore-size); destroy-unattached is set once attached.</summary>
    public IReadOnlyList<string> AttachArgv(string hostName, string viewer, bool takeover)
    {
        var tmux = context.InteractiveTmuxFor(hostName);
        var argv = tmux.Build(
            "attach-session", "-f", takeover ? "ignore-size" : "read-only,ignore-size", "-t", TmuxTarget.Session(viewer), ";",
            "set-option", "-t", TmuxTarget.SessionWindow(viewer), "destroy-unattached", "on");
        var host = context.HostOf(hostName);
        if (host.IsLocal) return argv;
        // ssh needs a terminal for an interactive tmux client. ssh takes the LAST of -t/-T, so the transport's -T is
        // removed and -tt (a tty even if ssh's own stdin is not one) goes last among the options, right before "--".
        var wrapped = host.Wrap(new CommandSpec(argv, Timeout.InfiniteTimeSpan)).Argv.ToList();
        var end = wrapped.IndexOf("--");
        if (end < 0) end = wrapped.Count - 2;
        for (var i = end - 1; i >= 1; i--)
        {
            if (wrapped[i] == "-T" && wrapped[i - 1] != "-o") { wrapped.RemoveAt(i); end--; }
        }
        wrapped.Insert(end, "-tt");
        return wrapped;
    }

    /// <summary>Switches the client this process runs in to the viewer (read-only unless taking over) and arranges that the
    /// client gets its own flags back when it leaves the viewer. Returns the client's name.</summary>
    public async Task<string> SwitchAsync(string viewer, bool takeover, CancellationToken ct)
    {
        var tmux = context.TmuxFor(FleetHost.LocalName);
        var r = await Run(FleetHost.LocalName, tmux.Build("list-clients", "-F", ClientFormat), ct).ConfigureAwait(false);
        if (!r.Success) throw new WatchException(FleetErrorIds.WatchViewerFailed, $"Cannot list the tmux clients: {r.Describe()}");
        var client = PickClient(ParseClients(r.Stdout), context.GetEnv("TMUX_PANE"))
            ?? throw new WatchException(FleetErrorIds.WatchViewerFailed, "This shell runs inside the fleet's tmux server, but no client shows its pane.");
        var args = new List<string> { "switch-client", "-c", client.Name, "-t", TmuxTarget.Session(viewer) };
        // switch-client -r toggles read-only (with ignore-size); tmux 3.3 cannot clear read-only with refresh-client -f.
        var toggle = !takeover && !client.ReadOnly;
        if (toggle) args.Add("-r");
        args.AddRange([";", "set-option", "-t", TmuxTarget.SessionWindow(viewer), "destroy-unattached", "on"]);
        if (toggle && SafeClientName.IsMatch(client.Name))
        {
            // Leaving the viewer (prefix + L, choose-tree, ...) must give the client its keys back. A hook on the viewer
            // session never sees the client leave (tmux runs client-session-changed from the NEW session's hooks, and the
            // viewer is gone by then), so this is a global hook, one slot per client, that only acts for this client once
            // it is read-only on a session that is not a viewer, and then removes itself.
            var slot = $"client-session-changed[{HookSlot(client.Name)}]";
            args.AddRange([";", "set-hook", "-g", slot, RestoreHook(client.Name, slot)]);
        }
        var s = await Run(FleetHost.LocalName, tmux.Build([.. args]), ct).ConfigureAwait(false);
        if (!s.Success) throw new WatchException(FleetErrorIds.WatchViewerFailed, $"Cannot switch the tmux client {client.Name} to {viewer}: {s.Describe()}");
        return client.Name;
    }

    /// <summary>The hook command that toggles read-only back on <paramref name="clientName"/> once it leaves the viewers.</summary>
    public static string RestoreHook(string clientName, string slot)
        => $"if-shell -F '#{{&&:#{{==:#{{client_name}},{clientName}}},#{{&&:#{{client_readonly}},#{{!=:#{{m:{ViewerNames.Prefix}*,#{{client_session}}}},1}}}}}}' "
            + $"'switch-client -c {clientName} -r ; set-hook -gu {slot}'";

    /// <summary>A stable hook array index for a client name (FNV-1a), away from the low indexes people use.</summary>
    public static int HookSlot(string clientName)
    {
        var h = 2166136261u;
        foreach (var c in clientName) { h ^= c; h *= 16777619u; }
        return 70000 + (int)(h % 20000);
    }

    /// <summary>The client showing <paramref name="paneId"/> (the pane this process runs in), else null.</summary>
    public static TmuxClientInfo? PickClient(IReadOnlyList<TmuxClientInfo> clients, string? paneId)
        => paneId is null ? (clients.Count == 1 ? clients[0] : null) : clients.FirstOrDefault(c => c.PaneId == paneId);

    /// <summary>Removes the viewer session if it is still there (after the attach ended).</summary>
    public async Task<bool> RemoveAsync(string hostName, string viewer, CancellationToken ct)
    {
        var tmux = context.TmuxFor(hostName);
        var r = await Run(hostName, tmux.Build("kill-session", "-t", TmuxTarget.Session(viewer)), ct).ConfigureAwait(false);
        return r.Success;
    }

    private Task<CommandResult> Run(string hostName, string[] argv, CancellationToken ct)
        => context.Runner.RunAsync(context.HostOf(hostName), new CommandSpec(argv, context.CommandTimeout), ct);
}
