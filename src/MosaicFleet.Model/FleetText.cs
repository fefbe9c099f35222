using System.Text;

namespace MosaicFleet;

/// <summary>Text as a format view may write it to a terminal: every control character (C0, DEL, C1: ESC starts the
/// escape sequences that set the clipboard, retitle the window or move the cursor) becomes a visible stand-in, so a
/// logged message can never act on the operator's terminal. The objects keep the exact text; only views use this.</summary>
public static class FleetText
{
    /// <summary>C0 controls and DEL as their Unicode Control Pictures (ESC as U+241B), C1 controls as "\u0080".."\u009F",
    /// and the bidirectional overrides/isolates (U+202A..U+202E, U+2066..U+2069) as "\u202E" etc.</summary>
    public static string Visible(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            string? stand = c switch
            {
                < '\x20' => ((char)(0x2400 + c)).ToString(),
                '\x7f' => "\u2421",
                >= '\x80' and <= '\x9f' => $"\\u{(int)c:X4}",
                >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069' => $"\\u{(int)c:X4}",
                _ => null,
            };
            if (stand is null)
            {
                sb?.Append(c);
                continue;
            }
            sb ??= new StringBuilder(text, 0, i, text.Length + 16);
            sb.Append(stand);
        }
        return sb?.ToString() ?? text;
    }

    /// <summary>The first line of <paramref name="text"/>, made <see cref="Visible"/>, with " …" when more lines follow.</summary>
    public static string FirstLine(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var nl = text.IndexOf('\n');
        return nl < 0 ? Visible(text) : Visible(text[..nl].TrimEnd('\r')) + " …";
    }
}
