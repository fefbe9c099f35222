namespace MosaicFleet.Engine.Messaging;

/// <summary>What is typed into an agent's pane for a message.</summary>
/// <remarks>
/// Control bytes are REFUSED, never typed and never rewritten: a message or source label holding a C0 control character
/// other than tab and a line break (LF, CR), DEL, or a C1 control character (U+0080 to U+009F) is rejected before
/// anything reaches a pane. Such a byte could end tmux's bracketed paste early (ESC[201~) so the rest arrives as
/// keystrokes, or act as a key (^C, ^D, ESC) in a runtime that reads cooked input. Rejecting keeps what is logged and
/// what arrives identical to what was given; silently rewriting the text would not. A source label must also be one line.
/// </remarks>
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

    /// <summary>The text typed for a message: "[source] " before its first line, line breaks normalized, line breaks at
    /// its end dropped (typed, they leave the cursor on empty rows under the text, where no input area shows it, and
    /// submit nothing). A null or empty source types the message without a label (Reset-FleetAgent's command).</summary>
    public static string Compose(string? source, string message)
    {
        var body = NormalizeLineBreaks(message).TrimEnd('\n');
        return string.IsNullOrEmpty(source) ? body : $"[{source}] {body}";
    }

    /// <summary>Why <paramref name="text"/> may not be typed, or null when it may: the first control character that is
    /// not a tab or a line break (C0, DEL, C1), or half of a surrogate pair, in words with its position. With <paramref name="singleLine"/> a line
    /// break (LF, CR, U+0085, U+2028, U+2029) is refused too.</summary>
    public static string? Refusal(string text, bool singleLine = false)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var lineBreak = c is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029';
            if (singleLine && lineBreak) return $"a line break ({Name(c)}) at position {i}";
            if (c == '\t' || c is '\n' or '\r') continue;
            if (c < 0x20 || c is >= '\u007f' and <= '\u009f') return $"the control character {Name(c)} at position {i}";
            // Half of a surrogate pair is no character: encoding it would type U+FFFD instead, a silent rewrite.
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c)) return $"an unpaired UTF-16 surrogate U+{(int)c:X4} at position {i}";
        }
        return null;
    }

    /// <summary>"U+001B (ESC)", "U+0003 (^C)".</summary>
    public static string Name(char c)
    {
        var code = $"U+{(int)c:X4}";
        return c switch
        {
            '\u001b' => code + " (ESC)",
            '\u007f' => code + " (DEL)",
            '\n' => code + " (LF)",
            '\r' => code + " (CR)",
            '\u0085' => code + " (NEL)",
            '\u2028' => code + " (LINE SEPARATOR)",
            '\u2029' => code + " (PARAGRAPH SEPARATOR)",
            '\u009b' => code + " (CSI)",
            < ' ' => code + $" (^{(char)(c + 64)})",
            _ => code,
        };
    }
}
