using System.Text;

namespace MosaicFleet.Engine.Processes;

/// <summary>Quoting for a POSIX shell (sh, bash, dash). The one place that turns data into shell words:
/// the ssh transport and the pane command both use it.
/// The words are also read the same by zsh and fish (a remote login shell need not be POSIX): a single quote and a
/// backslash are never written inside single quotes (fish reads \' and \\ there as escapes) but as \' and \\
/// outside them, which every one of these shells reads as the bare character.</summary>
public static class PosixShell
{
    /// <summary>Quotes one word so that a POSIX shell reads it back byte-exact.
    /// Safe words pass unchanged; anything else is single-quoted, with each ' written as '\'' and each \ as '\\'.</summary>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.IndexOf('\0') >= 0) throw new ArgumentException("A shell word cannot hold a NUL byte.", nameof(word));
        if (word.Length > 0 && IsSafe(word)) return word;
        var sb = new StringBuilder(word.Length + 2);
        sb.Append('\'');
        foreach (var c in word)
        {
            if (c == '\'') sb.Append("'\\''");
            else if (c == '\\') sb.Append("'\\\\'");
            else sb.Append(c);
        }
        sb.Append('\'');
        return sb.ToString();
    }

    /// <summary>Quotes every word and joins them with spaces.</summary>
    public static string Join(IEnumerable<string> argv) => string.Join(' ', argv.Select(Quote));

    private static bool IsSafe(string word)
    {
        foreach (var c in word)
        {
            var ok = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
                || c is '-' or '_' or '.' or '/' or ':' or ',' or '+' or '@' or '%' or '=';
            if (!ok) return false;
        }
        // A leading '=' or '~' could be read specially by some shells (zsh's =cmd, tilde expansion); fish expands %self.
        return word[0] != '=' && word[0] != '~' && word[0] != '%';
    }
}
