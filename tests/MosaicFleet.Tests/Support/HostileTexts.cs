using System.Text.Json;

namespace MosaicFleet.Tests;

/// <summary>The hostile message texts shared with the Pester suite (tests/fixtures/hostile-texts.json; Pester reads the
/// same file with Get-HostileText). Each theory row is (case, text[, the refusal's wording]): the case names the row,
/// since a test report cannot hold the control bytes themselves.</summary>
public static class HostileTexts
{
    private static readonly Lazy<JsonElement> s_root = new(() =>
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "MosaicFleet.sln"))) d = d.Parent;
        var path = Path.Combine(d?.FullName ?? throw new InvalidOperationException("MosaicFleet.sln not found"), "tests", "fixtures", "hostile-texts.json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
    });

    private static IEnumerable<JsonElement> Rows(string set) => s_root.Value.GetProperty(set).EnumerateArray();

    /// <summary>Printable text that must arrive inside one paste as delivered: (case, text, delivered).</summary>
    public static TheoryData<string, string, string> Typed()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var r in Rows("typed"))
        {
            var text = r.GetProperty("text").GetString()!;
            data.Add(r.GetProperty("case").GetString()!, text, r.TryGetProperty("delivered", out var d) ? d.GetString()! : text);
        }
        return data;
    }

    /// <summary>Text holding a control character, refused before anything is typed: (case, text, refusal wording).</summary>
    public static TheoryData<string, string, string> Refused() => WithRefusal("refused");

    /// <summary>Source labels that must be refused: (case, label, refusal wording).</summary>
    public static TheoryData<string, string, string> Sources() => WithRefusal("sources");

    private static TheoryData<string, string, string> WithRefusal(string set)
    {
        var data = new TheoryData<string, string, string>();
        foreach (var r in Rows(set)) data.Add(r.GetProperty("case").GetString()!, r.GetProperty("text").GetString()!, r.GetProperty("refusal").GetString()!);
        return data;
    }

    /// <summary>The generated message of over 1 MB: lines "N line", N from 1, joined by LF.</summary>
    public static string Large()
    {
        var large = s_root.Value.GetProperty("large");
        var line = large.GetProperty("line").GetString()!;
        return string.Join('\n', Enumerable.Range(1, large.GetProperty("lines").GetInt32()).Select(i => $"{i} {line}"));
    }
}
