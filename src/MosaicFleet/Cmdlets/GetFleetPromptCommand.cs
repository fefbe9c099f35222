using System.Management.Automation;
using MosaicFleet.Engine.Prompts;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>What Waiting agents ask: their question and options, read from a settled screen.</summary>
[Cmdlet(VerbsCommon.Get, "FleetPrompt")]
[OutputType(typeof(FleetPrompt))]
public sealed class GetFleetPromptCommand : PromptCmdlet
{
    /// <summary>Agent names; wildcards allowed. Default: every agent.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        if (Name is not null) Names.AddRange(Name);
    }

    protected override void EndProcessing()
    {
        var answerer = new PromptAnswerer(Context);
        var agents = ReadAgents().Where(a => a.Status == FleetAgentStatus.Running).ToList();
        var prompts = Await(Task.WhenAll(agents.Select(async a =>
        {
            try
            {
                return (Prompt: await answerer.ReadAsync(a, StopToken).ConfigureAwait(false), Error: (PromptException?)null);
            }
            catch (PromptException ex)
            {
                return (null, ex);
            }
        })));
        foreach (var (prompt, error) in prompts)
        {
            if (error is not null) WriteError(PromptError(error));
            else if (prompt is not null) WriteObject(prompt);
        }
    }
}
