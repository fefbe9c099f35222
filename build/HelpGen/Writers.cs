using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace MosaicFleet.HelpGen;

/// <summary>Writes MAML (the format Get-Help reads for binary modules).</summary>
internal static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private const string WhatIfText = "Shows what would happen if the cmdlet runs. Nothing is changed.";
    private const string ConfirmText = "Prompts you for confirmation before each change.";

    public static void Write(string path, IEnumerable<(CmdletMeta Meta, CmdletHelpSource Help)> cmdlets)
    {
        var root = new XElement(Msh + "helpItems",
            new XAttribute("schema", "maml"),
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev));
        foreach (var (meta, help) in cmdlets) root.Add(CommandElement(meta, help));
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = XmlWriter.Create(path, settings);
        new XDocument(new XDeclaration("1.0", "utf-8", null), root).Save(writer);
    }

    private static XElement CommandElement(CmdletMeta meta, CmdletHelpSource help)
    {
        // A parameter's last body line may be "Default value: X": it goes to the MAML's defaultValue, not the text.
        var paramText = help.Parameters.ToDictionary(p => p.Heading.TrimStart('-'), p => SplitDefault(p.Body), StringComparer.OrdinalIgnoreCase);
        List<string> TextOf(ParameterMeta p)
            => paramText.TryGetValue(p.Name, out var body) ? body.Text : [p.Name == "WhatIf" ? WhatIfText : ConfirmText];
        string? DefaultOf(ParameterMeta p) => paramText.TryGetValue(p.Name, out var body) ? body.Default : null;

        var cmd = new XElement(Command + "command",
            new XElement(Command + "details",
                new XElement(Command + "name", meta.Name),
                new XElement(Command + "verb", meta.Verb),
                new XElement(Command + "noun", meta.Noun),
                Description(help.Synopsis)),
            Description(help.Description));

        var syntax = new XElement(Command + "syntax");
        foreach (var set in meta.SetNames())
        {
            var item = new XElement(Command + "syntaxItem", new XElement(Maml + "name", meta.Name));
            foreach (var (p, binding) in ParametersOf(meta, set)) item.Add(Parameter(p, binding, TextOf(p), DefaultOf(p), inSyntax: true));
            syntax.Add(item);
        }
        cmd.Add(syntax);

        var parameters = new XElement(Command + "parameters");
        foreach (var p in meta.Parameters)
        {
            // In the parameter list: mandatory only when mandatory in every set it belongs to; the first position.
            var binding = new ParameterSetBinding(
                string.Join(", ", p.Sets.Select(s => s.SetName)),
                p.Sets.All(s => s.Mandatory),
                p.Sets.Select(s => s.Position).FirstOrDefault(x => x is not null),
                p.Sets.Any(s => s.ByValue),
                p.Sets.Any(s => s.ByPropertyName),
                p.Sets.Any(s => s.Remaining));
            parameters.Add(Parameter(p, binding, TextOf(p), DefaultOf(p), inSyntax: false));
        }
        cmd.Add(parameters);

        var inputs = new XElement(Command + "inputTypes");
        foreach (var i in help.Inputs) inputs.Add(new XElement(Command + "inputType", TypeElement(i.Heading), Description(i.Body)));
        cmd.Add(inputs);
        var outputs = new XElement(Command + "returnValues");
        foreach (var o in help.Outputs) outputs.Add(new XElement(Command + "returnValue", TypeElement(o.Heading), Description(o.Body)));
        cmd.Add(outputs);

        if (help.Notes.Any(l => l.Trim().Length > 0))
        {
            cmd.Add(new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paragraphs(help.Notes))));
        }

        var examples = new XElement(Command + "examples");
        foreach (var e in help.Examples)
        {
            var blocks = HelpMarkdown.Blocks(e.Body);
            var code = blocks.FirstOrDefault(b => b.Kind == BlockKind.Code)?.Text ?? "";
            var remarks = blocks.Where(b => !ReferenceEquals(b, blocks.FirstOrDefault(x => x.Kind == BlockKind.Code))).ToList();
            examples.Add(new XElement(Command + "example",
                new XElement(Maml + "title", $"--------- {e.Heading} ---------"),
                new XElement(Dev + "code", code),
                new XElement(Dev + "remarks", remarks.Select(Para), new XElement(Maml + "para", ""))));
        }
        cmd.Add(examples);

        var links = new XElement(Command + "relatedLinks");
        foreach (var l in help.Links)
        {
            var uri = string.Join(" ", l.Body.Where(x => x.Trim().Length > 0)).Trim();
            links.Add(new XElement(Maml + "navigationLink", new XElement(Maml + "linkText", l.Heading), new XElement(Maml + "uri", uri)));
        }
        links.Add(new XElement(Maml + "navigationLink", new XElement(Maml + "linkText", "about_MosaicFleet"), new XElement(Maml + "uri")));
        cmd.Add(links);
        return cmd;
    }

    /// <summary>The parameters of one set in the order PowerShell shows syntax: positional by position, then
    /// mandatory, then the rest; generated -WhatIf/-Confirm last.</summary>
    private static IEnumerable<(ParameterMeta, ParameterSetBinding)> ParametersOf(CmdletMeta meta, string set)
    {
        var list = new List<(ParameterMeta P, ParameterSetBinding B, int Index)>();
        var index = 0;
        foreach (var p in meta.Parameters)
        {
            index++;
            var b = p.Sets.FirstOrDefault(s => string.Equals(s.SetName, set, StringComparison.OrdinalIgnoreCase))
                ?? p.Sets.FirstOrDefault(s => s.SetName == CmdletMeta.AllSets);
            if (b is not null) list.Add((p, b, index));
        }
        return list
            .OrderBy(x => x.P.Generated ? 1 : 0)
            .ThenBy(x => x.B.Position ?? int.MaxValue)
            .ThenBy(x => x.B.Mandatory ? 0 : 1)
            .ThenBy(x => x.Index)
            .Select(x => (x.P, x.B));
    }

    private static XElement Parameter(ParameterMeta p, ParameterSetBinding b, List<string> text, string? defaultValue, bool inSyntax)
    {
        var e = new XElement(Command + "parameter",
            new XAttribute("required", b.Mandatory ? "true" : "false"),
            new XAttribute("variableLength", p.TypeName.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", p.Wildcards ? "true" : "false"),
            new XAttribute("pipelineInput", inSyntax ? Pipeline(b) : p.PipelineInput()),
            new XAttribute("position", b.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "named"),
            new XAttribute("aliases", p.Aliases.Count == 0 ? "none" : string.Join(", ", p.Aliases)),
            new XElement(Maml + "name", p.Name),
            Description(text));
        if (inSyntax && p.ValidValues.Count > 0)
        {
            e.Add(new XElement(Command + "parameterValueGroup",
                p.ValidValues.Select(v => new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute("variableLength", "false"), v))));
        }
        if (!(inSyntax && p.IsSwitch))
        {
            e.Add(new XElement(Command + "parameterValue",
                new XAttribute("required", p.IsSwitch ? "false" : "true"),
                new XAttribute("variableLength", p.TypeName.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
                p.TypeName));
        }
        e.Add(new XElement(Dev + "type", new XElement(Maml + "name", p.FullTypeName), new XElement(Maml + "uri")));
        e.Add(new XElement(Dev + "defaultValue", defaultValue ?? (p.IsSwitch ? "False" : "None")));
        return e;
    }

    internal const string DefaultPrefix = "Default value: ";

    /// <summary>The body without a trailing "Default value: X" line, and X.</summary>
    internal static (List<string> Text, string? Default) SplitDefault(List<string> body)
    {
        var last = body.FindLastIndex(l => l.Trim().Length > 0);
        if (last < 0 || !body[last].StartsWith(DefaultPrefix, StringComparison.Ordinal)) return (body, null);
        return (body.Take(last).ToList(), body[last][DefaultPrefix.Length..].Trim());
    }

    private static string Pipeline(ParameterSetBinding b) => (b.ByValue, b.ByPropertyName) switch
    {
        (true, true) => "True (ByPropertyName, ByValue)",
        (true, false) => "True (ByValue)",
        (false, true) => "True (ByPropertyName)",
        _ => "False",
    };

    private static XElement TypeElement(string name)
        => new(Dev + "type", new XElement(Maml + "name", name), new XElement(Maml + "uri"), new XElement(Maml + "description"));

    private static XElement Description(IEnumerable<string> lines) => new(Maml + "description", Paragraphs(lines));

    private static IEnumerable<XElement> Paragraphs(IEnumerable<string> lines) => HelpMarkdown.Blocks(lines).Select(Para);

    private static XElement Para(Block b) => new(Maml + "para", b.Kind switch
    {
        BlockKind.ListItem => "- " + b.Text,
        BlockKind.Code => b.Text,
        _ => b.Text,
    });
}

/// <summary>Writes an about_ topic as the plain text Get-Help shows: headings flush left, text indented and wrapped.</summary>
internal static class AboutWriter
{
    private const int Width = 80;

    public static void Write(string path, AboutHelpSource about)
    {
        var sb = new StringBuilder();
        sb.Append("TOPIC\n    ").Append(about.Title).Append("\n\n");
        foreach (var (level, heading, body) in about.Sections)
        {
            var indent = level == 2 ? "    " : "    ";
            sb.Append(level == 2 ? heading.ToUpperInvariant() : "  " + heading).Append('\n');
            foreach (var block in HelpMarkdown.Blocks(body))
            {
                switch (block.Kind)
                {
                    case BlockKind.Code:
                        foreach (var line in block.Text.Split('\n')) sb.Append(line.Length == 0 ? "" : indent + "    " + line).Append('\n');
                        break;
                    case BlockKind.ListItem:
                        Wrap(sb, block.Text, indent + "- ", indent + "  ");
                        break;
                    default:
                        Wrap(sb, block.Text, indent, indent);
                        break;
                }
                sb.Append('\n');
            }
            if (body.All(l => l.Trim().Length == 0)) sb.Append('\n');
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, sb.ToString().TrimEnd('\n') + "\n", new UTF8Encoding(false));
    }

    private static void Wrap(StringBuilder sb, string text, string first, string rest)
    {
        var line = new StringBuilder(first);
        var prefixLength = first.Length;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > prefixLength && line.Length + 1 + word.Length > Width)
            {
                sb.Append(line.ToString().TrimEnd()).Append('\n');
                line.Clear().Append(rest);
                prefixLength = rest.Length;
            }
            if (line.Length > prefixLength) line.Append(' ');
            line.Append(word);
        }
        sb.Append(line.ToString().TrimEnd()).Append('\n');
    }
}
