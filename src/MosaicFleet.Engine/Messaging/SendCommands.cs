using System.Globalization;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Messaging;

/// <summary>A pane as resolved once before typing.</summary>
public sealed record PaneRef(string PaneId, bool Dead);

/// <summary>One look at a pane: is it dead, where is its cursor, what does its visible screen show.</summary>
public sealed record PaneProbe(bool Dead, int? CursorX, int? CursorY, string Screen);

/// <summary>How a tmux failure reads.</summary>
public enum TmuxFailure
{
    Other,
    /// <summary>No tmux server on the socket, or no session of that name.</summary>
    NoSession,
    /// <summary>The pane id no longer exists (the pane was closed).</summary>
    PaneGone,
}

/// <summary>The tmux argv lists of a delivery. No user text ever appears in an argv: the message travels on
/// load-buffer's stdin, and every other word is ours (buffer names, %pane_id, key names from the roster).</summary>
public static class SendCommands
{
    private const char Sep = '\x1f';
    private const string ProbeMarker = "MOSAIC-PROBE";

    /// <summary>The active pane of the session's window, resolved once to its immutable %pane_id.
    /// list-panes, not display-message: display-message falls back to another pane when the target does not exist
    /// (checked on tmux 3.3a: exit 0 for a missing session), list-panes fails.</summary>
    public static string[] ResolvePane(TmuxCommand tmux, string session)
        => tmux.Build("list-panes", "-t", TmuxTarget.SessionWindow(session), "-F", $"#{{pane_active}}{Sep}#{{pane_id}}{Sep}#{{pane_dead}}");

    public static PaneRef? ParseResolve(string stdout)
    {
        PaneRef? first = null;
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.TrimEnd('\r').Split(Sep);
            if (parts.Length != 3 || parts[1].Length < 2 || parts[1][0] != '%' || !parts[1].AsSpan(1).ToString().All(char.IsAsciiDigit)) return null;
            var pane = new PaneRef(parts[1], parts[2] == "1");
            if (parts[0] == "1") return pane;
            first ??= pane;
        }
        return first;
    }

    /// <summary>Loads stdin into the named buffer (the message text is the command's stdin).</summary>
    public static string[] LoadBuffer(TmuxCommand tmux, string buffer) => tmux.Build("load-buffer", "-b", buffer, "-");

    /// <summary>Pastes and deletes the buffer: -p brackets the paste when the application asked for bracketed paste,
    /// -r keeps line feeds as line feeds (without it tmux turns each LF into CR, a submit per line), -d deletes the buffer.</summary>
    public static string[] PasteBuffer(TmuxCommand tmux, string buffer, string paneId)
        => tmux.Build("paste-buffer", "-p", "-r", "-d", "-b", buffer, "-t", TmuxTarget.Pane(paneId));

    public static string[] DeleteBuffer(TmuxCommand tmux, string buffer) => tmux.Build("delete-buffer", "-b", buffer);

    /// <summary>One submit key (a tmux key name from the roster's submitKeys).</summary>
    public static string[] SendKey(TmuxCommand tmux, string paneId, string key) => tmux.Build("send-keys", "-t", TmuxTarget.Pane(paneId), key);

    /// <summary>One tmux call: the pane's visible screen, then a marker line with its dead flag and cursor. capture-pane
    /// goes first because it fails on a pane id that no longer exists, which ends the command list; display-message
    /// alone would answer for another pane.</summary>
    public static string[] Probe(TmuxCommand tmux, string paneId)
    {
        var target = TmuxTarget.Pane(paneId);
        return tmux.Build(
            "capture-pane", "-p", "-t", target,
            ";", "display-message", "-p", "-t", target, $"{ProbeMarker}{Sep}#{{pane_dead}}{Sep}#{{cursor_x}}{Sep}#{{cursor_y}}");
    }

    public static PaneProbe? ParseProbe(string stdout)
    {
        var text = stdout.EndsWith('\n') ? stdout[..^1] : stdout;
        var nl = text.LastIndexOf('\n');
        var tail = nl < 0 ? text : text[(nl + 1)..];
        var parts = tail.Split(Sep);
        if (parts.Length != 4 || parts[0] != ProbeMarker) return null;
        var screen = nl < 0 ? "" : text[..(nl + 1)];
        return new PaneProbe(parts[1] == "1", Int(parts[2]), Int(parts[3]), screen);
    }

    /// <summary>A marker no pane text can forge: the fixed prefix plus a random part, new for each tmux call.</summary>
    public static string NewMarker() => ProbeMarker + "-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>ONE tmux call that probes several panes (of one host): per pane, capture-pane then a display-message
    /// line "marker, index, dead, cursor x, cursor y", chained with ';' argv elements. tmux stops the list at the first
    /// failing command, so the probes that did run are a prefix: <see cref="ParseProbeMany"/> returns them in order,
    /// and on a failed call the pane after the last one returned is the one that failed.</summary>
    public static string[] ProbeMany(TmuxCommand tmux, IReadOnlyList<string> paneIds, string marker)
    {
        if (paneIds.Count == 0) throw new ArgumentException("no pane to probe", nameof(paneIds));
        var args = new List<string>();
        for (var i = 0; i < paneIds.Count; i++)
        {
            if (i > 0) args.Add(";");
            AddProbe(args, TmuxTarget.Pane(paneIds[i]), marker, i);
        }
        return tmux.Build([.. args]);
    }

    /// <summary>The capture right before the submit key and the key itself, in one tmux call: if the capture fails
    /// (the pane is gone) the key is never sent.</summary>
    public static string[] ProbeThenKey(TmuxCommand tmux, string paneId, string key, string marker)
    {
        var args = new List<string>();
        AddProbe(args, TmuxTarget.Pane(paneId), marker, 0);
        args.AddRange([";", "send-keys", "-t", TmuxTarget.Pane(paneId), key]);
        return tmux.Build([.. args]);
    }

    /// <summary>Loads stdin into the buffer and pastes it into the pane in one tmux call (the text is still only stdin).</summary>
    public static string[] LoadAndPaste(TmuxCommand tmux, string buffer, string paneId)
        => tmux.Build("load-buffer", "-b", buffer, "-", ";", "paste-buffer", "-p", "-r", "-d", "-b", buffer, "-t", TmuxTarget.Pane(paneId));

    /// <summary>Resolve and baseline in one tmux call: list-panes of the session's window (each line prefixed with the
    /// marker and "R"), then a probe of the window's active pane whose marker line carries its %pane_id, so the caller
    /// can check that the capture is of the pane it resolved.</summary>
    public static string[] ResolveAndProbe(TmuxCommand tmux, string session, string marker)
    {
        var window = TmuxTarget.SessionWindow(session);
        var args = new List<string> { "list-panes", "-t", window, "-F", $"{marker}R{Sep}#{{pane_active}}{Sep}#{{pane_id}}{Sep}#{{pane_dead}}", ";" };
        AddProbe(args, window, marker, 0, withPaneId: true);
        return tmux.Build([.. args]);
    }

    /// <summary>Splits <see cref="ResolveAndProbe"/> output: the resolved pane (null when unreadable), and the probe with the
    /// id of the pane it captured (null when the probe did not run).</summary>
    public static (PaneRef? Pane, PaneProbe? Probe, string? ProbedPaneId) ParseResolveAndProbe(string stdout, string marker)
    {
        var resolveLines = new List<string>();
        var rest = new System.Text.StringBuilder();
        var prefix = marker + "R" + Sep;
        foreach (var line in SplitLines(stdout))
        {
            if (rest.Length == 0 && line.StartsWith(prefix, StringComparison.Ordinal)) resolveLines.Add(line[(marker.Length + 2)..]);
            else rest.Append(line).Append('\n');
        }
        var pane = ParseResolve(string.Join('\n', resolveLines));
        string? probedId = null;
        var probes = ParseProbeMany(rest.ToString(), marker, paneIds: id => probedId = id);
        return (pane, probes.Count == 1 ? probes[0] : null, probedId);
    }

    /// <summary>The probes of a <see cref="ProbeMany"/> (or <see cref="ProbeThenKey"/>) output, in pane order, as far as
    /// they ran: the screen of each is the text between the previous marker line and its own.</summary>
    public static IReadOnlyList<PaneProbe> ParseProbeMany(string stdout, string marker) => ParseProbeMany(stdout, marker, null);

    private static IReadOnlyList<PaneProbe> ParseProbeMany(string stdout, string marker, Action<string>? paneIds)
    {
        var probes = new List<PaneProbe>();
        var screen = new System.Text.StringBuilder();
        var prefix = marker + Sep;
        foreach (var line in SplitLines(stdout))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                var parts = line.Split(Sep);
                if ((parts.Length == 5 || (paneIds is not null && parts.Length == 6))
                    && Int(parts[1]) == probes.Count)
                {
                    probes.Add(new PaneProbe(parts[2] == "1", Int(parts[3]), Int(parts[4]), screen.ToString()));
                    if (parts.Length == 6) paneIds!(parts[5]);
                    screen.Clear();
                    continue;
                }
            }
            screen.Append(line).Append('\n');
        }
        return probes;
    }

    private static void AddProbe(List<string> args, string target, string marker, int index, bool withPaneId = false)
    {
        var format = $"{marker}{Sep}{index.ToString(CultureInfo.InvariantCulture)}{Sep}#{{pane_dead}}{Sep}#{{cursor_x}}{Sep}#{{cursor_y}}" + (withPaneId ? $"{Sep}#{{pane_id}}" : "");
        args.AddRange(["capture-pane", "-p", "-t", target, ";", "display-message", "-p", "-t", target, format]);
    }

    private static IEnumerable<string> SplitLines(string stdout)
    {
        var text = stdout.EndsWith('\n') ? stdout[..^1] : stdout;
        if (text.Length == 0) yield break;
        foreach (var line in text.Split('\n')) yield return line;
    }

    /// <summary>The pane's last <paramref name="lines"/> lines including history, wrapped lines joined.</summary>
    public static string[] CaptureHistory(TmuxCommand tmux, string paneId, int lines)
        => tmux.Build("capture-pane", "-p", "-J", "-S", "-" + lines.ToString(CultureInfo.InvariantCulture), "-t", TmuxTarget.Pane(paneId));

    public static TmuxFailure Classify(string stderr)
    {
        if (Tmux.ListPanes.IsNoServer(stderr) || stderr.Contains("can't find session", StringComparison.Ordinal)
            || stderr.Contains("can't find window", StringComparison.Ordinal)) return TmuxFailure.NoSession;
        if (stderr.Contains("can't find pane", StringComparison.Ordinal)) return TmuxFailure.PaneGone;
        return TmuxFailure.Other;
    }

    /// <summary>A buffer name no other sender uses: process id plus a random part.</summary>
    public static string NewBufferName() => $"mosaic-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32];

    private static int? Int(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
}
