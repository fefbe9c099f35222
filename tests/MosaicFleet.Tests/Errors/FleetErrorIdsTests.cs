using System.Reflection;
using System.Text.RegularExpressions;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Tests.Errors;

/// <summary>The one error list (FleetErrorIds): well formed, and the only place ids come from. The categories are
/// checked against ErrorCategory, and every emitted ErrorRecord against the list, in tests/Pester (Assert-FleetError).</summary>
public sealed class FleetErrorIdsTests
{
    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "MosaicFleet.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("MosaicFleet.sln not found above " + AppContext.BaseDirectory);
    }

    private static IEnumerable<(string Path, string Text)> Sources(string project)
        => Directory.EnumerateFiles(Path.Combine(RepoRoot(), "src", project), "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains("/obj/", StringComparison.Ordinal) && !p.Contains("/bin/", StringComparison.Ordinal))
            .Select(p => (p, File.ReadAllText(p)));

    [Fact]
    public void Every_entry_is_named_for_its_id_and_says_its_group_category_and_meaning()
    {
        var fields = typeof(FleetErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).ToList();
        Assert.True(fields.Count >= 50, $"only {fields.Count} ids");
        foreach (var f in fields)
        {
            var attr = f.GetCustomAttribute<FleetErrorAttribute>();
            Assert.True(attr is not null, $"{f.Name} has no [FleetError]");
            Assert.Equal(f.Name, (string)f.GetRawConstantValue()!);
            Assert.Matches("^[A-Z][A-Za-z]+$", attr!.Category);
            Assert.False(string.IsNullOrWhiteSpace(attr.Meaning), f.Name);
            Assert.False(string.IsNullOrWhiteSpace(attr.Group), f.Name);
            Assert.EndsWith(".", attr.Meaning);
        }
        Assert.Equal(fields.Count, FleetErrorIds.All.Count);
        Assert.Equal(fields.Count, FleetErrorIds.All.Select(e => e.Id).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal("ObjectNotFound", FleetErrorIds.CategoryOf(FleetErrorIds.AgentNotFound));
        Assert.Equal("ConnectionError", FleetErrorIds.CategoryOf(FleetErrorIds.FleetHostUnreachable));
        Assert.Null(FleetErrorIds.Find("NoSuchId"));
    }

    [Fact]
    public void Every_id_of_the_list_is_reported_somewhere()
    {
        var text = string.Join("\n", Sources("MosaicFleet").Concat(Sources("MosaicFleet.Engine"))
            .Where(s => !s.Path.EndsWith("FleetErrorIds.cs", StringComparison.Ordinal)).Select(s => s.Text));
        var unused = FleetErrorIds.All.Where(e => !text.Contains("FleetErrorIds." + e.Id, StringComparison.Ordinal)).Select(e => e.Id).ToList();
        Assert.True(unused.Count == 0, "ids in the list that no code reports: " + string.Join(", ", unused));
    }

    public static TheoryData<string, string> Rules => new()
    {
        // An ErrorRecord's id is never a string literal: it comes from the list.
        { "MosaicFleet", @"new ErrorRecord\([^;]*?,\s*""[A-Za-z]+""\s*," },
        // Its category is never chosen at the call: FleetErrors.For reads it from the list.
        { "MosaicFleet", @"ErrorCategory\.(?!InvalidOperation\b)[A-Z]\w+" },
        // The Engine's exceptions carry ids of the list, never literals.
        { "MosaicFleet.Engine", @"Exception\((?:[^()""]*,\s*)?""[A-Z][a-z]+[A-Z][A-Za-z]*""\s*," },
        // No other file defines error id constants.
        { "MosaicFleet.Engine", @"const string \w*Id\s*=\s*""" },
        { "MosaicFleet", @"const string \w*Id\s*=\s*""" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void No_error_id_or_category_is_made_outside_the_list(string project, string pattern)
    {
        var hits = Sources(project)
            .Where(s => !s.Path.EndsWith("FleetErrorIds.cs", StringComparison.Ordinal) && !s.Path.EndsWith("FleetErrors.cs", StringComparison.Ordinal))
            .SelectMany(s => Regex.Matches(s.Text, pattern).Select(m => $"{Path.GetFileName(s.Path)}: {m.Value}"))
            .ToList();
        Assert.True(hits.Count == 0, string.Join("\n", hits));
    }
}
