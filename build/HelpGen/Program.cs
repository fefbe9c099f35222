using MosaicFleet.HelpGen;

// Usage: HelpGen --assembly <MosaicFleet.dll> --source <docs/help> --output <out/MosaicFleet/en-US> [--reference <dll or dir>]...
// Checks every cmdlet of the assembly against its docs/help/<Verb-Noun>.md and writes <assembly>.dll-Help.xml plus
// about_*.help.txt. Every problem is reported in MSBuild's canonical "file(line): error HELPnnn: text" form and
// the exit code is 1, so `dotnet build` fails.
string? assembly = null, source = null, output = null;
var references = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--assembly": assembly = Next(); break;
        case "--source": source = Next(); break;
        case "--output": output = Next(); break;
        case "--reference": references.Add(Next()); break;
        default: Console.Error.WriteLine($"HelpGen: error HELP000: unknown argument {args[i]}"); return 2;
    }
}
if (assembly is null || source is null || output is null)
{
    Console.Error.WriteLine("HelpGen: error HELP000: usage: HelpGen --assembly <dll> --source <dir> --output <dir> [--reference <dll|dir>]...");
    return 2;
}

var errors = new List<string>();
var warnings = new List<string>();
void Error(string file, int line, string code, string text) => errors.Add($"{file}({line}): error {code}: {text}");
void Warn(string file, int line, string code, string text) => warnings.Add($"{file}({line}): warning {code}: {text}");

var cmdlets = CmdletMetadataReader.Read(assembly, references);
var files = Directory.EnumerateFiles(source, "*.md")
    .Where(f => !Path.GetFileName(f).Equals("TEMPLATE.md", StringComparison.OrdinalIgnoreCase))
    .ToList();
var cmdletFiles = files.Where(f => !Path.GetFileName(f).StartsWith("about_", StringComparison.OrdinalIgnoreCase))
    .ToDictionary(f => Path.GetFileNameWithoutExtension(f), StringComparer.OrdinalIgnoreCase);
var pairs = new List<(CmdletMeta, CmdletHelpSource)>();

foreach (var cmdlet in cmdlets)
{
    var expected = Path.Combine(source, cmdlet.Name + ".md");
    if (!cmdletFiles.TryGetValue(cmdlet.Name, out var file))
    {
        Error(expected, 1, "HELP001", $"The cmdlet {cmdlet.Name} has no help file: write {cmdlet.Name}.md in the format of TEMPLATE.md.");
        continue;
    }
    var help = HelpMarkdown.ParseCmdlet(file);
    if (!string.Equals(help.Title, cmdlet.Name, StringComparison.Ordinal))
        Error(file, Math.Max(1, help.TitleLine), "HELP010", $"The first heading must be '# {cmdlet.Name}', not '# {help.Title}'.");
    foreach (var (heading, line) in help.UnknownSections)
        Warn(file, line, "HELP011", $"Unknown section '## {heading}' is left out of the help. Sections: SYNOPSIS, DESCRIPTION, PARAMETERS, EXAMPLES, INPUTS, OUTPUTS, NOTES, RELATED LINKS.");
    if (HelpMarkdown.PlainText(help.Synopsis).Length == 0) Error(file, 1, "HELP006", $"{cmdlet.Name}: the SYNOPSIS is empty.");
    if (HelpMarkdown.PlainText(help.Description).Length == 0) Error(file, 1, "HELP006", $"{cmdlet.Name}: the DESCRIPTION is empty.");

    var sections = new Dictionary<string, Subsection>(StringComparer.OrdinalIgnoreCase);
    foreach (var p in help.Parameters)
    {
        if (!p.Heading.StartsWith('-'))
        {
            Error(file, p.Line, "HELP004", $"A parameter section must be headed '### -Name', not '### {p.Heading}'.");
            continue;
        }
        var name = p.Heading[1..].Trim();
        if (!sections.TryAdd(name, p)) Error(file, p.Line, "HELP004", $"-{name} has two sections.");
        var param = cmdlet.Parameters.FirstOrDefault(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase));
        if (param is null)
            Error(file, p.Line, "HELP004", $"'### -{name}' names no parameter of {cmdlet.Name} (its parameters: {string.Join(", ", cmdlet.Parameters.Where(x => !x.Generated).Select(x => "-" + x.Name))}).");
        else if (!string.Equals(param.Name, name, StringComparison.Ordinal))
            Error(file, p.Line, "HELP004", $"'### -{name}' must be spelled '### -{param.Name}'.");
        if (HelpMarkdown.PlainText(p.Body).Length == 0) Error(file, p.Line, "HELP007", $"-{name} has no description.");
    }
    foreach (var param in cmdlet.Parameters.Where(x => !x.Generated))
    {
        if (!sections.ContainsKey(param.Name))
            Error(file, 1, "HELP003", $"The parameter -{param.Name} of {cmdlet.Name} has no '### -{param.Name}' section under '## PARAMETERS'.");
    }
    if (help.Examples.Count < 2) Error(file, 1, "HELP005", $"{cmdlet.Name} has {help.Examples.Count} example(s); write at least two.");
    foreach (var e in help.Examples)
    {
        var blocks = HelpMarkdown.Blocks(e.Body);
        if (!blocks.Any(b => b.Kind == BlockKind.Code && b.Text.Trim().Length > 0)) Error(file, e.Line, "HELP008", $"'{e.Heading}' has no ```powershell code block.");
        if (!blocks.Any(b => b.Kind != BlockKind.Code)) Error(file, e.Line, "HELP008", $"'{e.Heading}' does not say what the example does.");
    }
    foreach (var type in cmdlet.OutputTypes.Where(t => t.StartsWith("MosaicFleet.", StringComparison.Ordinal)))
    {
        if (!help.Outputs.Any(o => o.Heading.Contains(type, StringComparison.Ordinal)))
            Warn(file, 1, "HELP009", $"{cmdlet.Name} declares [OutputType({type})] but '## OUTPUTS' has no '### {type}'.");
    }
    pairs.Add((cmdlet, help));
}
foreach (var (name, file) in cmdletFiles)
{
    if (!cmdlets.Any(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)))
        Error(file, 1, "HELP002", $"{Path.GetFileName(file)} documents no cmdlet of {Path.GetFileName(assembly)}.");
}

var abouts = new List<AboutHelpSource>();
foreach (var file in files.Where(f => Path.GetFileName(f).StartsWith("about_", StringComparison.OrdinalIgnoreCase)))
{
    var about = HelpMarkdown.ParseAbout(file);
    var topic = Path.GetFileNameWithoutExtension(file);
    if (!string.Equals(about.Title, topic, StringComparison.Ordinal)) Error(file, 1, "HELP010", $"The first heading must be '# {topic}'.");
    foreach (var required in new[] { "SHORT DESCRIPTION", "LONG DESCRIPTION" })
    {
        if (!about.Sections.Any(s => s.Level == 2 && string.Equals(s.Heading, required, StringComparison.OrdinalIgnoreCase)))
            Error(file, 1, "HELP012", $"{topic} needs a '## {required}' section.");
    }
    if (string.Equals(topic, "about_MosaicFleet", StringComparison.Ordinal)) AddErrorIds(about);
    abouts.Add(about);
}

// The one error list (FleetErrorIds in the Engine) goes into about_MosaicFleet as "ERROR IDS", before SEE ALSO.
void AddErrorIds(AboutHelpSource about)
{
    var ids = CmdletMetadataReader.ReadErrorIds(references);
    if (ids.Count == 0) { Error("FleetErrorIds", 1, "HELP013", "The Engine's FleetErrorIds list is empty."); return; }
    var at = about.Sections.FindIndex(s => s.Level == 2 && s.Heading.Equals("SEE ALSO", StringComparison.OrdinalIgnoreCase));
    if (at < 0) at = about.Sections.Count;
    var sections = new List<(int, string, List<string>)>
    {
        (2, "ERROR IDS", [
            "Every error the module reports has one of these ids (FullyQualifiedErrorId, before the comma) and always the category",
            "shown. An error about one agent has the agent as its target; an error about a host, the host; a roster error, the",
            "roster's path. The same list: [MosaicFleet.Internal.FleetErrors]::All.",
            ""]),
    };
    foreach (var group in ids.GroupBy(e => e.Group))
    {
        var body = new List<string>();
        foreach (var e in group) body.Add($"- {e.Id} ({e.Category}): {e.Meaning}");
        body.Add("");
        sections.Add((3, group.Key, body));
    }
    about.Sections.InsertRange(at, sections);
}

foreach (var w in warnings) Console.WriteLine(w);
if (errors.Count > 0)
{
    foreach (var e in errors) Console.WriteLine(e);
    Console.WriteLine($"HelpGen: {errors.Count} help error(s); see docs/help/TEMPLATE.md.");
    return 1;
}

var maml = Path.Combine(output, Path.GetFileName(assembly) + "-Help.xml");
MamlWriter.Write(maml, pairs);
foreach (var about in abouts) AboutWriter.Write(Path.Combine(output, about.Title + ".help.txt"), about);
Console.WriteLine($"HelpGen: {pairs.Count} cmdlet(s), {abouts.Count} about topic(s) -> {output}");
return 0;
