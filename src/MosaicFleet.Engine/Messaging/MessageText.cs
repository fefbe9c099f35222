namespace MosaicFleet.Engine.Messaging;

/// <summary>What is typed into an agent's pane for a message.</summary>
public static class MessageText
{
    /// <summary>The default source label: operator:&lt;user&gt;@&lt;short host name&gt;.</summary>
    public static string DefaultSource(string user, string machineName)
    {
        var shortHost = machineName.Split('.', 2)[0];
        return $"operator:{user}@{shortHost}";
    }

    /// <summary>Line breaks as the pane must receive them: CRLF and a lone CR become LF. Inside a paste a CR is a
    /// submit key to many TUIs, so a CR would split one message into several.</summary>
    public static string NormalizeLineBreaks(string text)
        => text.Contains('\r') ? text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n') : text;

    /// <summary>The text typed for a message: "[source] " before its first line, line breaks normalized.
    /// A null or empty source types the message without a label (Reset-FleetAgent's command).</summary>
    public static string Compose(string? source, string message)
    {
        var body = NormalizeLineBreaks(message);
        return string.IsNullOrEmpty(source) ? body : $"[{source}] {body}";
    }
}
