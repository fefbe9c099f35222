using System.Management.Automation;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>Types a message into agents' panes (paste buffer, submit key) and verifies that each agent took it.</summary>
[Cmdlet(VerbsCommunications.Send, "FleetMessage", SupportsShouldProcess = true, DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(FleetSendResult))]
public sealed class SendFleetMessageCommand : FleetSendCmdlet
{
    /// <summary>The message, exactly as it must arrive (multi-line allowed).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ValidateInertText(What = "message")]
    public string Message { get; set; } = "";

    /// <summary>Agent names; wildcards allowed. Binds strings by value, and by property name (Get-FleetAgent output, FleetSendResult.Agent).</summary>
    [Parameter(ParameterSetName = ByNameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    [Alias("Agent")]
    public string[]? Name { get; set; }

    /// <summary>Every agent of the roster. Without it, only the agents named or piped.</summary>
    [Parameter(ParameterSetName = AllSet, Mandatory = true)]
    public SwitchParameter All { get; set; }

    /// <summary>The label put before the message's first line, in brackets. Default: operator:&lt;user&gt;@&lt;short host name&gt;.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateInertText(What = "source label", SingleLine = true)]
    public string? Source { get; set; }

    protected override void ProcessRecord() => GatherNames(Name);

    protected override void EndProcessing()
    {
        var source = Source ?? MessageText.DefaultSource(Environment.UserName, Environment.MachineName);
        // Agents of several rosters (piped from two Get-FleetAgent calls) are sent to roster by roster.
        foreach (var _ in EachRoster())
        {
            var requests = new List<SendRequest>();
            foreach (var agent in ResolveAgents(All, wholeRosterWhenUnnamed: false))
            {
                if (!ShouldProcess(agent.Name, $"Send message '{Preview(Message)}'")) continue;
                requests.Add(new SendRequest(agent, Message, source));
            }
            Deliver(requests);
        }
    }

    private static string Preview(string m)
    {
        var first = m.Split('\n')[0];
        return first.Length > 40 || m.Contains('\n') ? first[..Math.Min(40, first.Length)] + "…" : first;
    }
}
