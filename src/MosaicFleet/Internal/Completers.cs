using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Internal;

/// <summary>Completes from the roster (the -RosterPath given on the command line, else the default one).
/// A roster that cannot be read completes nothing: completion never throws at the operator.</summary>
public abstract class RosterCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        IEnumerable<string> values;
        try
        {
            var explicitPath = fakeBoundParameters?["RosterPath"] as string ?? fakeBoundParameters?["Roster"] as string;
            var path = RosterLocator.Resolve(explicitPath, Environment.GetEnvironmentVariable);
            values = Values(RosterLoader.LoadFile(path));
        }
        catch (RosterException)
        {
            yield break;
        }
        var pattern = new WildcardPattern(word + "*", WildcardOptions.IgnoreCase);
        foreach (var v in values.Distinct(StringComparer.Ordinal).Order(StringComparer.OrdinalIgnoreCase))
        {
            if (pattern.IsMatch(v)) yield return new CompletionResult(v, v, CompletionResultType.ParameterValue, v);
        }
    }

    protected abstract IEnumerable<string> Values(FleetRoster roster);
}

public sealed class AgentNameCompleter : RosterCompleter
{
    protected override IEnumerable<string> Values(FleetRoster roster) => roster.Agents.Select(a => a.Name);
}

public sealed class RuntimeCompleter : RosterCompleter
{
    protected override IEnumerable<string> Values(FleetRoster roster) => roster.Runtimes.Keys;
}

public sealed class ClassNameCompleter : RosterCompleter
{
    protected override IEnumerable<string> Values(FleetRoster roster) => roster.Agents.Select(a => a.ClassName).OfType<string>();
}
