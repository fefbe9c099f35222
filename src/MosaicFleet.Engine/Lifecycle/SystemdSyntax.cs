using System.Text;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>The parts of systemd's unit and environment-file syntax MosaicFleet writes, and a resolver for the
/// command lines it writes (used by -Direct so the unit and a direct start run the same argv).
/// Rules relied on (systemd.service(5), systemd.exec(5)):
/// - Specifiers (%i, %E, ...) are expanded in unit-file text only; a literal '%' in a unit is written '%%'.
/// - In Exec lines, a word that is exactly ${VAR} becomes exactly one argument (its value, whatever it holds);
///   $VAR alone is split on whitespace (never written here); a literal '$' is written '$$'.
/// - Environment-file values get no specifier and no variable expansion. A "..."-quoted value knows the escapes of
///   a POSIX shell double-quoted string (\" \\ \$ \`), so the same file reads the same under sh's '.'.</summary>
public static class SystemdSyntax
{
    /// <summary>One literal word of an Exec line: '%' and '$' doubled; quoted (C escapes) when it holds
    /// whitespace, quotes, backslashes or ';'.</summary>
    public static string ExecWord(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        foreach (var c in word)
        {
            if (c == '\0' || (char.IsControl(c) && c != '\t')) throw new ArgumentException("A unit-file word cannot hold control characters.", nameof(word));
        }
        var doubled = word.Replace("%", "%%", StringComparison.Ordinal).Replace("$", "$$", StringComparison.Ordinal);
        var needsQuotes = word.Length == 0 || word.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\' or ';');
        if (!needsQuotes) return doubled;
        var sb = new StringBuilder(doubled.Length + 2).Append('"');
        foreach (var c in doubled)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\t': sb.Append("\\t"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>A whole-word environment reference: one argument, whatever the value holds.</summary>
    public static string ExecVariable(string name) => "${" + name + "}";

    /// <summary>Text where specifiers are expanded (Description=, comments are not): '%' doubled, no line breaks.</summary>
    public static string UnitText(string text)
        => text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Replace("%", "%%", StringComparison.Ordinal);

    /// <summary>One environment-file line KEY="value", readable alike by systemd's EnvironmentFile= and sh's '.'.</summary>
    public static string EnvLine(string key, string value)
    {
        if (value.Contains('\0')) throw new ArgumentException($"The value of {key} holds a NUL byte.", nameof(value));
        var sb = new StringBuilder(key.Length + value.Length + 4).Append(key).Append("=\"");
        foreach (var c in value)
        {
            if (c is '"' or '\\' or '$' or '`') sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Parses an environment file the way systemd's EnvironmentFile= does (no expansion of any kind).</summary>
    public static IReadOnlyDictionary<string, string> ParseEnvFile(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        var n = text.Length;
        while (i < n)
        {
            // Skip leading whitespace and blank lines.
            while (i < n && text[i] is ' ' or '\t' or '\r' or '\n') i++;
            if (i >= n) break;
            if (text[i] is '#' or ';')
            {
                while (i < n && text[i] != '\n') i++;
                continue;
            }
            var keyStart = i;
            while (i < n && text[i] != '=' && text[i] != '\n') i++;
            if (i >= n || text[i] == '\n') continue; // a line without '=' is ignored
            var key = text[keyStart..i].TrimEnd(' ', '\t');
            i++; // '='
            while (i < n && text[i] is ' ' or '\t') i++;
            var value = new StringBuilder();
            if (i < n && text[i] == '\'')
            {
                i++;
                while (i < n && text[i] != '\'') value.Append(text[i++]);
                i++;
                while (i < n && text[i] != '\n') i++;
            }
            else if (i < n && text[i] == '"')
            {
                i++;
                while (i < n && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < n)
                    {
                        var next = text[i + 1];
                        if (next is '"' or '\\' or '`' or '$') value.Append(next);
                        else if (next != '\n') value.Append('\\').Append(next);
                        i += 2;
                        continue;
                    }
                    value.Append(text[i++]);
                }
                i++;
                while (i < n && text[i] != '\n') i++;
            }
            else
            {
                while (i < n && text[i] != '\n')
                {
                    if (text[i] == '\\' && i + 1 < n)
                    {
                        if (text[i + 1] != '\n') value.Append(text[i + 1]);
                        i += 2;
                        continue;
                    }
                    value.Append(text[i++]);
                }
                var v = value.ToString().TrimEnd(' ', '\t', '\r');
                value.Clear().Append(v);
            }
            result[key] = value.ToString();
        }
        return result;
    }

    /// <summary>Finds the value of <paramref name="key"/> in a unit file's text (last assignment wins; empty value
    /// resets a list, which MosaicFleet never writes).</summary>
    public static IReadOnlyList<string> UnitValues(string unitText, string key)
    {
        var values = new List<string>();
        foreach (var raw in unitText.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimStart();
            if (line.Length == 0 || line[0] is '#' or ';' or '[') continue;
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            if (line[..eq].Trim() == key) values.Add(line[(eq + 1)..].Trim());
        }
        return values;
    }

    /// <summary>The argv systemd runs for one Exec line, given the unit's specifier values and its environment.
    /// Handles what MosaicFleet writes: '-' prefix, quoted words with C escapes, %% and $$, whole-word ${VAR}.
    /// Anything else (a bare $VAR, an unknown specifier, a ';' separator) is refused rather than guessed.</summary>
    public static ExecLine ResolveExecLine(string line, IReadOnlyDictionary<string, string> specifiers, IReadOnlyDictionary<string, string> environment)
    {
        var ignoreFailure = false;
        var s = line.TrimStart();
        while (s.Length > 0 && s[0] is '-' or '@' or '+' or '!' or ':')
        {
            if (s[0] == '-') ignoreFailure = true;
            else throw new FormatException($"Exec prefix '{s[0]}' is not supported: {line}");
            s = s[1..];
        }
        var argv = new List<string>();
        foreach (var (raw, word) in SplitWords(s))
        {
            if (raw == ";") throw new FormatException($"';' separators are not supported: {line}");
            var expanded = ExpandSpecifiers(word, specifiers, line);
            if (expanded.StartsWith("${", StringComparison.Ordinal) && expanded.EndsWith('}') && expanded.IndexOf('$', 1) < 0 && !raw.Contains("$$", StringComparison.Ordinal))
            {
                var name = expanded[2..^1];
                argv.Add(environment.TryGetValue(name, out var v) ? v : "");
                continue;
            }
            var sb = new StringBuilder();
            for (var i = 0; i < expanded.Length; i++)
            {
                if (expanded[i] == '$')
                {
                    if (i + 1 < expanded.Length && expanded[i + 1] == '$') { sb.Append('$'); i++; continue; }
                    throw new FormatException($"Only whole-word ${{VAR}} references are supported: {line}");
                }
                sb.Append(expanded[i]);
            }
            argv.Add(sb.ToString());
        }
        if (argv.Count == 0) throw new FormatException("An empty Exec line.");
        return new ExecLine(argv, ignoreFailure);
    }

    private static string ExpandSpecifiers(string word, IReadOnlyDictionary<string, string> specifiers, string line)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < word.Length; i++)
        {
            if (word[i] != '%') { sb.Append(word[i]); continue; }
            if (i + 1 >= word.Length) throw new FormatException($"A lone '%' at the end of a word: {line}");
            var spec = word[++i];
            if (spec == '%') { sb.Append('%'); continue; }
            if (!specifiers.TryGetValue(spec.ToString(), out var value)) throw new FormatException($"Specifier %{spec} is not supported: {line}");
            sb.Append(value);
        }
        return sb.ToString();
    }

    // systemd splits words on whitespace; "..." and '...' quote; backslash escapes use C syntax. Specifiers and
    // $ are resolved after this unquoting (they were written doubled, so their order does not change the result).
    private static IEnumerable<(string Raw, string Word)> SplitWords(string s)
    {
        var i = 0;
        while (true)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            if (i >= s.Length) yield break;
            var start = i;
            var sb = new StringBuilder();
            char quote = '\0';
            while (i < s.Length)
            {
                var c = s[i];
                if (quote == '\0' && char.IsWhiteSpace(c)) break;
                if (quote == '\0' && c is '"' or '\'') { quote = c; i++; continue; }
                if (quote != '\0' && c == quote) { quote = '\0'; i++; continue; }
                if (c == '\\' && i + 1 < s.Length)
                {
                    var e = s[i + 1];
                    sb.Append(e switch
                    {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        'a' => '\a',
                        'b' => '\b',
                        'f' => '\f',
                        'v' => '\v',
                        _ => e,
                    });
                    i += 2;
                    continue;
                }
                sb.Append(c);
                i++;
            }
            if (quote != '\0') throw new FormatException($"Unbalanced quoting: {s}");
            yield return (s[start..i], sb.ToString());
        }
    }
}

/// <summary>A resolved Exec line.</summary>
public sealed record ExecLine(IReadOnlyList<string> Argv, bool IgnoreFailure);
