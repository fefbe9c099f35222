using MosaicFleet.Engine.Fleet;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>One kept crash: the file the agent unit's ExecStopPost (or ExecStartPre, for a pane no stop recorded)
/// wrote when the runtime ended: a header (agent, ended, exit status, service result), a blank line, then the dead
/// pane's last screen with up to 2000 lines of scrollback.</summary>
public sealed record CrashRecord(string Path, DateTimeOffset EndedAt, int? ExitStatus, string? ServiceResult, IReadOnlyList<string> Lines);

/// <summary>Where crash files live and how they are read: $XDG_STATE_HOME/mosaic/fleet/&lt;tenant&gt;/crashes/&lt;agent&gt;/
/// &lt;UTC time&gt;.txt, mode 0600, the newest 20 kept (the unit scripts write and prune them; see SupervisionScripts).</summary>
public static class CrashFiles
{
    public const int Kept = 20;

    private static readonly Regex NameRegex = new(@"\A(?<t>[0-9]{8}T[0-9]{6}Z)(?:-[0-9]+)?\.txt\z", RegexOptions.CultureInvariant);

    public static string Directory(string stateHome, string tenant, string agentName)
    {
        if (tenant.Length == 0 || tenant is "." or ".." || tenant.IndexOfAny(['/', '\0']) >= 0)
            throw new LifecycleException(FleetErrorIds.InvalidTenant, $"Tenant '{tenant}' cannot name a directory.", tenant);
        return System.IO.Path.Combine(stateHome, "mosaic", "fleet", tenant, "crashes", agentName);
    }

    /// <summary>The crash files of one agent, newest first (names that are not ours are ignored).</summary>
    public static IReadOnlyList<string> List(IHostFiles files, string directory)
        => files.List(directory, "*.txt").Where(n => NameRegex.IsMatch(n)).OrderByDescending(n => n, StringComparer.Ordinal)
            .Select(n => System.IO.Path.Combine(directory, n)).ToList();

    public static CrashRecord? Read(IHostFiles files, string path)
    {
        var bytes = files.Read(path);
        if (bytes is null) return null;
        var text = new UTF8Encoding(false).GetString(bytes).Replace("\r\n", "\n", StringComparison.Ordinal);
        var lines = text.Split('\n').ToList();
        var header = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        for (; i < lines.Count && lines[i].Length > 0; i++)
        {
            var c = lines[i].IndexOf(": ", StringComparison.Ordinal);
            if (c > 0) header[lines[i][..c]] = lines[i][(c + 2)..];
        }
        var body = lines.Skip(i + 1).ToList();
        while (body.Count > 0 && body[^1].TrimEnd().Length == 0) body.RemoveAt(body.Count - 1);
        var ended = header.TryGetValue("ended", out var e) && DateTimeOffset.TryParse(e, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
            : NameRegex.Match(System.IO.Path.GetFileName(path)) is { Success: true } m
                && DateTimeOffset.TryParseExact(m.Groups["t"].Value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t2) ? t2
            : DateTimeOffset.MinValue;
        int? status = header.TryGetValue("exit status", out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var st) ? st : null;
        var result = header.TryGetValue("service result", out var r) && r.Length > 0 ? r : null;
        return new CrashRecord(path, ended.ToUniversalTime(), status, result, body);
    }
}
