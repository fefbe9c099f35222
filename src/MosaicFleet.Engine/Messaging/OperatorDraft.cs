using MosaicFleet.Engine.Tmux;
using System.Globalization;
using System.Text;

namespace MosaicFleet.Engine.Messaging;

/// <summary>Whether an agent's input area already holds text before anything is typed (an operator's unsent draft, or
/// an earlier message whose submit key was swallowed): a message typed there would join it. Built on the input area of
/// <see cref="InputArea"/>, which is anchored at the cursor, so a placeholder drawn right of the cursor ("Ask anything…")
/// and footers below it are never part of it. What is left of the area once whitespace, vertical box borders and a
/// leading prompt (a run of at most three symbol or punctuation characters, e.g. "❯ ", "› ", "> ", or one word of at most
/// 16 characters ending in ':', '>', '$', '#' or '%', e.g. "You: ", each followed by a space or the end of the area) are
/// removed is the draft; rows above the last row that starts with such a prompt are output, not draft. (So a one-word draft that itself looks like a prompt, "fix:", is not seen.) Where tmux gives no cursor position, or the cursor is below the
/// screen's last non-blank row, there is no judgment (null).</summary>
public static class OperatorDraft
{
    public static string? Find(PaneProbe probe, string? inputPattern)
    {
        if (probe.CursorX is null || probe.CursorY is not { } y || y < 0) return null;
        var rows = probe.Screen.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n').Length;
        if (y >= rows) return null; // the cursor sits on an empty row below the output (a program printing, not a prompt)
        var area = InputArea.Find(probe, inputPattern);
        return area is null ? null : Text(area);
    }

    /// <summary>The draft in an input area's text, whitespace collapsed; null when the area holds only a prompt.</summary>
    public static string? Text(string area)
    {
        var lines = area.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')
            .Select(StripBorders).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0) return null;
        // A prompt starts the input: rows above the last row that starts with one are the program's output (a line
        // REPL prints its banner or last answer right above "> "), never a draft.
        var prompt = lines.FindLastIndex(l => StripPrompt(l) != l);
        if (prompt > 0) lines = lines[prompt..];
        lines[0] = StripPrompt(lines[0]);
        var text = string.Join(' ', lines.Where(l => l.Length > 0));
        return text.Length == 0 ? null : text;
    }

    /// <summary>Whether a screen row (borders and whitespace aside) starts with a prompt, as <see cref="Text"/> reads one.</summary>
    public static bool StartsWithPrompt(string row)
    {
        var line = StripBorders(row);
        return line.Length > 0 && StripPrompt(line) != line;
    }

    private static string StripBorders(string line)
    {
        var sb = new StringBuilder(line.Length);
        foreach (var rune in line.EnumerateRunes())
        {
            if (InputArea.Normalize(rune.ToString()).Length == 0 && !Rune.IsWhiteSpace(rune)) continue; // a vertical border
            sb.Append(rune.ToString());
        }
        return string.Join(' ', sb.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    private static string StripPrompt(string line)
    {
        // A word prompt ("You: ", "agent> ", "$ "): one token of at most 16 characters ending in ':', '>', '$', '#' or '%'.
        var space = line.IndexOf(' ');
        var token = space < 0 ? line : line[..space];
        if (token.Length is > 1 and <= 16 && token[^1] is ':' or '>' or '$' or '#' or '%') return space < 0 ? "" : line[(space + 1)..];
        var i = 0;
        var n = 0;
        foreach (var rune in line.EnumerateRunes())
        {
            if (n == 3 || !IsPromptRune(rune)) break;
            i += rune.Utf16SequenceLength;
            n++;
        }
        if (n == 0) return line;
        if (i == line.Length) return "";
        return line[i] == ' ' ? line[(i + 1)..] : line;
    }

    private static bool IsPromptRune(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.MathSymbol or UnicodeCategory.OtherSymbol
        or UnicodeCategory.OtherPunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
        or UnicodeCategory.CurrencySymbol or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation;
}
