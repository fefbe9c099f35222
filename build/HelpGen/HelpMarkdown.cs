using System.Text;
using System.Text.RegularExpressions;

namespace MosaicFleet.HelpGen;

/// <summary>A "### heading" with its body, and the line it starts on (for error messages).</summary>
internal sealed record Subsection(string Heading, List<string> Body, int Line);

/// <summary>One docs/help/Verb-Noun.md file, in the format of docs/help/TEMPLATE.md.</summary>
internal sealed class CmdletHelpSource
{
    public required string Path { get; init; }
    public string Title { get; set; } = "";
    public int TitleLine { get; set; }
    public List<string> Synopsis { get; } = [];
    public List<string> Description { get; } = [];
    public List<Subsection> Parameters { get; } = [];
    public List<Subsection> Examples { get; } = [];
    public List<Subsection> Inputs { get; } = [];
    public List<Subsection> Outputs { get; } = [];
    public List<string> Notes { get; } = [];
    public List<Subsection> Links { get; } = [];
    /// <summary>Level-2 headings that are not part of the format.</summary>
    public List<(string Heading, int Line)> UnknownSections { get; } = [];
}

/// <summary>An about_Topic.md file: "# about_Topic", then level-2 sections (SHORT DESCRIPTION, LONG DESCRIPTION, ...).</summary>
internal sealed class AboutHelpSource
{
    public required string Path { get; init; }
    public string Title { get; set; } = "";
    public List<(int Level, string Heading, List<string> Body)> Sections { get; } = [];
}

internal static class HelpMarkdown
{
    /// <summary>Lines of a file with HTML comments removed (comments may span lines; fenced code is left alone).</summary>
    public static List<(string Text, int Line)> ReadLines(string path)
    {
        var result = new List<(string, int)>();
        var inComment = false;
        var inFence = false;
        var n = 0;
        foreach (var raw in File.ReadAllLines(path))
        {
            n++;
            var line = raw.TrimEnd();
            if (!inComment && line.TrimStart().StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
            if (inFence) { result.Add((line, n)); continue; }
            var sb = new StringBuilder();
            var i = 0;
            while (i < line.Length)
            {
                if (inComment)
                {
                    var end = line.IndexOf("-->", i, StringComparison.Ordinal);
                    if (end < 0) { i = line.Length; break; }
                    inComment = false;
                    i = end + 3;
                }
                else
                {
                    var start = line.IndexOf("<!--", i, StringComparison.Ordinal);
                    if (start < 0) { sb.Append(line, i, line.Length - i); break; }
                    sb.Append(line, i, start - i);
                    inComment = true;
                    i = start + 4;
                }
            }
            var text = sb.ToString();
            // A line that held only a comment vanishes instead of leaving a blank line behind.
            if (text.Trim().Length == 0 && line.Trim().Length > 0) continue;
            result.Add((text.TrimEnd(), n));
        }
        return result;
    }

    public static CmdletHelpSource ParseCmdlet(string path)
    {
        var doc = new CmdletHelpSource { Path = path };
        string? section = null;
        List<string>? body = null;
        var inFence = false;
        foreach (var (line, n) in ReadLines(path))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
            if (!inFence && line.StartsWith("# ", StringComparison.Ordinal))
            {
                doc.Title = line[2..].Trim();
                doc.TitleLine = n;
                body = null;
                continue;
            }
            if (!inFence && line.StartsWith("## ", StringComparison.Ordinal))
            {
                section = line[3..].Trim().ToUpperInvariant();
                body = section switch
                {
                    "SYNOPSIS" => doc.Synopsis,
                    "DESCRIPTION" => doc.Description,
                    "NOTES" => doc.Notes,
                    "PARAMETERS" or "EXAMPLES" or "INPUTS" or "OUTPUTS" or "RELATED LINKS" => null,
                    _ => null,
                };
                if (section is not ("SYNOPSIS" or "DESCRIPTION" or "NOTES" or "PARAMETERS" or "EXAMPLES" or "INPUTS" or "OUTPUTS" or "RELATED LINKS"))
                {
                    doc.UnknownSections.Add((line[3..].Trim(), n));
                }
                continue;
            }
            if (!inFence && line.StartsWith("### ", StringComparison.Ordinal))
            {
                var target = section switch
                {
                    "PARAMETERS" => doc.Parameters,
                    "EXAMPLES" => doc.Examples,
                    "INPUTS" => doc.Inputs,
                    "OUTPUTS" => doc.Outputs,
                    "RELATED LINKS" => doc.Links,
                    _ => null,
                };
                if (target is not null)
                {
                    var sub = new Subsection(line[4..].Trim(), [], n);
                    target.Add(sub);
                    body = sub.Body;
                    continue;
                }
            }
            body?.Add(line);
        }
        return doc;
    }

    public static AboutHelpSource ParseAbout(string path)
    {
        var doc = new AboutHelpSource { Path = path };
        List<string>? body = null;
        var inFence = false;
        foreach (var (line, _) in ReadLines(path))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
            var m = inFence ? Match.Empty : Regex.Match(line, "^(#{1,4}) (.+)$");
            if (m.Success)
            {
                var level = m.Groups[1].Length;
                if (level == 1) { doc.Title = m.Groups[2].Value.Trim(); body = null; continue; }
                body = [];
                doc.Sections.Add((level, m.Groups[2].Value.Trim(), body));
                continue;
            }
            body?.Add(line);
        }
        return doc;
    }

    /// <summary>Paragraphs of a markdown body: blank-line separated text joined into one line, each list item its own
    /// paragraph, fenced code kept verbatim (without the fence lines).</summary>
    public static List<Block> Blocks(IEnumerable<string> lines)
    {
        var blocks = new List<Block>();
        var text = new List<string>();
        List<string>? code = null;
        void FlushText()
        {
            if (text.Count == 0) return;
            blocks.Add(new Block(BlockKind.Text, Inline(string.Join(' ', text.Select(t => t.Trim())))));
            text.Clear();
        }
        foreach (var line in lines)
        {
            if (code is not null)
            {
                if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    blocks.Add(new Block(BlockKind.Code, string.Join('\n', TrimCommonIndent(code))));
                    code = null;
                }
                else code.Add(line);
                continue;
            }
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) { FlushText(); code = []; continue; }
            if (line.Trim().Length == 0) { FlushText(); continue; }
            var item = Regex.Match(line, @"^\s*(?:[-*]|\d+\.)\s+(.*)$");
            if (item.Success)
            {
                FlushText();
                text.Add(item.Groups[1].Value);
                FlushText();
                blocks[^1] = blocks[^1] with { Kind = BlockKind.ListItem };
                continue;
            }
            // A continuation line of a list item (indented) joins the item.
            if (text.Count == 0 && blocks.Count > 0 && blocks[^1].Kind == BlockKind.ListItem && line.StartsWith("  ", StringComparison.Ordinal))
            {
                blocks[^1] = blocks[^1] with { Text = blocks[^1].Text + " " + Inline(line.Trim()) };
                continue;
            }
            text.Add(line);
        }
        if (code is not null) blocks.Add(new Block(BlockKind.Code, string.Join('\n', TrimCommonIndent(code))));
        FlushText();
        return blocks;
    }

    private static IEnumerable<string> TrimCommonIndent(List<string> lines)
    {
        var indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart());
    }

    /// <summary>Inline markdown to console text: `code` and **bold** lose their marks, [text](url) becomes "text (url)".</summary>
    public static string Inline(string s)
    {
        s = Regex.Replace(s, @"\[([^\]]+)\]\(([^)]+)\)", "$1 ($2)");
        s = Regex.Replace(s, @"\*\*([^*]+)\*\*", "$1");
        s = Regex.Replace(s, @"`([^`]+)`", "$1");
        return s;
    }

    public static string PlainText(IEnumerable<string> lines) => string.Join("\n\n", Blocks(lines).Select(b => b.Kind == BlockKind.ListItem ? "- " + b.Text : b.Text));
}

internal enum BlockKind { Text, ListItem, Code }

internal sealed record Block(BlockKind Kind, string Text);
