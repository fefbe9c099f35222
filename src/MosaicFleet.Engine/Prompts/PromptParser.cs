using System.Text;
using System.Text.RegularExpressions;
using MosaicFleet.Engine.Observation;

namespace MosaicFleet.Engine.Prompts;

/// <summary>Reads the question and options of a Waiting agent's screen. Pure over the captured text (with or without
/// SGR escapes: capture-pane -e). The runtime's waitingPattern decides whether the screen asks anything at all (the same
/// grammar as Activity: a screen that does not match has no prompt); then, from the bottom up, the nearest block of
/// options: numbered lines ("1. Yes", "2) No"), or lines aligned under a selection marker (❯ › ▶ ► ➤ →, or '>'), or one
/// line of options separated by wide gaps whose selection is drawn in another background or in reverse video, or a
/// [y/n]-style question. The question is the nearest line above the options that asks (ends in '?'), else the nearest
/// text line.</summary>
public static class PromptParser
{
    /// <summary>How many bottom lines are searched.</summary>
    public const int SearchLines = 40;

    private const string Markers = "❯›▶►➤→>";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
    private static readonly Regex Numbered = new(@"^(?<indent>\s*)(?:(?<m>[❯›▶►➤→>])\s*)?(?<n>\d{1,2})[.)]\s+(?<text>\S.*?)\s*$", RegexOptions.CultureInvariant, Timeout);
    private static readonly Regex MarkerLine = new(@"^(?<indent>\s*)(?<m>[❯›▶►➤→>])\s+(?<text>\S.*?)\s*$", RegexOptions.CultureInvariant, Timeout);
    private static readonly Regex KeyHint = new(@"\((?<k>[A-Za-z0-9]|esc)\)\s*$", RegexOptions.CultureInvariant, Timeout);
    private static readonly Regex YesNo = new(@"[\[(](?<y>y(?:es)?)\s*/\s*(?<n>n(?:o)?)[\])]", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, Timeout);
    private static readonly Regex Asks = new(@"(?:^|:\s+)(?:Do|Does|Would|Are|Is|Should|Can|Allow|Proceed|May|Will|Want|Approve|Trust)\b[^?]*\?", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, Timeout);
    private static readonly Regex Rule = new(@"^[\s─━═╌╍┄┅┈┉\-_=~·•]*$", RegexOptions.CultureInvariant, Timeout);
    private static readonly Regex Sgr = new("\u001b\\[(?<p>[0-9;:]*)m", RegexOptions.CultureInvariant, Timeout);
    private static readonly Regex OtherEscape = new("\u001b(?:\\[[0-9;:?]*[A-Za-ln-z@`]|\\][^\u0007\u001b]*(?:\u0007|\u001b\\\\)|[()][A-Za-z0-9]|[=>NOM78])", RegexOptions.CultureInvariant, Timeout);

    /// <summary>The prompt on <paramref name="screen"/>, or null when the runtime's waitingPattern does not match it or
    /// no options can be found.</summary>
    public static FleetPrompt? Parse(FleetRuntime runtime, string screen, string agent = "", string host = "local")
    {
        var lines = ToCells(screen);
        var plain = string.Join('\n', lines.Select(l => l.Text));
        if (!ActivityRules.Matches(runtime.WaitingPattern, plain)) return null;
        return ParseOptions(lines, agent, host);
    }

    /// <summary>The options on a screen, whatever the runtime (the waitingPattern is not checked).</summary>
    public static FleetPrompt? ParseOptions(string screen, string agent = "", string host = "local") => ParseOptions(ToCells(screen), agent, host);

    private static FleetPrompt? ParseOptions(List<Line> all, string agent, string host)
    {
        var lines = all.Select(l => l with { Text = StripBorder(l.Text) }).ToList();
        while (lines.Count > 0 && lines[^1].Text.Trim().Length == 0) lines.RemoveAt(lines.Count - 1);
        var start = Math.Max(0, lines.Count - SearchLines);
        var candidates = new List<(int Last, int First, FleetPromptOption[] Options, string Layout)>();
        if (FindNumbered(lines, start) is { } numbered) candidates.Add((numbered.Last, numbered.First, numbered.Options, "Vertical"));
        if (FindMarked(lines, start) is { } marked) candidates.Add((marked.Last, marked.First, marked.Options, "Vertical"));
        if (FindHorizontal(lines, start) is { } row) candidates.Add((row.Index, row.Index, row.Options, "Horizontal"));
        if (candidates.Count == 0)
        {
            if (FindYesNo(lines, start) is { } yn)
            {
                return new FleetPrompt
                {
                    Agent = agent, Host = host, Layout = "YesNo", Question = Clean(lines[yn.Index].Text),
                    Options = [new() { Number = 1, Text = "Yes", Key = yn.Yes }, new() { Number = 2, Text = "No", Key = yn.No }],
                };
            }
            return null;
        }
        var best = candidates.OrderByDescending(c => c.Last).ThenBy(c => c.Layout == "Horizontal" ? 1 : 0).First();
        return new FleetPrompt { Agent = agent, Host = host, Layout = best.Layout, Question = Question(lines, best.First, start), Options = best.Options };
    }

    private static string Question(List<Line> lines, int first, int start)
    {
        // Nearest first: a line that asks in words ("Do you want to proceed?"), else one that ends in '?', else one that
        // holds a '?', else the nearest line of text.
        string? nearest = null, endsWithMark = null, holdsMark = null;
        for (var i = first - 1; i >= start && i >= first - 12; i--)
        {
            var t = Clean(lines[i].Text);
            if (t.Length == 0 || Rule.IsMatch(t)) continue;
            nearest ??= t;
            if (Asks.IsMatch(t)) return t;
            if (t.EndsWith('?')) endsWithMark ??= t;
            if (t.Contains('?', StringComparison.Ordinal)) holdsMark ??= t;
        }
        return endsWithMark ?? holdsMark ?? nearest ?? "";
    }

    private static (int First, int Last, FleetPromptOption[] Options)? FindNumbered(List<Line> lines, int start)
    {
        for (var last = lines.Count - 1; last >= start; last--)
        {
            var m = Numbered.Match(lines[last].Text);
            if (!m.Success) continue;
            // Walk up: numbers must count down to 1; a line that is not numbered but indented further continues the option above.
            var options = new List<(int N, string Text, bool Sel, int Indent)>();
            var first = last;
            var expected = int.Parse(m.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture);
            var pendingText = "";
            for (var i = last; i >= start; i--)
            {
                var mm = Numbered.Match(lines[i].Text);
                if (mm.Success && int.Parse(mm.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture) == expected)
                {
                    var text = mm.Groups["text"].Value + pendingText;
                    options.Add((expected, text, mm.Groups["m"].Success, mm.Groups["indent"].Length));
                    pendingText = "";
                    first = i;
                    if (expected == 1) break;
                    expected--;
                    continue;
                }
                var t = lines[i].Text;
                if (t.Trim().Length > 0 && options.Count > 0 && Indent(t) > options[^1].Indent + 1 && pendingText.Length < 400)
                {
                    pendingText = " " + t.Trim() + pendingText;
                    continue;
                }
                break;
            }
            if (expected != 1 || options.Count < 2 || options[^1].N != 1) continue;
            options.Reverse();
            return (first, last, options.Select(o => Option(o.N, o.Text, o.Sel)).ToArray());
        }
        return null;
    }

    private static (int First, int Last, FleetPromptOption[] Options)? FindMarked(List<Line> lines, int start)
    {
        for (var i = lines.Count - 1; i >= start; i--)
        {
            var m = MarkerLine.Match(lines[i].Text);
            if (!m.Success || Numbered.IsMatch(lines[i].Text)) continue;
            var column = m.Groups["text"].Index;
            bool Aligned(int k) => k >= start && k < lines.Count && lines[k].Text.Trim().Length > 0 && Indent(lines[k].Text) == column && !MarkerLine.IsMatch(lines[k].Text);
            var first = i;
            while (Aligned(first - 1)) first--;
            var last = i;
            while (Aligned(last + 1)) last++;
            if (last == first) continue;
            var options = new List<FleetPromptOption>();
            for (var k = first; k <= last; k++)
            {
                var text = k == i ? m.Groups["text"].Value : lines[k].Text.Trim();
                options.Add(Option(options.Count + 1, text, k == i));
            }
            return (first, last, options.ToArray());
        }
        return null;
    }

    private static (int Index, FleetPromptOption[] Options)? FindHorizontal(List<Line> lines, int start)
    {
        for (var i = lines.Count - 1; i >= start; i--)
        {
            var line = lines[i];
            var text = line.Text;
            // The first group of segments, up to a gap of 6 or more spaces (hints such as "enter confirm" follow further right).
            var firstNonSpace = text.Length - text.TrimStart().Length;
            var groupEnd = Regex.Match(text[firstNonSpace..], @"\S {6,}\S", RegexOptions.None, Timeout) is { Success: true } gap ? firstNonSpace + gap.Index + 1 : text.TrimEnd().Length;
            var segments = Regex.Matches(text[..groupEnd], @"\S+(?: \S+)*", RegexOptions.None, Timeout).Cast<Match>().ToList();
            if (segments.Count < 2 || segments.Count > 8) continue;
            if (line.Cells is null) continue;
            var baseStyle = line.Cells.GroupBy(c => c.Style).OrderByDescending(g => g.Count()).First().Key;
            var highlighted = segments.Select(s => Enumerable.Range(s.Index, s.Length).Count(k => k < line.Cells.Count && line.Cells[k].Style != baseStyle && line.Cells[k].Highlight) * 2 > s.Length).ToList();
            if (highlighted.Count(h => h) != 1) continue;
            var options = segments.Select((s, k) => Option(k + 1, s.Value, highlighted[k])).ToArray();
            return (i, options);
        }
        return null;
    }

    private static (int Index, string Yes, string No)? FindYesNo(List<Line> lines, int start)
    {
        for (var i = lines.Count - 1; i >= start && i >= lines.Count - 3; i--)
        {
            var m = YesNo.Match(lines[i].Text);
            if (m.Success) return (i, m.Groups["y"].Value, m.Groups["n"].Value);
        }
        return null;
    }

    private static FleetPromptOption Option(int number, string text, bool selected)
    {
        var clean = Clean(text);
        var key = KeyHint.Match(clean);
        return new FleetPromptOption { Number = number, Text = clean, Selected = selected, Key = key.Success ? key.Groups["k"].Value : null };
    }

    private static int Indent(string s) => s.Length - s.TrimStart().Length;

    private static string StripBorder(string s)
    {
        var t = s.TrimEnd();
        var lead = 0;
        while (lead < t.Length && (t[lead] == ' ' || t[lead] is '┃' or '│' or '║' or '▌' or '▐')) lead++;
        if (lead > 0 && t[..lead].Any(c => c is '┃' or '│' or '║' or '▌' or '▐')) t = new string(' ', lead) + t[lead..];
        while (t.Length > 0 && t[^1] is '┃' or '│' or '║') t = t[..^1].TrimEnd();
        return t;
    }

    /// <summary>Text with control characters removed (a screen's text stays inert in output).</summary>
    public static string Clean(string s) => new string(s.Trim().Where(c => !char.IsControl(c)).ToArray());

    // ---- SGR-aware cells: each visible character with whether it is drawn highlighted (a background or reverse video) ----

    private sealed record Cell(char Ch, string Style, bool Highlight);

    private sealed record Line(string Text, List<Cell>? Cells);

    private static List<Line> ToCells(string screen)
    {
        var result = new List<Line>();
        var hasEscapes = screen.Contains('\u001b', StringComparison.Ordinal);
        foreach (var raw in screen.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (!hasEscapes)
            {
                result.Add(new Line(raw.TrimEnd(), null));
                continue;
            }
            var cells = new List<Cell>();
            string bg = "", reverse = "";
            var text = OtherEscape.Replace(raw, "");
            var pos = 0;
            foreach (Match m in Sgr.Matches(text))
            {
                foreach (var ch in text[pos..m.Index]) if (!char.IsControl(ch)) cells.Add(new Cell(ch, bg + reverse, bg.Length > 0 || reverse.Length > 0));
                (bg, reverse) = Apply(m.Groups["p"].Value, bg, reverse);
                pos = m.Index + m.Length;
            }
            foreach (var ch in text[pos..]) if (!char.IsControl(ch)) cells.Add(new Cell(ch, bg + reverse, bg.Length > 0 || reverse.Length > 0));
            var sb = new StringBuilder(cells.Count);
            foreach (var c in cells) sb.Append(c.Ch);
            result.Add(new Line(sb.ToString().TrimEnd(), cells));
        }
        return result;
    }

    private static (string Bg, string Reverse) Apply(string parameters, string bg, string reverse)
    {
        var p = parameters.Length == 0 ? ["0"] : parameters.Split(';');
        for (var i = 0; i < p.Length; i++)
        {
            switch (p[i])
            {
                case "0" or "": bg = ""; reverse = ""; break;
                case "7": reverse = "R"; break;
                case "27": reverse = ""; break;
                case "49": bg = ""; break;
                case "48" when i + 2 < p.Length && p[i + 1] == "5": bg = "5:" + p[i + 2]; i += 2; break;
                case "48" when i + 4 < p.Length && p[i + 1] == "2": bg = "2:" + p[i + 2] + "," + p[i + 3] + "," + p[i + 4]; i += 4; break;
                case "38" when i + 1 < p.Length && p[i + 1] == "5": i += 2; break;
                case "38" when i + 1 < p.Length && p[i + 1] == "2": i += 4; break;
                default:
                    if (p[i].Length == 2 && p[i][0] == '4' && char.IsDigit(p[i][1])) bg = p[i];
                    else if (p[i].Length == 3 && p[i].StartsWith("10", StringComparison.Ordinal)) bg = p[i];
                    break;
            }
        }
        return (bg, reverse);
    }
}
