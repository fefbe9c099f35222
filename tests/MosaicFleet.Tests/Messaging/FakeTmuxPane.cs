using System.Collections.Concurrent;
using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Tests.Messaging;

/// <summary>A recording IProcessRunner that plays one tmux server with panes: load-buffer stores stdin, paste-buffer
/// appends to the pane's draft, send-keys Enter submits it (unless the pane swallows it), capture-pane renders
/// the history, a blank line and "> draft".</summary>
internal sealed class FakeTmux : IProcessRunner
{
    public sealed class Pane(string id)
    {
        public string Id { get; } = id;
        public string Draft { get; set; } = "";
        public List<string> Received { get; } = [];
        public List<string> History { get; } = [];
        public bool Dead { get; set; }
        /// <summary>The server's tenant mark as tmux reports it for this pane (@mosaic_tenant), or null for none.</summary>
        public string? TenantMark { get; set; }
        /// <summary>The pane no longer exists: every command that targets its id fails.</summary>
        public bool Closed { get; set; }
        /// <summary>Enter keys to swallow (int.MaxValue: all).</summary>
        public int Swallow { get; set; }
        /// <summary>Ignores input entirely and shows no input box.</summary>
        public bool Busy { get; set; }
        public int Pastes { get; set; }
        /// <summary>When set, capture-pane shows this text instead of the input-box rendering.</summary>
        public string? Screen { get; set; }
        /// <summary>The pane's process id (#{pane_pid}); a test changes it to play a pane taken over by another process.</summary>
        public int Pid { get; set; } = 4000 + int.Parse(id.AsSpan(1));
        /// <summary>#{pane_current_command}: empty by default (no drift is judged on an empty command).</summary>
        public string Command { get; set; } = "";
        /// <summary>#{cursor_x}/#{cursor_y} when set; otherwise the cursor sits where a prompt TUI keeps it: right after
        /// the text of the screen's last non-blank row.</summary>
        public (int X, int Y)? Cursor { get; set; }
        /// <summary>True: #{cursor_x}/#{cursor_y} expand to nothing (a tmux that gives no cursor position).</summary>
        public bool NoCursor { get; set; }

        public string Render() => Screen ?? (Busy ? "working...\n" : "ready\n" + string.Concat(History.Select(h => "you said: " + h + "\n")) + "\n> " + Draft + "\n");

        public (string X, string Y) CursorFormat()
        {
            if (NoCursor) return ("", "");
            if (Cursor is { } c) return (c.X.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Y.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // A busy pane shows no input box: its cursor is where a program's output left it, on the row below.
            if (Busy) return ("0", "1");
            var rows = Render().TrimEnd('\n').Split('\n');
            var y = rows.Length - 1;
            while (y > 0 && rows[y].Trim().Length == 0) y--;
            var x = 0;
            var e = System.Globalization.StringInfo.GetTextElementEnumerator(rows[y].TrimEnd());
            while (e.MoveNext()) x += MosaicFleet.Engine.Messaging.InputArea.CellWidth(e.GetTextElement());
            return (x.ToString(System.Globalization.CultureInfo.InvariantCulture), y.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private readonly Dictionary<string, Pane> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _buffers = new(StringComparer.Ordinal);
    private int _next;

    public ConcurrentQueue<CommandSpec> Calls { get; } = new();

    public Pane Add(string session)
    {
        var p = new Pane("%" + _next++);
        _sessions[session] = p;
        return p;
    }

    public IReadOnlyCollection<string> Buffers { get { lock (_buffers) return _buffers.Keys.ToList(); } }

    /// <summary>How long each call takes (zero: it completes synchronously).</summary>
    public TimeSpan Latency { get; init; }

    public async Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Calls.Enqueue(spec);
        if (Latency > TimeSpan.Zero) await Task.Delay(Latency, cancellationToken);
        lock (_buffers) return Run(spec);
    }

    /// <summary>Runs a command list (';' argv elements) as tmux does: in order, output concatenated, stopping at the
    /// first command that fails.</summary>
    private CommandResult Run(CommandSpec spec)
    {
        // As tmux 3.3a: the packed command list must fit one message (16 KiB less the header).
        if (spec.Argv.SkipWhile(w => w != "-L").Skip(2).Sum(w => System.Text.Encoding.UTF8.GetByteCount(w) + 1) > 16384 - 16)
            return new CommandResult(spec, 1, "", "command too long", false, false, TimeSpan.Zero);
        if (Crashed) return new CommandResult(spec, 1, "", "no server running on /tmp/tmux-0/fleet", false, false, TimeSpan.Zero);
        var stdout = new System.Text.StringBuilder();
        _innerError = null;
        var command = new List<string>();
        foreach (var word in spec.Argv.SkipWhile(w => w != "-L").Skip(2).Append(";")) // tmux [-u] -L socket
        {
            if (word != ";") { command.Add(word); continue; }
            var r = RunOne(spec, command);
            stdout.Append(r.Stdout);
            if (!r.Success) return r with { Stdout = stdout.ToString() };
            command = [];
        }
        // As tmux: a command that failed inside if-shell does not stop the outer list, but the client exits 1.
        return _innerError is { } e
            ? new CommandResult(spec, 1, stdout.ToString(), e, false, false, TimeSpan.Zero)
            : new CommandResult(spec, 0, stdout.ToString(), "", false, false, TimeSpan.Zero);
    }

    private string? _innerError;

    /// <summary>As tmux 3.3a's server on a paste-buffer into a dead pane (tmux PR #3830): it exits, and every session
    /// with it.</summary>
    public bool Crashed { get; private set; }

    /// <summary>if-shell -F -t target condition command: the condition is a format of the target pane (a target that is
    /// gone falls back to another pane, as tmux does); the command string is split into words and ';'.</summary>
    private CommandResult IfShell(CommandSpec spec, List<string> a)
    {
        if (a.Count != 6 || a[1] != "-F" || a[2] != "-t") return new CommandResult(spec, 1, "", "fake: unsupported if-shell", false, false, TimeSpan.Zero);
        var pane = ByTarget(a[3]) ?? _sessions.Values.FirstOrDefault(p => !p.Closed);
        if (pane is null) return new CommandResult(spec, 1, "", "no current target", false, false, TimeSpan.Zero);
        // The guards the send uses: alive, and (each when resolved) still running the resolved pid and command.
        var guard = System.Text.RegularExpressions.Regex.Match(a[4],
            @"^#\{\?pane_dead,,(?:1|#\{==:#\{pane_pid\},(?<pid>\d+)\}|#\{==:#\{pane_current_command\},(?<cmd>[^}]*)\}|#\{&&:#\{==:#\{pane_pid\},(?<pid>\d+)\},#\{==:#\{pane_current_command\},(?<cmd>[^}]*)\}\})\}$");
        var condition = guard.Success
            ? (pane.Dead ? ""
                : (guard.Groups["pid"].Success && pane.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture) != guard.Groups["pid"].Value)
                  || (guard.Groups["cmd"].Success && pane.Command != guard.Groups["cmd"].Value) ? "0" : "1")
            : Expand(a[4], pane).TrimEnd('\n');
        var stdout = new System.Text.StringBuilder();
        if (condition is "" or "0") return new CommandResult(spec, 0, "", "", false, false, TimeSpan.Zero);
        var inner = new List<string>();
        foreach (var word in a[5].Split(' ', StringSplitOptions.RemoveEmptyEntries).Append(";"))
        {
            if (word != ";") { inner.Add(word); continue; }
            var r = RunOne(spec, inner);
            stdout.Append(r.Stdout);
            if (!r.Success) { _innerError = _innerError is null ? r.Stderr : _innerError + "\n" + r.Stderr; break; }
            inner = [];
        }
        return new CommandResult(spec, 0, stdout.ToString(), "", false, false, TimeSpan.Zero);
    }

    /// <summary>Targets: %id, or =session: (the session's one pane).</summary>
    private Pane? ByTarget(string t)
        => t.StartsWith('=') ? _sessions.GetValueOrDefault(t.TrimStart('=').TrimEnd(':')) : _sessions.Values.FirstOrDefault(p => p.Id == t && !p.Closed);

    private static string Expand(string format, Pane p, string? session = null) => format
        .Replace("#{session_name}", session ?? "").Replace("#{window_active}", "1").Replace("#{pane_active}", "1").Replace("#{pane_id}", p.Id).Replace("#{pane_pid}", p.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)).Replace("#{pane_dead}", p.Dead ? "1" : "0")
        .Replace("#{@mosaic_tenant}", p.TenantMark ?? "").Replace("#{pane_in_mode}", "0").Replace("#{session_attached}", "0").Replace("#{pane_current_command}", p.Command).Replace("#{cursor_x}", p.CursorFormat().X).Replace("#{cursor_y}", p.CursorFormat().Y) + "\n";

    private CommandResult RunOne(CommandSpec spec, List<string> a)
    {
        var ok = (string o) => new CommandResult(spec, 0, o, "", false, false, TimeSpan.Zero);
        var fail = (string e) => new CommandResult(spec, 1, "", e, false, false, TimeSpan.Zero);
        switch (a[0])
        {
            case "list-panes" when a[1] == "-a":
            {
                if (_sessions.Count == 0) return fail("no server running on /tmp/tmux-0/fleet");
                return ok(string.Concat(_sessions.Where(kv => !kv.Value.Closed).Select(kv => Expand(a[3], kv.Value, kv.Key))));
            }
            case "list-panes":
            {
                var session = a[2].TrimStart('=').TrimEnd(':');
                if (!_sessions.TryGetValue(session, out var p)) return fail($"can't find session: {session}");
                return ok(Expand(a[4], p));
            }
            case "display-message":
            {
                // As tmux 3.3a: a -t pane that is gone falls back to another pane (exit 0).
                var p = ByTarget(a[3]) ?? _sessions.Values.FirstOrDefault(x => !x.Closed);
                if (p is null) return fail($"can't find pane: {a[3]}");
                return ok(Expand(a[4], p));
            }
            case "load-buffer":
                _buffers[a[2]] = spec.Stdin ?? "";
                return ok("");
            case "if-shell":
                return IfShell(spec, a);
            case "paste-buffer":
            {
                var p = ByTarget(a[^1]);
                if (p is null) return fail($"can't find pane: {a[^1]}");
                if (p.Dead)
                {
                    Crashed = true;
                    return fail("server exited unexpectedly");
                }
                var name = a[a.IndexOf("-b") + 1];
                var text = _buffers[name];
                if (a.Contains("-d")) _buffers.Remove(name);
                p.Pastes++;
                if (!p.Busy) p.Draft += text;
                return ok("");
            }
            case "delete-buffer":
                return _buffers.Remove(a[2]) ? ok("") : fail("unknown buffer");
            case "send-keys":
            {
                var p = ByTarget(a[2]);
                if (p is null) return fail("can't find pane");
                if (a[3] == "Enter" && !p.Busy)
                {
                    if (p.Swallow > 0) { p.Swallow--; return ok(""); }
                    p.Received.Add(p.Draft);
                    p.History.Add(p.Draft);
                    p.Draft = "";
                }
                return ok("");
            }
            case "capture-pane":
            {
                var p = ByTarget(a[3]);
                if (p is null) return fail($"can't find pane: {a[3]}");
                return ok(p.Render());
            }
            default:
                return fail("unknown command " + a[0]);
        }
    }
}

/// <summary>Runs every call on the fake, except a paste list: its load-buffer runs, then it hangs until cancelled
/// (Ctrl+C lands while the loaded buffer still exists).</summary>
internal sealed class HangingPasteRunner(FakeTmux inner) : IProcessRunner
{
    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many paste lists started.</summary>
    public int Pastes => Volatile.Read(ref _pastes);

    private int _pastes;

    public async Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken ct)
    {
        if (!spec.Argv.Contains("load-buffer")) return await inner.RunAsync(spec, ct);
        Interlocked.Increment(ref _pastes);
        await inner.RunAsync(spec with { Argv = spec.Argv.TakeWhile(w => w != ";").ToArray() }, ct);
        Reached.TrySetResult();
        await Task.Delay(Timeout.Infinite, ct);
        throw new InvalidOperationException("unreachable");
    }
}
