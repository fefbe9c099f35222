using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Prompts;

/// <summary>Why an answer was not given (or not confirmed); <see cref="ErrorId"/> is stable.</summary>
public sealed class PromptException(string errorId, string agent, string message) : Exception(message)
{
    public string ErrorId { get; } = errorId;

    public string Agent { get; } = agent;

}

/// <summary>Reads an agent's prompt from a settled screen, and answers it: the selection is moved onto the chosen option
/// one key at a time (each move checked on a settled screen), checked once more, then confirmed with Enter; afterwards the
/// prompt must be gone (or another prompt shows) and the pane must still run.</summary>
public sealed class PromptAnswerer(FleetContext context)
{
    /// <summary>The gap between the two captures that must be equal for a screen to count as fully drawn.</summary>
    public TimeSpan SettleGap { get; init; } = TimeSpan.FromMilliseconds(150);

    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan VerifyTimeout { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Keys pressed so far (for tests and -Verbose).</summary>
    public List<string> KeysSent { get; } = [];

    private async Task<string> CaptureAsync(FleetAgent agent, CancellationToken ct)
    {
        var tmux = context.TmuxFor(agent.Host);
        var r = await context.Runner.RunAsync(context.HostOf(agent.Host), new CommandSpec(tmux.Build("capture-pane", "-p", "-e", "-t", TmuxTarget.Pane(agent.PaneId!)), context.CommandTimeout), ct).ConfigureAwait(false);
        if (!r.Success) throw new PromptException(FleetErrorIds.PaneCaptureFailed, agent.Name, $"Cannot read the screen of agent '{agent.Name}': {r.Describe()}");
        return r.Stdout;
    }

    /// <summary>A screen that is the same in two captures <see cref="SettleGap"/> apart.</summary>
    public async Task<string> SettledScreenAsync(FleetAgent agent, CancellationToken ct)
    {
        var deadline = context.Clock.GetUtcNow() + SettleTimeout;
        var previous = await CaptureAsync(agent, ct).ConfigureAwait(false);
        while (true)
        {
            await Task.Delay(SettleGap, context.Clock, ct).ConfigureAwait(false);
            var current = await CaptureAsync(agent, ct).ConfigureAwait(false);
            if (current == previous) return current;
            if (context.Clock.GetUtcNow() > deadline)
                throw new PromptException(FleetErrorIds.PromptNotSettled, agent.Name, $"The screen of agent '{agent.Name}' kept changing for {SettleTimeout.TotalSeconds:0} s; nothing was pressed.");
            previous = current;
        }
    }

    /// <summary>The agent's prompt on a settled screen, or null when it asks nothing.</summary>
    public async Task<FleetPrompt?> ReadAsync(FleetAgent agent, CancellationToken ct)
    {
        if (agent.Status != FleetAgentStatus.Running || agent.PaneId is null) return null;
        var runtime = context.Roster.Runtimes[agent.Runtime];
        return PromptParser.Parse(runtime, await SettledScreenAsync(agent, ct).ConfigureAwait(false), agent.Name, agent.Host);
    }

    /// <summary>The option <paramref name="choice"/> names: a number, else an exact text (case-insensitive), else a
    /// wildcard over the texts (first match). Null <paramref name="choice"/>: the one-time affirmative (approve) or
    /// negative (deny) option.</summary>
    public static FleetPromptOption Choose(FleetPrompt prompt, string? choice, bool approve, Func<string, Func<string, bool>> wildcard)
    {
        if (choice is null)
        {
            var pick = approve ? prompt.Options.FirstOrDefault(o => PromptChoices.IsOneTimeYes(o.Text)) : prompt.Options.FirstOrDefault(o => PromptChoices.IsNo(o.Text));
            return pick ?? throw new PromptException(FleetErrorIds.PromptNoDefaultOption, prompt.Agent,
                $"No option of agent '{prompt.Agent}' reads as a one-time {(approve ? "yes" : "no")} ({string.Join(", ", prompt.Options.Select(o => $"{o.Number}. {o.Text}"))}); name one with -Option. Nothing was pressed.");
        }
        if (int.TryParse(choice, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && prompt.Options.FirstOrDefault(o => o.Number == n) is { } byNumber) return byNumber;
        if (prompt.Options.FirstOrDefault(o => string.Equals(o.Text, choice, StringComparison.OrdinalIgnoreCase)) is { } exact) return exact;
        var match = wildcard(choice);
        return prompt.Options.FirstOrDefault(o => match(o.Text))
            ?? throw new PromptException(FleetErrorIds.PromptOptionNotFound, prompt.Agent,
                $"Agent '{prompt.Agent}' shows no option '{choice}' (it shows {string.Join(", ", prompt.Options.Select(o => $"{o.Number}. {o.Text}"))}). Nothing was pressed.");
    }

    /// <summary>Moves the selection onto <paramref name="target"/>, checks it, presses Enter, and checks the result.</summary>
    public async Task<FleetPromptAnswer> AnswerAsync(FleetAgent agent, FleetPrompt prompt, FleetPromptOption target, CancellationToken ct)
    {
        var runtime = context.Roster.Runtimes[agent.Runtime];
        var current = prompt;
        if (prompt.Layout == "YesNo")
        {
            await KeyAsync(agent, target.Key ?? target.Text, literal: true, ct).ConfigureAwait(false);
            await KeyAsync(agent, "Enter", literal: false, ct).ConfigureAwait(false);
        }
        else
        {
            var (back, forward) = prompt.Layout == "Horizontal" ? ("Left", "Right") : ("Up", "Down");
            // Each round re-reads where the selection is and moves one step toward the target. A key the runtime did not
            // take (one pressed as the dialog appeared can be lost) is pressed once more; a selection that still does not
            // move, or moves off the list, stops everything before Enter.
            var stalls = 0;
            for (var round = 0; ; round++)
            {
                var sel = current.Selected ?? throw new PromptException(FleetErrorIds.PromptSelectionDidNotMove, agent.Name,
                    $"Agent '{agent.Name}' shows no selection on its options, so the chosen one cannot be checked before Enter. Nothing was pressed.");
                var at = Array.FindIndex(current.Options, o => o.Number == sel.Number && o.Text == sel.Text);
                var to = Array.FindIndex(current.Options, o => o.Number == target.Number && o.Text == target.Text);
                if (to < 0) throw new PromptException(FleetErrorIds.PromptOptionNotFound, agent.Name, $"The option '{target.Text}' left the screen of agent '{agent.Name}'; Enter was not pressed.");
                if (at == to) break;
                if (round > 2 * prompt.Options.Length + 2) throw new PromptException(FleetErrorIds.PromptSelectionDidNotMove, agent.Name, $"The selection of agent '{agent.Name}' did not reach '{target.Text}'; Enter was not pressed.");
                var key = to > at ? forward : back;
                await KeyAsync(agent, key, literal: false, ct).ConfigureAwait(false);
                var next = PromptParser.Parse(runtime, await SettledScreenAsync(agent, ct).ConfigureAwait(false), agent.Name, agent.Host);
                if (next?.Selected is not { } moved || next.Question != prompt.Question || !next.Options.Select(o => o.Text).SequenceEqual(prompt.Options.Select(o => o.Text)))
                    throw new PromptException(FleetErrorIds.PromptSelectionDidNotMove, agent.Name, $"The dialog of agent '{agent.Name}' changed or lost its selection after {key}; Enter was not pressed.");
                if (moved.Number == sel.Number && ++stalls > 1)
                    throw new PromptException(FleetErrorIds.PromptSelectionDidNotMove, agent.Name, $"The selection of agent '{agent.Name}' did not move from '{sel.Text}' after {key} (pressed twice); Enter was not pressed.");
                current = next;
            }
            // Checked once more on a settled screen, right before Enter.
            var check = PromptParser.Parse(runtime, await SettledScreenAsync(agent, ct).ConfigureAwait(false), agent.Name, agent.Host);
            if (check?.Selected is not { } final || final.Text != target.Text || check.Question != prompt.Question)
                throw new PromptException(FleetErrorIds.PromptSelectionDidNotMove, agent.Name, $"The selection of agent '{agent.Name}' is not on '{target.Text}'; Enter was not pressed.");
            await KeyAsync(agent, "Enter", literal: false, ct).ConfigureAwait(false);
        }
        return await VerifyAsync(agent, runtime, prompt, target, ct).ConfigureAwait(false);
    }

    private async Task<FleetPromptAnswer> VerifyAsync(FleetAgent agent, FleetRuntime runtime, FleetPrompt prompt, FleetPromptOption target, CancellationToken ct)
    {
        var answer = new FleetPromptAnswer { Agent = agent.Name, Host = agent.Host, Question = prompt.Question, Option = target.Text };
        var deadline = context.Clock.GetUtcNow() + VerifyTimeout;
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), context.Clock, ct).ConfigureAwait(false);
            var tmux = context.TmuxFor(agent.Host);
            var state = await context.Runner.RunAsync(context.HostOf(agent.Host), new CommandSpec(tmux.Build("display-message", "-p", "-t", TmuxTarget.Pane(agent.PaneId!), "#{pane_dead}"), context.CommandTimeout), ct).ConfigureAwait(false);
            if (!state.Success || state.Stdout.Trim() == "1")
                throw new PromptException(FleetErrorIds.AgentExitedAfterAnswer, agent.Name, $"Agent '{agent.Name}' no longer runs after the answer '{target.Text}' ({(state.Success ? "its pane is dead" : state.Describe())}).");
            string screen;
            try
            {
                screen = await SettledScreenAsync(agent, ct).ConfigureAwait(false);
            }
            catch (PromptException ex) when (ex.ErrorId == FleetErrorIds.PromptNotSettled)
            {
                // Still redrawing (the runtime got to work): the prompt is gone.
                answer.Status = "Answered";
                return answer;
            }
            var after = PromptParser.Parse(runtime, screen, agent.Name, agent.Host);
            if (after is null)
            {
                answer.Status = "Answered";
                return answer;
            }
            if (after.Question != prompt.Question || !after.Options.Select(o => o.Text).SequenceEqual(prompt.Options.Select(o => o.Text)))
            {
                answer.Status = "NextPrompt";
                answer.NextPrompt = after;
                return answer;
            }
            if (context.Clock.GetUtcNow() > deadline)
                throw new PromptException(FleetErrorIds.PromptStillShown, agent.Name, $"Agent '{agent.Name}' still shows the same prompt {VerifyTimeout.TotalSeconds:0} s after the answer '{target.Text}'.");
        }
    }

    private async Task KeyAsync(FleetAgent agent, string key, bool literal, CancellationToken ct)
    {
        var tmux = context.TmuxFor(agent.Host);
        var argv = literal ? tmux.Build("send-keys", "-t", TmuxTarget.Pane(agent.PaneId!), "-l", "--", key) : tmux.Build("send-keys", "-t", TmuxTarget.Pane(agent.PaneId!), key);
        var r = await context.Runner.RunAsync(context.HostOf(agent.Host), new CommandSpec(argv, context.CommandTimeout), ct).ConfigureAwait(false);
        KeysSent.Add(key);
        if (!r.Success) throw new PromptException(FleetErrorIds.PaneCaptureFailed, agent.Name, $"Cannot press {key} in agent '{agent.Name}': {r.Describe()}");
    }
}
