using System.Globalization;
namespace MosaicFleet.Engine.Tmux;

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

    /// <summary>The pane a <see cref="ResolvePane"/> call names; lines that are no pane record (a remote login script's
    /// banner before tmux ran) are skipped.</summary>
    public static PaneRef? ParseResolve(string stdout)
    {
        PaneRef? first = null;
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.TrimEnd('\r').Split(Sep);
            if (parts.Length != 3 || parts[0] is not ("0" or "1") || parts[2] is not ("0" or "1") || parts[1].Length < 2 || parts[1][0] != '%' || !parts[1].AsSpan(1).ToString().All(char.IsAsciiDigit)) continue;
            var pane = new PaneRef(parts[1], parts[2] == "1");
            if (parts[0] == "1") return pane;
            first ??= pane;
        }
        return first;
    }

    public static string[] DeleteBuffer(TmuxCommand tmux, string buffer) => tmux.Build("delete-buffer", "-b", buffer);

    /// <summary>One submit key (a tmux key name from the roster's submitKeys).</summary>
    public static string[] SendKey(TmuxCommand tmux, string paneId, string key) => tmux.Build("send-keys", "-t", TmuxTarget.Pane(paneId), key);

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

    /// <summary>The probes of a <see cref="ProbeMany"/> output, in pane order, as far as they ran: the screen of each is
    /// the text between its start line and its marker line. Anything else (a login script's banner on a remote host's
    /// stdout, printed before tmux ran) is no screen.</summary>
    public static IReadOnlyList<PaneProbe> ParseProbeMany(string stdout, string marker)
    {
        var probes = new List<PaneProbe>();
        var screen = new System.Text.StringBuilder();
        var prefix = marker + Sep;
        var inScreen = false;
        foreach (var line in SplitLines(stdout))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                var parts = line.Split(Sep);
                if (parts.Length == 3 && parts[1] == "S" && Int(parts[2]) == probes.Count)
                {
                    screen.Clear();
                    inScreen = true;
                    continue;
                }
                if (inScreen && parts.Length == 5 && Int(parts[1]) == probes.Count)
                {
                    probes.Add(new PaneProbe(parts[2] == "1", Int(parts[3]), Int(parts[4]), screen.ToString()));
                    screen.Clear();
                    inScreen = false;
                    continue;
                }
            }
            if (inScreen) screen.Append(line).Append('\n');
        }
        return probes;
    }

    // A start line, the capture, then the marker line with the pane's state: the screen is exactly what lies between.
    private static void AddProbe(List<string> args, string target, string marker, int index)
    {
        var i = index.ToString(CultureInfo.InvariantCulture);
        var format = $"{marker}{Sep}{i}{Sep}#{{pane_dead}}{Sep}#{{cursor_x}}{Sep}#{{cursor_y}}";
        args.AddRange(["display-message", "-p", "-t", target, $"{marker}{Sep}S{Sep}{i}", ";",
            "capture-pane", "-p", "-t", target, ";", "display-message", "-p", "-t", target, format]);
    }

    private static IEnumerable<string> SplitLines(string stdout)
    {
        var text = stdout.EndsWith('\n') ? stdout[..^1] : stdout;
        if (text.Length == 0) yield break;
        foreach (var line in text.Split('\n')) yield return line;
    }

    /// <summary>Every pane of the server in one call, each line "marker, session, window active, pane active, pane id,
    /// dead, pid, current command": the sessions of a whole send resolve at once (<see cref="ParseResolveAll"/>).</summary>
    public static string[] ResolveAll(TmuxCommand tmux, string marker)
        => tmux.Build("list-panes", "-a", "-F", $"{marker}{Sep}#{{session_name}}{Sep}#{{window_active}}{Sep}#{{pane_active}}{Sep}#{{pane_id}}{Sep}#{{pane_dead}}{Sep}#{{pane_pid}}{Sep}#{{{Roster.TenantNames.MarkOption}}}{Sep}#{{pane_in_mode}}{Sep}#{{session_attached}}{Sep}#{{pane_current_command}}");

    /// <summary>Leaves the mode a pane is in (copy mode and the like), as the q key would: `send-keys -X cancel`.</summary>
    public static string[] CancelMode(TmuxCommand tmux, string paneId) => tmux.Build("send-keys", "-t", paneId, "-X", "cancel");

    /// <summary>Each session's pane as a send targets it: the active pane of the session's current window (the first
    /// pane of that window when none is marked active), by exact session name.</summary>
    public static IReadOnlyDictionary<string, PaneRef> ParseResolveAll(string stdout, string marker)
    {
        var chosen = new Dictionary<string, (PaneRef Pane, bool Active)>(StringComparer.Ordinal);
        var prefix = marker + Sep;
        foreach (var line in SplitLines(stdout))
        {
            if (!line.StartsWith(prefix, StringComparison.Ordinal)) continue;
            // The server's tenant mark (7), whether the pane is in a mode such as copy mode (8) and how many clients show
            // its session (9) come before the pane command, the last field and free text.
            var parts = line.TrimEnd('\r').Split(Sep, 11);
            if (parts.Length != 11 || parts[2] != "1" || !IsPaneId(parts[4])) continue;
            var active = parts[3] == "1";
            if (chosen.TryGetValue(parts[1], out var seen) && (seen.Active || !active)) continue;
            chosen[parts[1]] = (new PaneRef(parts[4], parts[5] == "1", Int(parts[6]) is > 0 and var pid ? pid : null, parts[10])
            {
                TenantMark = parts[7].Length > 0 ? parts[7] : null,
                InMode = parts[8] == "1",
                AttachedClients = Int(parts[9]) is > 0 and var n ? n : 0,
            }, active);
        }
        return chosen.ToDictionary(kv => kv.Key, kv => kv.Value.Pane, StringComparer.Ordinal);
    }

    /// <summary>One buffer, loaded once from stdin, pasted into several panes (the same text to each), then deleted.
    /// Each paste is guarded: tmux 3.3a's server crashes (taking every agent with it) on a paste-buffer into a dead pane
    /// (tmux PR #3830), and a pane can die between any check of ours and the paste. So per pane
    /// <c>if-shell -F -t %id '#{?pane_dead,,1}' 'paste-buffer ... ; display-message "marker P i"'</c>: the server itself
    /// checks the pane right before pasting, and the "P i" line confirms the paste. Then "marker V i" says the pane's turn
    /// ran. The inner command string is ours only (buffer name, %pane_id, marker): no user text reaches tmux's parser.
    /// A failure inside if-shell (a pane that closed) does not stop the outer list, so every pane is confirmed on its own
    /// (<see cref="ParsePasteMany"/>).</summary>
    public static string[] LoadAndPasteMany(TmuxCommand tmux, string buffer, IReadOnlyList<string> paneIds, string marker, IReadOnlyList<int?>? pids = null,
        IReadOnlyList<string?>? commands = null)
    {
        if (paneIds.Count == 0) throw new ArgumentException("no pane to paste into", nameof(paneIds));
        if (pids is not null && pids.Count != paneIds.Count) throw new ArgumentException("one pid (or null) per pane", nameof(pids));
        if (commands is not null && commands.Count != paneIds.Count) throw new ArgumentException("one command (or null) per pane", nameof(commands));
        if (!IsPlainWord(buffer) || !IsPlainWord(marker)) throw new ArgumentException("buffer names and markers are plain words");
        var args = new List<string> { "load-buffer", "-b", buffer, "-" };
        for (var i = 0; i < paneIds.Count; i++)
        {
            var target = TmuxTarget.Pane(paneIds[i]);
            var paste = $"paste-buffer -p -r -b {buffer} -t {target} ; display-message -p -t {target} {Confirm(marker, 'P', i)}";
            args.AddRange([";", "if-shell", "-F", "-t", target, PasteCondition(pids?[i], commands?[i]), paste, ";", "display-message", "-p", "-t", target, Confirm(marker, 'V', i)]);
        }
        args.AddRange([";", "delete-buffer", "-b", buffer]);
        return tmux.Build([.. args]);
    }

    /// <summary>The guard of one paste: the pane is alive; when its pid was resolved, it still runs that process (a pane
    /// id taken over by another agent after a tmux server restart gets nothing); when its command was resolved (and is a
    /// plain word tmux's format parser takes literally), its current command is still that one (a runtime that exited to
    /// the shell it ran in, while this send waited for the agent's lock, gets nothing: a shell would run the text).</summary>
    public static string PasteCondition(int? pid, string? command = null)
    {
        var checks = new List<string>();
        if (pid is { } p) checks.Add($"#{{==:#{{pane_pid}},{p.ToString(CultureInfo.InvariantCulture)}}}");
        if (command is { Length: > 0 } c && IsFormatLiteral(c)) checks.Add($"#{{==:#{{pane_current_command}},{c}}}");
        var alive = checks.Count switch
        {
            0 => "1",
            1 => checks[0],
            _ => $"#{{&&:{checks[0]},{checks[1]}}}",
        };
        return $"#{{?pane_dead,,{alive}}}";
    }

    // Letters, digits and . _ + - only: nothing tmux's format parser treats specially (#, comma, braces) nor its command parser.
    private static bool IsFormatLiteral(string s) => s.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '+' or '-');

    /// <summary>What a <see cref="LoadAndPasteMany"/> call did: how many panes' turns ran (the "V" lines, in order) and
    /// which panes were pasted into (the "P" lines).</summary>
    public static (int Visited, bool[] Pasted) ParsePasteMany(string stdout, string marker, int panes)
    {
        var pasted = new bool[panes];
        var visited = 0;
        foreach (var line in SplitLines(stdout))
        {
            if (visited < panes && line == Confirm(marker, 'V', visited)) { visited++; continue; }
            for (var i = visited; i < panes; i++)
            {
                if (line == Confirm(marker, 'P', i)) { pasted[i] = true; break; }
            }
        }
        return (visited, pasted);
    }

    /// <summary>The submit key of several panes in one call. Per pane: when <paramref name="probe"/>, the pane as it stands
    /// right before the key (capture and marker line, as <see cref="ProbeMany"/>), then the key, then a marker line
    /// "marker K, index" that confirms the key ran. A capture that fails ends the list before its key.</summary>
    public static string[] SubmitMany(TmuxCommand tmux, IReadOnlyList<(string PaneId, string Key)> panes, string marker, bool probe)
    {
        if (panes.Count == 0) throw new ArgumentException("no pane to submit", nameof(panes));
        var args = new List<string>();
        for (var i = 0; i < panes.Count; i++)
        {
            var target = TmuxTarget.Pane(panes[i].PaneId);
            if (i > 0) args.Add(";");
            if (probe)
            {
                AddProbe(args, target, marker, i);
                args.Add(";");
            }
            args.AddRange(["send-keys", "-t", target, panes[i].Key, ";", "display-message", "-p", "-t", target, Confirm(marker, 'K', i)]);
        }
        return tmux.Build([.. args]);
    }

    /// <summary>What a <see cref="SubmitMany"/> call did, pane by pane as far as it ran: the probe taken before the key
    /// (null without probes, or when it did not run) and whether the key is confirmed.</summary>
    public static IReadOnlyList<(PaneProbe? Probe, bool KeySent)> ParseSubmitMany(string stdout, string marker, bool probe)
    {
        var keys = ParseConfirmed(stdout, marker, 'K');
        var result = new List<(PaneProbe?, bool)>();
        if (!probe)
        {
            for (var i = 0; i < keys; i++) result.Add((null, true));
            return result;
        }
        // Confirmation lines are not screen text: drop them (only ours, in order) before splitting the screens.
        var screens = new System.Text.StringBuilder();
        var next = 0;
        foreach (var line in SplitLines(stdout))
        {
            if (next < keys && line == Confirm(marker, 'K', next)) { next++; continue; }
            screens.Append(line).Append('\n');
        }
        var probes = ParseProbeMany(screens.ToString(), marker);
        for (var i = 0; i < probes.Count; i++) result.Add((probes[i], i < keys));
        return result;
    }

    /// <summary>How many of a list's confirmation lines (of one kind) ran: the longest prefix 0, 1, 2, ... seen in order.</summary>
    public static int ParseConfirmed(string stdout, string marker, char kind)
    {
        var next = 0;
        foreach (var line in SplitLines(stdout))
        {
            if (line == Confirm(marker, kind, next)) next++;
        }
        return next;
    }

    private static string Confirm(string marker, char kind, int index) => $"{marker}{kind}{index.ToString(CultureInfo.InvariantCulture)}";

    // Letters, digits and '-' only: safe inside a tmux command string.
    private static bool IsPlainWord(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>tmux refuses a command list whose packed arguments exceed its message size (tmux 3.3a: 16 KiB, "command
    /// too long"). A list is kept under this many bytes (each argument's UTF-8 bytes plus its terminating NUL).</summary>
    public const int MaxListBytes = 12 * 1024;

    /// <summary>The bytes a list of arguments costs in tmux's message.</summary>
    public static int PackedSize(IEnumerable<string> args) => args.Sum(a => System.Text.Encoding.UTF8.GetByteCount(a) + 1);

    /// <summary>Splits <paramref name="items"/> into consecutive chunks whose command lists stay under
    /// <see cref="MaxListBytes"/>, given each item's own cost and the fixed cost of the list around them.</summary>
    public static IReadOnlyList<IReadOnlyList<T>> Chunk<T>(IReadOnlyList<T> items, Func<T, int> cost, int fixedCost = 64)
    {
        var chunks = new List<IReadOnlyList<T>>();
        var current = new List<T>();
        var size = fixedCost;
        foreach (var item in items)
        {
            var c = cost(item);
            if (current.Count > 0 && size + c > MaxListBytes)
            {
                chunks.Add(current);
                current = [];
                size = fixedCost;
            }
            current.Add(item);
            size += c;
        }
        if (current.Count > 0) chunks.Add(current);
        return chunks;
    }

    private static bool IsPaneId(string s) => s.Length >= 2 && s[0] == '%' && s.AsSpan(1).ToString().All(char.IsAsciiDigit);

    /// <summary>The pane's last <paramref name="lines"/> lines including history, wrapped lines joined.</summary>
    public static string[] CaptureHistory(TmuxCommand tmux, string paneId, int lines)
        => tmux.Build("capture-pane", "-p", "-J", "-S", "-" + lines.ToString(CultureInfo.InvariantCulture), "-t", TmuxTarget.Pane(paneId));

    /// <summary>The lines of a batched call's stderr that are about one pane ("can't find pane: %7"), as ": line; line",
    /// or "" when none is: one agent's detail does not carry the other agents' errors.</summary>
    public static string ErrorsAbout(string stderr, string paneId)
    {
        var own = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, System.Text.RegularExpressions.Regex.Escape(paneId) + @"(?!\d)")).ToList();
        return own.Count == 0 ? "" : ": " + string.Join("; ", own);
    }

    /// <summary>A buffer name no other sender uses: process id plus a random part.</summary>
    public static string NewBufferName() => $"mosaic-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32];

    private static int? Int(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
}
