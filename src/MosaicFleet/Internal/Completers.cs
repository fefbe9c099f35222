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
            var explicitPath = AsString(fakeBoundParameters?["RosterPath"]) ?? AsString(fakeBoundParameters?["Roster"]);
            if (explicitPath is { Length: > 0 } && !explicitPath.StartsWith('~') && !Path.IsPathRooted(explicitPath))
            {
                // Relative to the session's current folder, as the cmdlet itself resolves it.
                explicitPath = Path.Combine(CurrentDirectory() ?? Environment.CurrentDirectory, explicitPath);
            }
            var path = RosterLocator.Resolve(explicitPath, Environment.GetEnvironmentVariable);
            values = Values(RosterCache.Load(path));
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

    // A bare word on the command line arrives wrapped in a PSObject.
    private static string? AsString(object? value) => value switch
    {
        null => null,
        string s => s,
        PSObject p => p.BaseObject as string ?? p.ToString(),
        _ => null,
    };

    private static string? CurrentDirectory()
    {
        try
        {
            // A nested pipeline on the completing runspace: the session's location, which is not the process's.
            using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
            var result = ps.AddCommand("Microsoft.PowerShell.Management\\Get-Location").AddParameter("PSProvider", "FileSystem").Invoke();
            return (result.FirstOrDefault()?.BaseObject as PathInfo)?.ProviderPath;
        }
        catch (Exception ex) when (ex is PSInvalidOperationException or InvalidOperationException or RuntimeException)
        {
            return null;
        }
    }
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
