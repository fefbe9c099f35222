using System.Management.Automation;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Internal;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Cmdlets;

/// <summary>Checks what a host needs to run a fleet: its systemd user manager, linger, and its tmux, systemd, git and sh
/// against the minimum versions. One process per host (one ssh call for a remote host); hosts are checked in parallel.</summary>
[Cmdlet(VerbsDiagnostic.Test, "FleetHost", DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(FleetHostCheck))]
public sealed class TestFleetHostCommand : FleetCmdlet
{
    private const string ByNameSet = "ByName";
    private const string AllSet = "All";

    private readonly List<string> _hosts = [];

    /// <summary>Host names from the roster ("local" is this machine). Default: local.</summary>
    [Parameter(ParameterSetName = ByNameSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [Alias("Host")]
    public string[]? HostName { get; set; }

    /// <summary>Check this machine and every host of the roster.</summary>
    [Parameter(ParameterSetName = AllSet, Mandatory = true)]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord()
    {
        if (HostName is not null) _hosts.AddRange(HostName);
    }

    protected override void EndProcessing()
    {
        List<string> hosts;
        if (All)
        {
            hosts = [FleetHost.LocalName, .. Roster.Hosts.Keys.Order(StringComparer.Ordinal)];
        }
        else
        {
            hosts = _hosts.Count == 0 ? [FleetHost.LocalName] : _hosts.Distinct(StringComparer.Ordinal).ToList();
        }
        // This machine alone needs no roster: a host not set up yet may have none.
        var context = hosts.All(h => h == FleetHost.LocalName) && !RosterExists() ? new FleetContext(new FleetRoster()) : Context;
        var known = new List<string>();
        foreach (var h in hosts)
        {
            if (h == FleetHost.LocalName || context.Roster.Hosts.ContainsKey(h)) { known.Add(h); continue; }
            WriteError(new ErrorRecord(new ItemNotFoundException($"No host named '{h}' in the roster {context.Roster.Path}."), FleetErrorIds.HostNotFound, FleetErrors.For(FleetErrorIds.HostNotFound), h)
            {
                ErrorDetails = new ErrorDetails($"No host named '{h}' in the roster {context.Roster.Path}.") { RecommendedAction = "Name a host of the roster's hosts: section, or local." },
            });
        }
        var tasks = known.Select(h => CheckAsync(context, h)).ToList();
        foreach (var (host, task) in known.Zip(tasks))
        {
            var (check, error) = Await(task);
            if (error is not null) WriteError(error);
            if (check is null) continue;
            foreach (var problem in check.Problems) WriteVerbose($"{host}: {problem}");
            WriteObject(check);
        }
    }

    private bool RosterExists()
    {
        try
        {
            var explicitPath = RosterPath is null ? null : GetUnresolvedProviderPathFromPSPath(RosterPath);
            return File.Exists(RosterLocator.Resolve(explicitPath, Environment.GetEnvironmentVariable));
        }
        catch (RosterException)
        {
            return false;
        }
    }

    private async Task<(FleetHostCheck?, ErrorRecord?)> CheckAsync(FleetContext context, string host)
    {
        var spec = HostCheck.Command(context.TmuxProgramOn(host), context.SystemctlProgramOn(host), context.CommandTimeout);
        var result = await context.Runner.RunAsync(context.HostOf(host), spec, StopToken).ConfigureAwait(false);
        var values = HostCheck.Parse(result.Stdout);
        if (values is not null) return (HostCheck.Judge(host, values), null);
        if (host != FleetHost.LocalName && result.Unreached(remote: true))
        {
            return (null, FleetErrors.HostRecord(host, FleetErrorIds.FleetHostUnreachable, $"Cannot reach host {host}: {result.Describe()}"));
        }
        return (null, FleetErrors.HostRecord(host, FleetErrorIds.FleetHostCommandFailed, $"The shell on {host} did not run the host check: {result.Describe()}"));
    }
}
