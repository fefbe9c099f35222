using System.Globalization;

namespace MosaicFleet.Engine.Tmux;

/// <summary>The list-panes format and its parser.</summary>
public static class ListPanes
{
    // Why US (0x1f) and a trailing RS (0x1e): no delimiter is safe for every field. A path may hold any byte
    // but NUL, and tmux prints tabs and newlines raw (checked on tmux 3.3a). So fields are split on US, the
    // only free-text field (the pane path) goes LAST and takes whatever remains (a US inside a path survives),
    // each record ends with RS + a random nonce + newline, new for every call (a path may hold RS and newlines, but
    // it cannot know the nonce, so it cannot end its record early and forge the next one), and every record's
    // fixed fields are checked (count, %pane_id, numbers), so a fragment is rejected instead of shifting fields.
    public const char FieldSeparator = '\x1f';
    private const int FixedFields = 9;

    /// <summary>A fresh record nonce: 32 hex digits (plain text in a tmux format, unguessable by a pane path).</summary>
    public static string NewNonce() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    /// <summary>The format whose records end with RS + <paramref name="nonce"/> (and tmux's newline).</summary>
    public static string FormatFor(string nonce)
    {
        if (nonce.Any(c => !char.IsAsciiLetterOrDigit(c))) throw new ArgumentException("A record nonce is letters and digits only.", nameof(nonce));
        return FieldsFormat + "\x1e" + nonce;
    }

    /// <summary>What ends each record of <see cref="FormatFor"/>.</summary>
    public static string RecordTerminatorFor(string nonce) => "\x1e" + nonce + "\n";

    private static readonly string FieldsFormat = string.Join(FieldSeparator,
        "#{session_name}",
        "#{window_index}",
        "#{pane_index}",
        "#{pane_id}",
        "#{pane_pid}",
        "#{pane_current_command}",
        "#{pane_dead}",
        // The supervision options ride in the dead-status field as "/restarts/last exit", only where the agent unit
        // set them (so the field of any other pane, and every older record, reads as before).
        // A pane killed by a signal has no exit status but a signal ("s9"); the server's tenant mark (set by the holder)
        // rides last as "@mark". Both appear only where set, so other records read as before.
        "#{pane_dead_status}#{?pane_dead_signal,s#{pane_dead_signal},}#{?#{==:#{@mosaic_restarts},},,/#{@mosaic_restarts}/#{@mosaic_last_exit}}#{?#{==:#{@mosaic_tenant},},,@#{@mosaic_tenant}}",
        "#{window_activity}",
        "#{pane_current_path}");

    /// <summary>The argv after `tmux -L socket`, for records ending with <paramref name="nonce"/>.</summary>
    public static string[] Arguments(string nonce) => ["list-panes", "-a", "-F", FormatFor(nonce)];

    /// <summary>Parses list-panes output of <see cref="FormatFor"/>(<paramref name="nonce"/>). Records that fail
    /// validation go to <paramref name="rejected"/>.</summary>
    public static IReadOnlyList<TmuxPane> Parse(string output, string nonce, out IReadOnlyList<string> rejected)
    {
        var panes = new List<TmuxPane>();
        var bad = new List<string>();
        var text = output.Replace("\r\n", "\n", StringComparison.Ordinal);
        var records = text.Split(RecordTerminatorFor(nonce));
        for (var i = 0; i < records.Length; i++)
        {
            var record = records[i];
            if (i == records.Length - 1)
            {
                // Whatever follows the last terminator must be empty (or a lone newline).
                if (record.Trim('\n').Length > 0) bad.Add(record);
                continue;
            }
            if (TryParseRecord(record, out var pane)) panes.Add(pane);
            else bad.Add(record);
        }
        rejected = bad;
        return panes;
    }

    private static bool TryParseRecord(string record, out TmuxPane pane)
    {
        pane = null!;
        var parts = record.Split(FieldSeparator, FixedFields + 1);
        if (parts.Length != FixedFields + 1) return false;
        var session = parts[0];
        if (session.Length == 0 || session.Contains('\n')) return false;
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var window)) return false;
        if (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var paneIndex)) return false;
        var paneId = parts[3];
        if (paneId.Length < 2 || paneId[0] != '%' || !paneId.AsSpan(1).ToString().All(char.IsAsciiDigit)) return false;
        int? pid = null;
        if (parts[4].Length > 0)
        {
            if (!int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var p)) return false;
            pid = p;
        }
        var command = parts[5];
        if (command.Contains('\n')) return false;
        bool dead;
        switch (parts[6])
        {
            case "1": dead = true; break;
            case "0": case "": dead = false; break;
            default: return false;
        }
        int? deadStatus = null;
        int? restarts = null, lastExit = null;
        var statusField = parts[7];
        string? tenantMark = null;
        var at = statusField.IndexOf('@');
        if (at >= 0)
        {
            tenantMark = statusField[(at + 1)..];
            statusField = statusField[..at];
            if (tenantMark.Length == 0 || !tenantMark.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')) return false;
        }
        int? signal = null;
        var sig = statusField.IndexOf('s');
        if (sig >= 0)
        {
            var slashAfter = statusField.IndexOf('/', sig);
            var sigText = slashAfter < 0 ? statusField[(sig + 1)..] : statusField[(sig + 1)..slashAfter];
            if (!int.TryParse(sigText, NumberStyles.None, CultureInfo.InvariantCulture, out var sg)) return false;
            signal = sg;
            statusField = statusField[..sig] + (slashAfter < 0 ? "" : statusField[slashAfter..]);
        }
        var slash = statusField.IndexOf('/');
        if (slash >= 0)
        {
            var sup = statusField[(slash + 1)..].Split('/');
            statusField = statusField[..slash];
            if (sup.Length != 2) return false;
            if (sup[0].Length > 0 && int.TryParse(sup[0], NumberStyles.None, CultureInfo.InvariantCulture, out var rs)) restarts = rs;
            if (sup[1].Length > 0 && int.TryParse(sup[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var le)) lastExit = le;
        }
        if (statusField.Length > 0)
        {
            if (!int.TryParse(statusField, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ds)) return false;
            deadStatus = ds;
        }
        // Killed by a signal: the shell's convention, 128 + the signal (as the waiter and the crash files report it).
        if (deadStatus is null && signal is { } s) deadStatus = 128 + s;
        DateTimeOffset? activity = null;
        if (parts[8].Length > 0)
        {
            if (!long.TryParse(parts[8], NumberStyles.None, CultureInfo.InvariantCulture, out var secs)) return false;
            activity = DateTimeOffset.FromUnixTimeSeconds(secs);
        }
        pane = new TmuxPane(session, window, paneIndex, paneId, pid, command, dead, dead ? deadStatus : null, activity, parts[9]) { Restarts = restarts, LastExit = lastExit, TenantMark = tenantMark };
        return true;
    }

    /// <summary>True when tmux's failure means "no server on that socket" (so every agent is Missing, not an error), or
    /// a server without any session (exit-empty off keeps one running; tmux 3.3a's list-panes -a then says "no current
    /// target").</summary>
    public static bool IsNoServer(string stderr)
        => stderr.Contains("no server running", StringComparison.Ordinal)
        || stderr.Contains("no current target", StringComparison.Ordinal)
        || (stderr.Contains("error connecting to", StringComparison.Ordinal)
            && (stderr.Contains("No such file or directory", StringComparison.Ordinal) || stderr.Contains("Connection refused", StringComparison.Ordinal)));
}
