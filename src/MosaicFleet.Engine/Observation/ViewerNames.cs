using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace MosaicFleet.Engine.Observation;

/// <summary>Names of viewer sessions. They start with '_', which the roster's agent-name rule
/// (^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$) forbids, so no roster agent can ever match a viewer session.</summary>
public static class ViewerNames
{
    public const string Prefix = "_view-";

    private static readonly Regex ViewerRegex = new("^_view-(?<agent>[A-Za-z0-9][A-Za-z0-9_-]{0,62})-(?<id>[0-9a-f]{8})$", RegexOptions.CultureInvariant);

    public static string New(string agent)
        => $"{Prefix}{agent}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";

    public static bool IsViewer(string session) => ViewerRegex.IsMatch(session);

    /// <summary>The agent a viewer session watches, or null when <paramref name="session"/> is not a viewer session.</summary>
    public static string? AgentOf(string session)
    {
        var m = ViewerRegex.Match(session);
        return m.Success ? m.Groups["agent"].Value : null;
    }
}
