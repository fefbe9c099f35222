using MosaicFleet.Engine.Roster;
using System.Security.Cryptography;
using System.Text;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>The event recorder's user unit (Install-FleetUnit -EventRecorder): one per roster, named after its tenant,
/// running <c>pwsh -NoProfile -NonInteractive -Command "Import-Module '&lt;module&gt;'; Get-FleetEvent -Record -RosterPath
/// '&lt;roster&gt;'"</c>. The record itself has one writer (its writer lock), so a second unit for the same tenant fails
/// to start rather than record twice.</summary>
public static class EventRecorderUnit
{
    public const string Prefix = "mosaic-events-";
    public const string Kind = "EventRecorderUnit";

    /// <summary>mosaic-events-&lt;tenant&gt;.service; a tenant with characters a unit name cannot carry gets them as '_' and a
    /// hash of the real name, so two tenants never share a unit.</summary>
    public static string UnitName(string tenant)
    {
        var safe = new string(tenant.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        if (safe != tenant || safe.Length == 0 || safe.Length > 64)
        {
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(tenant)))[..8].ToLowerInvariant();
            safe = (safe.Length > 48 ? safe[..48] : safe) + "-" + hash;
        }
        return Prefix + safe + ".service";
    }

    /// <summary>A PowerShell single-quoted string literal.</summary>
    public static string PsQuote(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal)
        .Replace("\u2018", "\u2018\u2018", StringComparison.Ordinal).Replace("\u2019", "\u2019\u2019", StringComparison.Ordinal)
        .Replace("\u201A", "\u201A\u201A", StringComparison.Ordinal).Replace("\u201B", "\u201B\u201B", StringComparison.Ordinal) + "'";

    /// <summary>The PowerShell command the unit runs.</summary>
    public static string Command(string modulePath, string rosterPath)
        => $"Import-Module {PsQuote(modulePath)} -ErrorAction Stop; Get-FleetEvent -Record -RosterPath {PsQuote(rosterPath)}";

    public static string Render(string pwsh, string modulePath, string rosterPath, string tenant, IReadOnlyDictionary<string, string> environment)
    {
        var w = SystemdSyntax.ExecWord;
        var sb = new StringBuilder();
        sb.Append(LifecyclePaths.Marker).Append(" (Install-FleetUnit -EventRecorder). Rewritten on every install; do not edit.\n");
        sb.Append("#\n");
        sb.Append("# Records the fleet's events (Get-FleetEvent -Record) to $XDG_STATE_HOME/mosaic/fleet/<tenant>/events.jsonl.\n");
        sb.Append("# One writer per record: a second recorder for the same tenant exits with EventRecorderAlreadyRunning.\n");
        sb.Append("[Unit]\n");
        sb.Append("Description=").Append(SystemdSyntax.UnitText($"MosaicFleet event recorder (tenant {tenant})")).Append('\n');
        sb.Append("After=").Append(TenantNames.HolderUnit(tenant)).Append('\n');
        sb.Append('\n');
        sb.Append("[Service]\n");
        sb.Append("Type=simple\n");
        foreach (var (k, v) in environment) sb.Append("Environment=").Append(w(k + "=" + v)).Append('\n');
        sb.Append("ExecStart=").Append(string.Join(' ', new[] { pwsh, "-NoProfile", "-NonInteractive", "-Command", Command(modulePath, rosterPath) }.Select(w))).Append('\n');
        sb.Append("Restart=on-failure\n");
        sb.Append("RestartSec=5\n");
        // Ctrl+C's path: SIGINT stops the pipeline, which ends its tmux/systemctl children.
        sb.Append("KillSignal=SIGINT\n");
        sb.Append("TimeoutStopSec=15\n");
        sb.Append('\n');
        sb.Append("[Install]\n");
        sb.Append("WantedBy=default.target\n");
        return sb.ToString();
    }
}
