using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Internal;

/// <summary>Completes from the roster: the -RosterPath given on the command line, else one set for the command in
/// $PSDefaultParameterValues (as the cmdlet itself would get it), else the default one.
/// A roster that cannot be read completes nothing: completion never throws at the operator.</summary>
public abstract class RosterCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        IEnumerable<string> values;
        try
        {
            var explicitPath = AsString(fakeBoundParameters?["RosterPath"]) ?? AsString(fakeBoundParameters?["Roster"]) ?? DefaultRosterPath(commandName);
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
        foreach (var v in Matching(values, word)) yield return new CompletionResult(v, v, CompletionResultType.ParameterValue, v);
    }

    // The word as a wildcard prefix; a word that is not a valid pattern (an unclosed '[') as a plain prefix.
    private static List<string> Matching(IEnumerable<string> values, string word)
    {
        var sorted = values.Distinct(StringComparer.Ordinal).Order(StringComparer.OrdinalIgnoreCase).ToList();
        try
        {
            var pattern = new WildcardPattern(word + "*", WildcardOptions.IgnoreCase);
            return sorted.Where(pattern.IsMatch).ToList();
        }
        catch (WildcardPatternException)
        {
            return sorted.Where(v => v.StartsWith(word, StringComparison.OrdinalIgnoreCase)).ToList();
        }
    }

    /// <summary>A string -RosterPath (or -Roster) for <paramref name="commandName"/> in the session's
    /// $PSDefaultParameterValues ("Get-Fleet*:RosterPath" = "..."); script block values are not run.</summary>
    private static string? DefaultRosterPath(string commandName)
    {
        try
        {
            using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
            var result = ps.AddCommand("Microsoft.PowerShell.Utility\\Get-Variable").AddParameter("Name", "PSDefaultParameterValues")
                .AddParameter("ValueOnly").AddParameter("ErrorAction", "Ignore").Invoke();
            if (result.FirstOrDefault()?.BaseObject is not IDictionary defaults) return null;
            foreach (DictionaryEntry entry in defaults)
            {
                if (entry.Key is not string key || AsString(entry.Value) is not { Length: > 0 } value) continue;
                var colon = key.LastIndexOf(':');
                if (colon <= 0) continue;
                var parameter = key[(colon + 1)..].Trim();
                if (!parameter.Equals("RosterPath", StringComparison.OrdinalIgnoreCase) && !parameter.Equals("Roster", StringComparison.OrdinalIgnoreCase)) continue;
                var command = key[..colon].Trim();
                if (WildcardPattern.ContainsWildcardCharacters(command)
                        ? new WildcardPattern(command, WildcardOptions.IgnoreCase).IsMatch(commandName)
                        : command.Equals(commandName, StringComparison.OrdinalIgnoreCase))
                {
                    return value;
                }
            }
            return null;
        }
        catch (Exception ex) when (ex is PSInvalidOperationException or InvalidOperationException or RuntimeException or WildcardPatternException)
        {
            return null;
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

/// <summary>"local" and the roster's hosts.</summary>
public sealed class HostNameCompleter : RosterCompleter
{
    protected override IEnumerable<string> Values(FleetRoster roster) => roster.Hosts.Keys.Prepend(Engine.Processes.FleetHost.LocalName);
}

public sealed class ClassNameCompleter : RosterCompleter
{
    protected override IEnumerable<string> Values(FleetRoster roster) => roster.Agents.Select(a => a.ClassName).OfType<string>();
}
