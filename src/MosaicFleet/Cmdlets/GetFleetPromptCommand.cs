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

    private bool _read;

    // Names (from the pipeline too) are read as they arrive, so a stream (Get-FleetEvent -Follow | Get-FleetPrompt)
    // shows each prompt at once; without names, every agent is read at the end.
    protected override void ProcessRecord()
    {
        if (Name is null) return;
        Names.Clear();
        Names.AddRange(Name);
        _read = true;
        Read();
    }

    protected override void EndProcessing()
    {
        if (!_read) Read();
    }

    private void Read()
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
