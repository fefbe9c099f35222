using System.Collections;
using System.Management.Automation;
using MosaicFleet.Engine.Fleet;

namespace MosaicFleet.Internal;

/// <summary>Which roster a cmdlet acts on, record by record. Every output object carries its roster's full path
/// (RosterPath), so a pipeline acts on the roster it started from, also after Where-Object, Sort-Object or
/// Export-/Import-Clixml. The precedence, per pipeline object:
///   1. -RosterPath on the command line;
///   2. the piped object's RosterPath property;
///   3. -RosterPath from $PSDefaultParameterValues;
///   4. $env:MOSAIC_FLEET_ROSTER, then the default path.
/// PowerShell binds a $PSDefaultParameterValues value BEFORE pipeline input and then never binds the piped value over
/// it, so the piped object itself is read through a hidden parameter (<see cref="PipelineObject"/>). Cmdlets gather
/// their records per roster (<see cref="Collect"/>) and act roster by roster (<see cref="EachRoster"/>).</summary>
public abstract partial class FleetCmdlet
{
    private const string DefaultKey = "";
    private readonly Dictionary<string, (FleetRoster Roster, FleetContext? Context)> _rosters = new(StringComparer.Ordinal);
    private readonly List<(string Key, List<string> Names)> _groups = [];
    private string? _current;
    private bool _begun;
    private string? _commandLineRoster;
    private string? _defaultRoster;

    /// <summary>The piped object, whatever it is: only its RosterPath property is read (hidden; not for direct use).</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public PSObject? PipelineObject { get; set; }

    /// <summary>What -RosterPath held before any pipeline object: from the command line, or from
    /// $PSDefaultParameterValues (a value equal to this command's default entry counts as the default).</summary>
    private protected void BeginRosters() => Begin();

    private void Begin()
    {
        if (_begun) return;
        _begun = true;
        if (!MyInvocation.BoundParameters.ContainsKey(nameof(RosterPath)) || RosterPath is null) return;
        if (IsFromDefaults(RosterPath)) _defaultRoster = RosterPath;
        else _commandLineRoster = RosterPath;
    }

    private bool IsFromDefaults(string value)
    {
        if (GetVariableValue("PSDefaultParameterValues") is not IDictionary defaults) return false;
        var name = MyInvocation.MyCommand.Name;
        foreach (DictionaryEntry entry in defaults)
        {
            if (entry.Key is not string key) continue;
            var colon = key.LastIndexOf(':');
            if (colon <= 0) continue;
            var parameter = key[(colon + 1)..].Trim();
            if (!parameter.Equals("RosterPath", StringComparison.OrdinalIgnoreCase) && !parameter.Equals("Roster", StringComparison.OrdinalIgnoreCase)) continue;
            var command = key[..colon].Trim();
            var matches = WildcardPattern.ContainsWildcardCharacters(command)
                ? new WildcardPattern(command, WildcardOptions.IgnoreCase).IsMatch(name)
                : command.Equals(name, StringComparison.OrdinalIgnoreCase);
            if (!matches) continue;
            var v = entry.Value is PSObject p ? p.BaseObject : entry.Value;
            if (v is ScriptBlock || (v is string s && s == value)) return true;
        }
        return false;
    }

    /// <summary>The roster (as given, unresolved; null = environment/default) of the current pipeline object.</summary>
    protected string? RecordRosterPath()
    {
        Begin();
        if (_commandLineRoster is not null) return _commandLineRoster;
        if (PipedRosterPath(PipelineObject) is { } piped) return piped;
        if (_defaultRoster is not null) return _defaultRoster;
        // Not bound at the start: whatever the property holds now (set by the cmdlet itself), else environment/default.
        return RosterPath;
    }

    /// <summary>A piped object's RosterPath (also of a deserialized object, whose properties are notes).</summary>
    private static string? PipedRosterPath(PSObject? o)
    {
        if (o is null) return null;
        var v = o.Properties["RosterPath"]?.Value;
        if (v is PSObject p) v = p.BaseObject;
        return v is string { Length: > 0 } s ? s : null;
    }

    /// <summary>Files the current pipeline object's <paramref name="names"/> (may be none) under its roster.</summary>
    protected void Collect(IEnumerable<string>? names)
    {
        var key = KeyOf(RecordRosterPath());
        var group = _groups.FirstOrDefault(g => g.Key == key);
        if (group.Names is null)
        {
            group = (key, []);
            _groups.Add(group);
        }
        if (names is not null) group.Names.AddRange(names);
    }

    /// <summary>Each roster that records were collected for, in the order first seen (the command's own roster when no
    /// record was): <see cref="Roster"/> and <see cref="Context"/> are that roster's while its names are handled.</summary>
    protected IEnumerable<List<string>> EachRoster()
    {
        if (_groups.Count == 0) Collect(null);
        foreach (var (key, names) in _groups.ToList())
        {
            UseRoster(key);
            yield return names;
        }
    }

    /// <summary>The names gathered for the roster being handled (inside <see cref="EachRoster"/>), else null.</summary>
    private List<string>? CurrentGroupNames() => _current is null ? null : _groups.FirstOrDefault(g => g.Key == _current).Names;

    /// <summary>Makes <paramref name="key"/> (from <see cref="RosterKey"/>) the current roster.</summary>
    protected void UseRoster(string key) => _current = key;

    /// <summary>The key of the roster being handled (inside <see cref="EachRoster"/>).</summary>
    protected string? CurrentRosterKey => _current;

    /// <summary>The key of the roster at <paramref name="given"/> (null = environment/default): its full path.</summary>
    protected string RosterKey(string? given) => KeyOf(given);

    private string KeyOf(string? given)
    {
        if (given is null) return DefaultKey;
        return GetUnresolvedProviderPathFromPSPath(given);
    }

    private FleetRoster CurrentRoster()
    {
        var key = _current ?? KeyOf(RecordRosterPath());
        if (!_rosters.TryGetValue(key, out var entry))
        {
            entry = (LoadRoster(key == DefaultKey ? null : key), null);
            _rosters[key] = entry;
        }
        return entry.Roster;
    }

    private FleetContext CurrentContext()
    {
        var roster = CurrentRoster();
        var key = _current ?? KeyOf(RecordRosterPath());
        var entry = _rosters[key];
        if (entry.Context is null)
        {
            entry = (roster, new FleetContext(roster));
            _rosters[key] = entry;
        }
        return entry.Context!;
    }
}
