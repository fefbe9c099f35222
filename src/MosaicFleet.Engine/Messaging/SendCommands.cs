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
