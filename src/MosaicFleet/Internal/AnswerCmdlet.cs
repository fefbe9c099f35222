using System.Management.Automation;
using MosaicFleet.Engine.Prompts;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Internal;

/// <summary>Approve-FleetAgent and Deny-FleetAgent: answer each named agent's prompt with one option.</summary>
public abstract class AnswerCmdlet : PromptCmdlet
{
    /// <summary>Agent names; wildcards allowed. Binds from Name (Get-FleetAgent) or Agent (Get-FleetPrompt, events).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[] Name { get; set; } = [];

    /// <summary>The option to choose: its number, its text, or a wildcard over the texts.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Option { get; set; }

    protected abstract bool Approve { get; }

    // Each input is answered as it arrives, so a stream (Get-FleetEvent -Follow | ... | Approve-FleetAgent) is answered
    // event by event.
    protected override void ProcessRecord()
    {
        Names.Clear();
        Names.AddRange(Name);
        foreach (var agent in ReadAgents())
        {
            if (agent.Status != FleetAgentStatus.Running || agent.PaneId is null)
            {
                WriteError(NotRunning(agent));
                continue;
            }
            var answerer = new PromptAnswerer(Context);
            try
            {
                var prompt = Await(answerer.ReadAsync(agent, StopToken))
                    ?? throw new PromptException(FleetErrorIds.AgentNotWaiting, agent.Name, $"Agent '{agent.Name}' shows no prompt (its screen does not match its runtime's waitingPattern, or shows no options). Nothing was pressed.");
                var option = PromptAnswerer.Choose(prompt, Option, Approve, p => new WildcardPattern(p, WildcardOptions.IgnoreCase).IsMatch);
                if (!ShouldProcess($"{agent.Name}: {prompt.Question}", $"Answer with option {option.Number} '{option.Text}'")) continue;
                var answer = Await(answerer.AnswerAsync(agent, prompt, option, StopToken));
                WriteVerbose($"{agent.Name}: pressed {string.Join(", ", answerer.KeysSent)}.");
                WriteObject(answer);
            }
            catch (PromptException ex)
            {
                if (answerer.KeysSent.Count > 0) WriteVerbose($"{agent.Name}: pressed {string.Join(", ", answerer.KeysSent)} before this error.");
                WriteError(PromptError(ex));
            }
            catch (WildcardPatternException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, FleetErrorIds.InvalidWildcardPattern, FleetErrors.For(FleetErrorIds.InvalidWildcardPattern), Option));
            }
        }
    }
}
