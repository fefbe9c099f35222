using System.Management.Automation;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>Reads and validates the roster.</summary>
[Cmdlet(VerbsCommon.Get, "FleetRoster")]
[OutputType(typeof(FleetRoster))]
public sealed class GetFleetRosterCommand : FleetCmdlet
{
    // The operator gets a roster of their own to inspect (or change), never the cached one.
    protected override bool UseRosterCache => false;

    protected override void EndProcessing() => WriteObject(Roster);
}
