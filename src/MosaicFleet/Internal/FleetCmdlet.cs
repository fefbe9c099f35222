using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Internal;

/// <summary>Base of every MosaicFleet cmdlet: -RosterPath, roster loading with ErrorRecords, cancellation on Ctrl+C.</summary>
public abstract partial class FleetCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stop = new();

    /// <summary>The roster file. Default: $env:MOSAIC_FLEET_ROSTER, else $XDG_CONFIG_HOME/mosaic/fleet/roster.yaml, else ~/.config/mosaic/fleet/roster.yaml.
    /// Piped objects bring their own (their RosterPath property): see FleetCmdlet.Rosters.cs for the precedence.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Roster")]
    public string? RosterPath { get; set; }

    protected CancellationToken StopToken => _stop.Token;

    protected override void StopProcessing()
    {
        _stop.Cancel();
        base.StopProcessing();
    }

    /// <summary>The roster of the current group (<see cref="UseRoster"/>); a roster problem ends the command with its ErrorRecord.</summary>
    protected FleetRoster Roster => CurrentRoster();

    protected FleetContext Context => CurrentContext();

    /// <summary>Whether the roster may come from the per-process cache (parsed once per file content). A cmdlet that hands
    /// the roster object itself to the operator overrides this with false, so nobody can change the cached copy.</summary>
    protected virtual bool UseRosterCache => true;

    private FleetRoster LoadRoster(string? given)
    {
        try
        {
            var explicitPath = given is null ? null : GetUnresolvedProviderPathFromPSPath(given);
            var path = RosterLocator.Resolve(explicitPath, Environment.GetEnvironmentVariable);
            WriteVerbose($"Roster: {path}");
            return UseRosterCache ? RosterCache.Load(path) : RosterLoader.LoadFile(path);
        }
        catch (RosterException ex)
        {
            var record = new ErrorRecord(ex, ex.ErrorId, FleetErrors.For(ex.ErrorId), ex.Path)
            {
                ErrorDetails = new ErrorDetails(ex.Message)
                {
                    RecommendedAction = ex.Kind == RosterErrorKind.NotFound
                        ? "Pass -RosterPath, set $env:MOSAIC_FLEET_ROSTER, or create a roster with Initialize-Fleet."
                        : $"Fix {ex.Path} at line {ex.Line}, column {ex.Column}.",
                },
            };
            ThrowTerminatingError(record);
            throw; // not reached
        }
    }

    /// <summary>Waits for engine work; Ctrl+C cancels it and stops the pipeline.</summary>
    protected T Await<T>(Task<T> task)
    {
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    protected void Await(Task task)
    {
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    // ---- Which agents a call acts on (issue 20): shared by every cmdlet that takes agent names. ----
    private readonly List<string> _gatheredNames = [];
    private bool _recordSeen;
    private string[]? _commandLineNames;

    protected override void BeginProcessing()
    {
        BeginRosters();
        // Parameters of the command line are bound before BeginProcessing; pipeline values only later.
        if (MyInvocation.BoundParameters.TryGetValue("Name", out var v) && v is not null)
        {
            _commandLineNames = LanguagePrimitives.ConvertTo<string[]>(v);
        }
    }

    /// <summary>The -Name given on the command line (null when none).</summary>
    protected IReadOnlyList<string>? CommandLineNames => _commandLineNames;

    /// <summary>Call from ProcessRecord with the names bound for this record (null when none).</summary>
    protected void GatherNames(IEnumerable<string>? names)
    {
        _recordSeen = true;
        if (names is not null) _gatheredNames.AddRange(names);
        Collect(names); // filed under the record's roster too (FleetCmdlet.Rosters.cs)
    }

    /// <summary>The names gathered so far, each once (first spelling kept), in the order they came. When every piped
    /// object failed to bind (agents piped while -Name was given), the -Name of the command line still counts.</summary>
    protected List<string> GatheredNames => (_recordSeen ? CurrentGroupNames() ?? _gatheredNames : _commandLineNames?.ToList() ?? [])
        .Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>Fed by a pipeline (<c>MyInvocation.ExpectingInput</c>) from which no object arrived, and no -Name on the
    /// command line: the call acts on no agent (an empty file, a Where-Object that matched nothing), never on "every agent".</summary>
    protected bool EmptyPipeline => MyInvocation.ExpectingInput && !_recordSeen && _commandLineNames is null;

    /// <summary>The agents a call acts on: none for an empty pipeline; every agent for -All; the gathered names (wildcards)
    /// otherwise. With no names at all, <paramref name="wholeRosterWhenUnnamed"/> decides: true (reading, idempotent
    /// set-up) means every agent; false (state changes) is the terminating parameter error <see cref="FleetErrorIds.AgentNameRequired"/>.</summary>
    protected List<FleetAgentSpec> ResolveAgents(bool all, bool wholeRosterWhenUnnamed, IReadOnlyCollection<string>? runtimes = null, IReadOnlyCollection<string>? classNames = null)
    {
        if (EmptyPipeline && !all) return [];
        var names = all ? new List<string>() : GatheredNames;
        if (!all && names.Count == 0 && !wholeRosterWhenUnnamed) ThrowNameRequired();
        return SelectAgents(names, runtimes, classNames);
    }


    /// <summary>The parameter error of a state-changing cmdlet called with no -Name, no pipeline input and no -All.</summary>
    protected void ThrowNameRequired()
    {
        var verb = MyInvocation.MyCommand.Name;
        var message = $"{verb} acts on the agents you name: give -Name (wildcards allowed), pipe agents or names to it, or pass -All for every agent.";
        ThrowTerminatingError(new ErrorRecord(new ParameterBindingException(message), FleetErrorIds.AgentNameRequired, FleetErrors.For(FleetErrorIds.AgentNameRequired), null)
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = $"{verb} -Name <name>, or {verb} -All." },
        });
    }

    /// <summary>-WhatIf, or $WhatIfPreference set (as -WhatIf:$false overrides it).</summary>
    protected bool WhatIfRequested => MyInvocation.BoundParameters.TryGetValue("WhatIf", out var v)
        ? v is SwitchParameter { IsPresent: true } || v is true
        : GetVariableValue("WhatIfPreference") is { } p && LanguagePrimitives.IsTrue(p);

    /// <summary>Roster agents whose names match any of <paramref name="names"/> (wildcards). A name without wildcards
    /// that matches nothing gets an ObjectNotFound error of its own; the other names still go ahead.</summary>
    protected List<FleetAgentSpec> SelectAgents(IReadOnlyCollection<string>? names, IReadOnlyCollection<string>? runtimes = null, IReadOnlyCollection<string>? classNames = null)
    {
        var agents = Roster.Agents.AsEnumerable();
        if (names is { Count: > 0 })
        {
            var patterns = Patterns(names, "Name");
            agents = agents.Where(a => patterns.Any(p => p.IsMatch(a.Name)));
            NotFound(names, Roster.Agents.Select(a => a.Name), FleetErrorIds.AgentNotFound, n => $"No agent named '{n}' in the roster {Roster.Path}.");
        }
        if (runtimes is { Count: > 0 })
        {
            var patterns = Patterns(runtimes, "Runtime");
            agents = agents.Where(a => patterns.Any(p => p.IsMatch(a.Runtime)));
            NotFound(runtimes, Roster.Runtimes.Keys, FleetErrorIds.RuntimeNotFound, n => $"No runtime named '{n}' in the roster {Roster.Path} (nor built in).");
        }
        if (classNames is { Count: > 0 })
        {
            var patterns = Patterns(classNames, "ClassName");
            agents = agents.Where(a => a.ClassName is not null && patterns.Any(p => p.IsMatch(a.ClassName)));
            NotFound(classNames, Roster.Agents.Select(a => a.ClassName).OfType<string>(), FleetErrorIds.ClassNameNotFound, n => $"No agent in the roster {Roster.Path} has the class '{n}'.");
        }
        return agents.ToList();
    }

    // A literal value (no wildcard) that names nothing in the roster gets an ObjectNotFound error of its own (a typo
    // must not look like an empty fleet); the other values still go ahead.
    private void NotFound(IEnumerable<string> values, IEnumerable<string> known, string errorId, Func<string, string> message)
    {
        var set = new HashSet<string>(known, StringComparer.OrdinalIgnoreCase);
        foreach (var v in values)
        {
            if (WildcardPattern.ContainsWildcardCharacters(v) || set.Contains(v)) continue;
            WriteError(new ErrorRecord(new ItemNotFoundException(message(v)), errorId, FleetErrors.For(errorId), v));
        }
    }

    /// <summary>Case-insensitive wildcard patterns; a malformed one (e.g. an unclosed '[') ends the command with
    /// InvalidWildcardPattern (InvalidArgument, the pattern as target) rather than a WildcardPatternException.</summary>
    protected List<WildcardPattern> Patterns(IEnumerable<string> values, string parameterName)
    {
        var list = new List<WildcardPattern>();
        foreach (var v in values)
        {
            var pattern = new WildcardPattern(v, WildcardOptions.IgnoreCase);
            try
            {
                pattern.IsMatch(string.Empty); // the pattern is parsed on first use
            }
            catch (WildcardPatternException ex)
            {
                var message = $"-{parameterName} '{v}' is not a valid wildcard pattern: {ex.Message} Escape a literal [ or ] with a backtick (`[).";
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(message, parameterName, ex), FleetErrorIds.InvalidWildcardPattern, FleetErrors.For(FleetErrorIds.InvalidWildcardPattern), v)
                {
                    ErrorDetails = new ErrorDetails(message),
                });
            }
            list.Add(pattern);
        }
        return list;
    }

    /// <summary>An agent whose Activity was read, tagged "MosaicFleet.FleetAgent#Activity" so its default table shows
    /// the Activity column (the object stays a FleetAgent: -is, binding and Select-Object are unchanged).</summary>
    public static PSObject WithActivityView(FleetAgent agent)
    {
        var o = PSObject.AsPSObject(agent);
        o.TypeNames.Insert(0, ActivityViewTypeName);
        return o;
    }

    public const string ActivityViewTypeName = "MosaicFleet.FleetAgent#Activity";

    /// <summary>Reports each unreachable host once, with the host as target.</summary>
    protected void WriteSnapshotDiagnostics(FleetSnapshot snapshot)
    {
        foreach (var note in snapshot.Notes) WriteVerbose(note);
        foreach (var f in snapshot.HostFailures)
        {
            WriteError(FleetErrors.HostRecord(f.Host, f.ErrorId, f.Message));
        }
    }
}
