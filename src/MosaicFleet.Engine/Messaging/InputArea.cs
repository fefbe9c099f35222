using MosaicFleet.Engine.Tmux;
using System.Text;
using System.Text.RegularExpressions;

namespace MosaicFleet.Engine.Messaging;

/// <summary>What a runtime's input area holds of one draft, compared with the baseline taken before typing.</summary>
public readonly record struct DraftCount(int Needles, int Markers)
{
    public static readonly DraftCount None = new(0, 0);
}

/// <summary>
/// The verification rules, pure functions over captured screen text.
/// <para>The INPUT AREA is the part of the visible screen where the runtime shows what is being typed. It is anchored at
/// the terminal CURSOR (tmux's cursor_x/cursor_y, read in the same tmux call as the screen), which a TUI keeps at the
/// end of the text being typed, even when it hides the cursor (Claude Code does):</para>
/// <list type="bullet">
/// <item>the area ENDS at the cursor: the cursor's row up to the cursor's column (counted in terminal cells, so wide
/// characters count twice). Text right of the cursor (a placeholder such as "Ask anything…", a ghost suggestion) and
/// every row below it (a footer, a status line, a session title) is never part of the area;</item>
/// <item>without an <c>inputPattern</c> the area STARTS after the nearest boundary row above the cursor: a blank row
/// (blank once vertical box borders are removed) or a horizontal rule (a row drawn only with box-drawing or block
/// characters, or with at least three of '-', '=', '_' and nothing else), or at the last row from there to the cursor
/// that starts with a prompt ("> ", "❯ ", "You: ": the rows above it are output). So an input box framed by rules, a box
/// mid-screen, a box that moves, sent text staying in the history above the box, and a line REPL printing its answer
/// right above its next prompt are all read right;</item>
/// <item>with the runtime's <c>inputPattern</c> (multi-line mode; the named group <c>input</c> if the pattern has one,
/// else the whole match): the match that holds the cursor, cut at the cursor; when no match holds it, the LAST match
/// uncut;</item>
/// <item>only where the cursor gives no position (tmux printed none, or it lies outside the captured rows) does the
/// old rule apply: the pattern's last match, or without a pattern the screen's last paragraph (the non-blank lines
/// after the last blank line, trailing blank lines ignored).</item>
/// </list>
/// <para>The DRAFT's evidence in that area is counted, not just seen: the number of times the draft's NEEDLE occurs
/// (the last <see cref="NeedleLength"/> characters of the typed text's last non-blank line, with all whitespace and box-drawing borders
/// removed, so wrapping and an editor's frame do not matter, and the tail is what a scrolling editor keeps in view),
/// plus the number of collapsed-paste markers (pi's <c>[paste #N +X lines]</c>, Claude's <c>[Pasted text #N]</c>).</para>
/// <para>The area HOLDS the draft when either count is above the baseline counted before typing. The text has LEFT the
/// input area once the area held it and then a FOUND area no longer does: that is Accepted. A screen where the area is
/// not found at all (a dialog or menu covering it, a pattern that timed out) is no evidence either way: polling goes on,
/// and at the timeout the status follows the last screen where the area was found. Still held at the timeout is
/// NotSubmitted; never seen at all by the timeout is NotAccepted (no evidence either way).</para>
/// </summary>
public static class InputArea
{
    public const int NeedleLength = 24;

    /// <summary>How long the runtime's inputPattern may run on one screen.</summary>
    public static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(1);

    private static readonly Regex PasteMarker = new(@"\[(?:paste|pasted text) #\d+[^\]\n]*\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>The input area's text, or null when the runtime's pattern finds none (no evidence).</summary>
    public static string? Find(string screen, string? inputPattern) => Find(screen, inputPattern, out _);

    /// <summary>The input area of a probe, anchored at its cursor (see the class remarks).</summary>
    public static string? Find(PaneProbe probe, string? inputPattern) => Find(probe.Screen, inputPattern, probe.CursorX, probe.CursorY, out _);

    /// <summary>The input area of a probe, anchored at its cursor, or null with <paramref name="missing"/> saying why.</summary>
    public static string? Find(PaneProbe probe, string? inputPattern, out string missing) => Find(probe.Screen, inputPattern, probe.CursorX, probe.CursorY, out missing);

    /// <summary>The input area anchored at the cursor (<paramref name="cursorX"/>, <paramref name="cursorY"/>: tmux's
    /// cursor_x/cursor_y, 0-based cells and rows of the visible screen); the old rule where the cursor gives no position.</summary>
    public static string? Find(string screen, string? inputPattern, int? cursorX, int? cursorY, out string missing)
    {
        var text = screen.Replace("\r\n", "\n", StringComparison.Ordinal);
        var lines = text.Split('\n');
        // capture-pane ends its last row with a newline: the split leaves one empty entry that is no screen row.
        var rows = text.EndsWith('\n') ? lines.Length - 1 : lines.Length;
        if (cursorX is not { } x || cursorY is not { } y || x < 0 || y < 0 || y >= rows) return Find(screen, inputPattern, out missing);
        missing = "the input area was not found on the screen";
        var left = CellPrefix(lines[y], x);
        var offset = 0;
        for (var i = 0; i < y; i++) offset += lines[i].Length + 1;
        var cursorOffset = offset + left.Length;
        if (!string.IsNullOrEmpty(inputPattern))
        {
            if (!TryMatches(text, inputPattern, out var matches, out missing)) return null;
            if (matches.Count == 0) return null;
            foreach (var m in Enumerable.Reverse(matches))
            {
                var g = m.Groups["input"].Success ? m.Groups["input"] : m.Groups[0];
                if (g.Index <= cursorOffset && cursorOffset <= g.Index + g.Length) return text[g.Index..cursorOffset];
            }
            var last = matches[^1];
            return last.Groups["input"].Success ? last.Groups["input"].Value : last.Value;
        }
        var start = y;
        while (start > 0 && !IsBoundaryRow(lines[start - 1])) start--;
        // A prompt starts the input: rows above the last row that starts with one ("> ", "❯ ", "You: ") are the
        // program's output (a line REPL prints its answer, even the message echoed, right above its next prompt).
        for (var r = y; r > start; r--)
        {
            if (!OperatorDraft.StartsWithPrompt(r == y ? left : lines[r])) continue;
            start = r;
            break;
        }
        var above = start < y ? string.Join('\n', lines, start, y - start) + "\n" : "";
        return above + left;
    }

    /// <summary>The part of a screen row left of cell column <paramref name="column"/>, counted by user-perceived
    /// characters (grapheme clusters, as tmux 3.3a places them: a ZWJ emoji sequence or a letter with its combining
    /// marks is one character) of <see cref="CellWidth(string)"/> cells each. A column past the row's text gives the
    /// whole row. Where the count and the terminal disagree, it errs towards fewer cells, so the prefix may run a
    /// little past the cursor but never stops short of the typed text.</summary>
    public static string CellPrefix(string row, int column)
    {
        var cells = 0;
        var e = System.Globalization.StringInfo.GetTextElementEnumerator(row);
        while (e.MoveNext())
        {
            var w = CellWidth(e.GetTextElement());
            if (w > 0 && cells + w > column) return row[..e.ElementIndex];
            cells += w;
        }
        return row;
    }

    /// <summary>Terminal cells of one grapheme cluster: 2 when its first character is East Asian wide/full-width or an
    /// emoji shown wide, 0 for a lone combining mark or format character, else 1.</summary>
    public static int CellWidth(string cluster)
    {
        if (cluster.Length == 0) return 0;
        var first = Rune.GetRuneAt(cluster, 0);
        return CellWidth(first);
    }

    /// <summary>A row that bounds an input area from above: blank once whitespace and vertical box borders are removed,
    /// or a horizontal rule (only box-drawing/block characters U+2500-U+259F, or three or more of '-', '=', '_').</summary>
    public static bool IsBoundaryRow(string row)
    {
        var norm = Normalize(row);
        if (norm.Length == 0) return true;
        if (norm.All(c => c is >= '\u2500' and <= '\u259F')) return true;
        return norm.Length >= 3 && norm.All(c => c is '-' or '=' or '_');
    }

    /// <summary>Terminal cells of one character, as tmux counts them (close enough for locating the cursor):
    /// 0 for combining marks and format characters, 2 for East Asian wide/full-width characters and emoji shown wide
    /// (those of Unicode's Emoji_Presentation in the BMP too, e.g. ✅), else 1.</summary>
    public static int CellWidth(Rune r)
    {
        var v = r.Value;
        if (v < 0x300) return 1;
        // Emoji_Presentation characters of the BMP (tmux 3.3a gives ✅ two cells) and regional indicators (flags).
        if (v is 0x231A or 0x231B or (>= 0x23E9 and <= 0x23EC) or 0x23F0 or 0x23F3 or 0x25FD or 0x25FE or 0x2614 or 0x2615
            or (>= 0x2648 and <= 0x2653) or 0x267F or 0x2693 or 0x26A1 or 0x26AA or 0x26AB or 0x26BD or 0x26BE or 0x26C4
            or 0x26C5 or 0x26CE or 0x26D4 or 0x26EA or 0x26F2 or 0x26F3 or 0x26F5 or 0x26FA or 0x26FD or 0x2705 or 0x270A
            or 0x270B or 0x2728 or 0x274C or 0x274E or (>= 0x2753 and <= 0x2755) or 0x2757 or (>= 0x2795 and <= 0x2797)
            or 0x27B0 or 0x27BF or 0x2B1B or 0x2B1C or 0x2B50 or 0x2B55 or (>= 0x1F1E6 and <= 0x1F1FF)) return 2;
        var cat = Rune.GetUnicodeCategory(r);
        if (cat is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.EnclosingMark or System.Globalization.UnicodeCategory.Format) return 0;
        if (v is (>= 0x1100 and <= 0x115F) or (>= 0x2E80 and <= 0x303E) or (>= 0x3041 and <= 0x33FF) or (>= 0x3400 and <= 0x4DBF)
            or (>= 0x4E00 and <= 0x9FFF) or (>= 0xA000 and <= 0xA4CF) or (>= 0xAC00 and <= 0xD7A3) or (>= 0xF900 and <= 0xFAFF)
            or (>= 0xFE30 and <= 0xFE4F) or (>= 0xFF00 and <= 0xFF60) or (>= 0xFFE0 and <= 0xFFE6) or (>= 0x1F300 and <= 0x1F64F)
            or (>= 0x1F680 and <= 0x1F6FF) or (>= 0x1F900 and <= 0x1F9FF) or (>= 0x1FA70 and <= 0x1FAFF) or (>= 0x20000 and <= 0x3FFFD)) return 2;
        return 1;
    }

    private static bool TryMatches(string text, string inputPattern, out List<Match> matches, out string missing)
    {
        missing = "the input area was not found on the screen";
        matches = [];
        var regex = new Regex(inputPattern, RegexOptions.Multiline | RegexOptions.CultureInvariant, PatternTimeout);
        try
        {
            // Every match, overlapping ones included: a divider that closes one box may open the next.
            for (var m = regex.Match(text); m.Success; m = regex.Match(text, m.Index + 1))
            {
                matches.Add(m);
                if (m.Index + 1 > text.Length) break;
            }
            return true;
        }
        catch (RegexMatchTimeoutException)
        {
            missing = $"the runtime's inputPattern timed out ({PatternTimeout.TotalSeconds:0.#} s) on the screen, so the input area was not found";
            return false;
        }
    }

    /// <summary>The input area's text, or null (no evidence) with <paramref name="missing"/> saying why: the pattern
    /// matched nothing, or it ran past its time limit on this screen (that look counts as no evidence).</summary>
    public static string? Find(string screen, string? inputPattern, out string missing)
    {
        missing = "the input area was not found on the screen";
        var text = screen.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!string.IsNullOrEmpty(inputPattern))
        {
            if (!TryMatches(text, inputPattern, out var matches, out missing)) return null;
            if (matches.Count == 0) return null;
            var last = matches[^1];
            var group = last.Groups["input"];
            return group.Success ? group.Value : last.Value;
        }
        var lines = text.Split('\n');
        var end = lines.Length - 1;
        while (end >= 0 && string.IsNullOrWhiteSpace(lines[end])) end--;
        if (end < 0) return "";
        var start = end;
        while (start > 0 && !string.IsNullOrWhiteSpace(lines[start - 1])) start--;
        return string.Join('\n', lines, start, end - start + 1);
    }

    /// <summary>Text with whitespace and vertical box-drawing borders removed.</summary>
    public static string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune) || IsBorder(rune)) continue;
            sb.Append(rune.ToString());
        }
        return sb.ToString();
    }

    /// <summary>The draft's needle: the last <see cref="NeedleLength"/> characters of its last non-blank line, normalized
    /// (never cutting a surrogate pair). Empty when the draft is all whitespace.</summary>
    public static string Needle(string typedText)
    {
        var lines = typedText.Split('\n');
        var lastLine = lines.LastOrDefault(l => !string.IsNullOrWhiteSpace(l)) ?? "";
        var norm = Normalize(lastLine);
        if (norm.Length <= NeedleLength) return norm;
        var start = norm.Length - NeedleLength;
        if (char.IsLowSurrogate(norm[start])) start--;
        return norm[start..];
    }

    public static int CountMarkers(string area) => PasteMarker.Count(area);

    public static int CountNeedle(string area, string needle)
    {
        if (needle.Length == 0) return 0;
        var hay = Normalize(area);
        int count = 0, i = 0;
        while ((i = hay.IndexOf(needle, i, StringComparison.Ordinal)) >= 0) { count++; i += needle.Length; }
        return count;
    }

    /// <summary>The evidence counts in an area (an area that was not found counts nothing).</summary>
    public static DraftCount Count(string? area, string needle)
        => area is null ? DraftCount.None : new DraftCount(CountNeedle(area, needle), CountMarkers(area));

    /// <summary>True when the area shows more of the draft than the baseline did.</summary>
    public static bool Holds(DraftCount now, DraftCount baseline)
        => now.Needles > baseline.Needles || now.Markers > baseline.Markers;

    private static bool IsBorder(Rune r)
        => r.Value is '│' or '┃' or '║' or '╎' or '╏' or '┆' or '┇' or '┊' or '┋' or '▏' or '▕';
}
