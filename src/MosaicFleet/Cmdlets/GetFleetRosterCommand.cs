using System.Management.Automation;
using MosaicFleet.Internal;

namespace MosaicFleet.Cmdlets;

/// <summary>Reads and validates the roster.</summary>
[Cmdlet(VerbsCommon.Get, "FleetRoster")]
[OutputType(typeof(FleetRoster))]
public sealed class GetFleetRosterCommand : FleetCmdlet
{
    protected override void EndProcessing() => WriteObject(Roster);
}
