using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Messaging;

/// <summary>Why an agent's pane could not be read.</summary>
public sealed class AgentOutputException(string agent, FleetSendStatus status, string message) : Exception(message)
{
    public string Agent { get; } = agent;

    /// <summary>NoSession, PaneDead is never raised (a dead pane still has text), Unreachable or NotAccepted (other failures).</summary>
    public FleetSendStatus Status { get; } = status;
}

/// <summary>Reads an agent's recent pane text: the pane resolved to its %pane_id, then capture-pane with history.</summary>
public sealed class AgentOutput(FleetContext context)
{
    public async Task<FleetPaneCapture> CaptureAsync(FleetAgentSpec agent, int lines, CancellationToken ct)
    {
        var host = context.HostOf(agent.Host);
        var tmux = context.TmuxFor(agent.Host);
        var resolve = await context.Runner.RunAsync(host, new CommandSpec(SendCommands.ResolvePane(tmux, agent.Name), context.CommandTimeout), ct).ConfigureAwait(false);
        if (!resolve.Success) throw Failure(agent, host, tmux, resolve);
        var pane = SendCommands.ParseResolve(resolve.Stdout)
            ?? throw new AgentOutputException(agent.Name, FleetSendStatus.NotAccepted, $"tmux answered '{resolve.Stdout.Trim()}' instead of a pane id");
        var capture = await context.Runner.RunAsync(host, new CommandSpec(SendCommands.CaptureHistory(tmux, pane.PaneId, lines), context.CommandTimeout), ct).ConfigureAwait(false);
        if (!capture.Success) throw Failure(agent, host, tmux, capture);
        return new FleetPaneCapture
        {
            Agent = agent.Name,
            Host = agent.Host,
            PaneId = pane.PaneId,
            CapturedAt = context.Clock.GetUtcNow(),
            Lines = LastLines(capture.Stdout, lines),
        };
    }

    /// <summary>The text's last <paramref name="count"/> lines, trailing blank lines and trailing spaces removed.</summary>
    public static string[] LastLines(string text, int count)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines.Skip(Math.Max(0, lines.Count - count)).ToArray();
    }

    private static AgentOutputException Failure(FleetAgentSpec agent, FleetHost host, TmuxCommand tmux, CommandResult r)
    {
        if (FleetQuery.NotRun(host, r) is { } notRun)
        {
            return new AgentOutputException(agent.Name, notRun.ErrorId == FleetErrorIds.TmuxNotFound ? FleetSendStatus.TmuxNotFound : FleetSendStatus.Unreachable, notRun.Message);
        }
        var status = TmuxFailures.Classify(r.Stderr) != TmuxFailure.Other ? FleetSendStatus.NoSession : FleetSendStatus.NotAccepted;
        // No session is an everyday answer: say it plainly (tmux's own words in brackets), not as a failed command line.
        var message = status == FleetSendStatus.NoSession
            ? $"Cannot read the pane of {agent.Name}: the agent has no tmux session on socket {tmux.SocketName} ({agent.Host}; tmux: {r.Stderr.Trim()})."
            : $"Cannot read the pane of {agent.Name}: {r.Describe()}";
        return new AgentOutputException(agent.Name, status, message);
    }
}
