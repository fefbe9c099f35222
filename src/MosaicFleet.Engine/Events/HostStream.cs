using System.Globalization;
using System.Text;
using MosaicFleet.Engine.Errors;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Systemd;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Events;

/// <summary>The script of a host's long-lived source: ONE process per host (here `sh -c SCRIPT`, there the same argv
/// through ssh), which runs <see cref="RemoteHostQuery.Script"/> (the fleet query's own list-panes and list-units calls,
/// formats and markers, unchanged) once a round and prints it, framed, only when its output differs from the previous
/// round's; otherwise a heartbeat line every few rounds. Every value reaches it as a positional argument:
/// `sh -c SCRIPT sh TMUX SYSTEMCTL BEAT NONCE SOCKET FORMAT [PATTERN GLOB]`.</summary>
public static class HostStreamScript
{
    /// <summary>The seconds a round sleeps (sleep(1) takes whole seconds on every POSIX system).</summary>
    public const int RoundSeconds = 1;

    /// <summary>The loop. `tmux` and `systemctl` are functions that run the programs given as arguments ($MOSAIC_TMUX and
    /// $MOSAIC_SYSTEMCTL here; the PATH's on a remote host), so the query script runs as written. The query runs in a
    /// command substitution (its variables stay there) with its stderr merged in: its sections are marked on both
    /// streams, and what lies between a command's markers is its output (on success) or its error (on failure). One line,
    /// like the query (a csh-family login shell refuses a newline in a quoted word).</summary>
    public static readonly string Script = string.Join(' ',
        "_t=$1; _y=$2; _b=$3; shift 3;",
        "tmux() { command \"$_t\" \"$@\"; };",
        "systemctl() { command \"$_y\" \"$@\"; };",
        "_q() { " + RemoteHostQuery.Script + "; };",
        "_w=\"@@mosaic-fleet:$1\"; _p=; _i=0;",
        "while :; do",
        "_o=$(_q \"$@\" 2>&1);",
        "if [ \"$_o\" != \"$_p\" ]; then _p=$_o; _i=0; printf '%s:record\\n%s\\n%s:record-end\\n' \"$_w\" \"$_o\" \"$_w\" || exit 1;",
        "else _i=$((_i + 1)); if [ \"$_i\" -ge \"$_b\" ]; then _i=0; printf '%s:alive\\n' \"$_w\" || exit 1; fi; fi;",
        $"sleep {RoundSeconds} || exit 1;",
        "done");

    /// <summary>The argv of a host's source (<see cref="FleetHost.Wrap"/> adds ssh for a remote host).</summary>
    public static CommandSpec Command(string tmuxProgram, string systemctlProgram, int heartbeatRounds, string nonce, string socketName, string? unitPattern, string? fileGlob)
    {
        var argv = new List<string> { "sh", "-c", Script, "sh", tmuxProgram, systemctlProgram, heartbeatRounds.ToString(CultureInfo.InvariantCulture), nonce, socketName, ListPanes.FormatFor(nonce) };
        if (unitPattern is not null)
        {
            argv.Add(unitPattern);
            argv.Add(fileGlob ?? UnitStates.AgentFileGlob);
        }
        return new CommandSpec(argv, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Splits one record (the query's merged output) into the commands' results, as
    /// <see cref="RemoteHostQuery.Parse"/> does for a one-shot query. Null when the record does not hold the query's
    /// sections to the end. <paramref name="local"/>: exit 127 means the program was not found here.</summary>
    public static RemoteHostReport? ParseRecord(string record, string nonce, TmuxCommand tmux, string systemctlProgram, string? unitPattern, bool local)
    {
        var m = "@@mosaic-fleet:" + nonce + ":";
        var text = record.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!text.EndsWith('\n')) text += "\n";
        var homeAt = text.IndexOf(m + "home:", StringComparison.Ordinal);
        if (homeAt < 0) return null;
        var homeStart = homeAt + m.Length + "home:".Length;
        var homeEnd = text.IndexOf('\n', homeStart);
        if (homeEnd < 0) return null;
        var home = text[homeStart..homeEnd];

        if (!TrySection(text, m, "list-panes", homeEnd + 1, out var lpText, out var lpCode, out var next)) return null;
        var timeout = Timeout.InfiniteTimeSpan;
        var list = Result(new CommandSpec(tmux.ListPanes(nonce), timeout), lpCode, lpText, local);
        CommandResult? units = null;
        UnitFileIndex? files = null;
        if (unitPattern is not null)
        {
            if (!TrySection(text, m, "systemctl", next, out var scText, out var scCode, out next)) return null;
            units = Result(new CommandSpec([systemctlProgram, .. UnitStates.ListArguments(unitPattern)], timeout), scCode, scText, local);
            var filesEnd = text.IndexOf(m + "unit-files-end\n", next, StringComparison.Ordinal);
            if (filesEnd < 0) return null;
            files = UnitFileIndex.ParseRemote(text[next..filesEnd]);
            next = filesEnd + m.Length + "unit-files-end\n".Length;
        }
        // Both streams' end markers (stderr's, then stdout's).
        var end = text.IndexOf(m + "end\n", next, StringComparison.Ordinal);
        if (end < 0 || text.IndexOf(m + "end\n", end + 1, StringComparison.Ordinal) < 0) return null;
        return new RemoteHostReport(home, list, units, files);
    }

    // "M:NAME\n" (stderr's marker) starts a command's output, "M:NAME-exit:CODE\n" ends it.
    private static bool TrySection(string text, string m, string name, int from, out string body, out int code, out int next)
    {
        body = "";
        code = 0;
        next = from;
        var begin = text.IndexOf(m + name + "\n", from, StringComparison.Ordinal);
        if (begin < 0) return false;
        var start = begin + m.Length + name.Length + 1;
        var exitMarker = m + name + "-exit:";
        var exitAt = text.IndexOf(exitMarker, start, StringComparison.Ordinal);
        if (exitAt < 0) return false;
        var codeStart = exitAt + exitMarker.Length;
        var codeEnd = text.IndexOf('\n', codeStart);
        if (codeEnd <= codeStart || !int.TryParse(text.AsSpan(codeStart, codeEnd - codeStart), NumberStyles.None, CultureInfo.InvariantCulture, out code)) return false;
        body = text[start..exitAt];
        next = codeEnd + 1;
        return true;
    }

    private static CommandResult Result(CommandSpec spec, int code, string output, bool local)
        => code == 0
            ? new CommandResult(spec, 0, output, "", false, false, TimeSpan.Zero)
            : new CommandResult(spec, code, "", output, false, local && code == 127, TimeSpan.Zero);
}

/// <summary>What a line of a source's stdout completes.</summary>
public enum HostStreamItemKind
{
    None,
    Record,
    Heartbeat,
}

/// <summary>Reads a source's stdout line by line: the lines between "M:record" and "M:record-end" are one record;
/// "M:alive" is a heartbeat; anything else (what a remote login script prints) is ignored. M carries the stream's
/// nonce, so a pane path or unit name cannot forge a frame.</summary>
public sealed class HostStreamFramer(string nonce)
{
    private readonly string _begin = "@@mosaic-fleet:" + nonce + ":record";
    private readonly string _end = "@@mosaic-fleet:" + nonce + ":record-end";
    private readonly string _alive = "@@mosaic-fleet:" + nonce + ":alive";
    private StringBuilder? _record;

    /// <summary>The longest record kept (a larger one is dropped as malformed): list-panes of thousands of panes fits.</summary>
    public int MaxRecordChars { get; init; } = 64 * 1024 * 1024;

    /// <summary>The record completed by the last <see cref="Push"/> that returned <see cref="HostStreamItemKind.Record"/>.</summary>
    public string Record { get; private set; } = "";

    public HostStreamItemKind Push(string line)
    {
        if (line.EndsWith('\r')) line = line[..^1];
        if (_record is not null)
        {
            if (string.Equals(line, _end, StringComparison.Ordinal))
            {
                Record = _record.ToString();
                _record = null;
                return HostStreamItemKind.Record;
            }
            if (_record.Length + line.Length + 1 > MaxRecordChars) _record = null;
            else _record.Append(line).Append('\n');
            return HostStreamItemKind.None;
        }
        if (string.Equals(line, _begin, StringComparison.Ordinal)) _record = new StringBuilder();
        else if (string.Equals(line, _alive, StringComparison.Ordinal)) return HostStreamItemKind.Heartbeat;
        return HostStreamItemKind.None;
    }
}

/// <summary>One host's long-lived source (<see cref="HostStreamScript"/>): starts it, reads its records into host states
/// (<see cref="FleetQuery.Interpret(FleetHost, TmuxCommand, string, RemoteHostReport, IReadOnlyList{string})"/>, the
/// same as a poll), and when it ends or stays silent past <see cref="SilenceLimit"/> reports the host Unreachable, kills
/// it and starts it again after a backoff. Cancelling kills the process (and, here, its tree).</summary>
public sealed class HostStream(FleetContext context, string hostName, IReadOnlyList<string> units)
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30)];
    private long _records;
    private long _heartbeats;
    private long _starts;
    private int _pid;

    public string HostName { get; } = hostName;

    /// <summary>Rounds without a change between two heartbeats.</summary>
    public int HeartbeatRounds { get; init; } = 5;

    /// <summary>How long the source may say nothing (no record, no heartbeat) before it counts as lost: a few heartbeats
    /// plus a slow query.</summary>
    public TimeSpan SilenceLimit { get; init; } = TimeSpan.FromSeconds(20);

    public long Records => Interlocked.Read(ref _records);

    public long Heartbeats => Interlocked.Read(ref _heartbeats);

    /// <summary>Processes started (1 + restarts).</summary>
    public long Starts => Interlocked.Read(ref _starts);

    /// <summary>The running source's process id (0 when none runs).</summary>
    public int ProcessId => Volatile.Read(ref _pid);

    /// <summary>Runs the source until <paramref name="ct"/> is cancelled; each record (or loss) goes to
    /// <paramref name="update"/>, progress lines to <paramref name="note"/>.</summary>
    public async Task RunAsync(Action<HostState?, HostFailure?> update, Action<string>? note, CancellationToken ct)
    {
        var lost = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var recordsBefore = Records;
            var failure = await RunOnceAsync(update, note, ct).ConfigureAwait(false);
            if (Records > recordsBefore) lost = 0;
            update(null, failure);
            var delay = Backoff[Math.Min(lost++, Backoff.Length - 1)];
            note?.Invoke($"{HostName}: {failure.Message}; starting its source again in {delay.TotalSeconds:0} s.");
            await Task.Delay(delay, context.Clock, ct).ConfigureAwait(false);
        }
    }

    private async Task<HostFailure> RunOnceAsync(Action<HostState?, HostFailure?> update, Action<string>? note, CancellationToken ct)
    {
        var host = context.HostOf(HostName);
        var tmux = context.TmuxFor(HostName);
        var nonce = ListPanes.NewNonce();
        var pattern = units.Count == 0 ? null : TenantNames.AgentPattern(context.Roster.Tenant);
        var systemctl = context.SystemctlProgramOn(HostName);
        var spec = HostStreamScript.Command(tmux.Program, systemctl, HeartbeatRounds, nonce, tmux.SocketName, pattern, TenantNames.AgentFileGlob(context.Roster.Tenant));
        var process = context.Runner.StartLongLived(host, spec);
        if (process is null) return Lost(host, $"'{host.Wrap(spec).Argv[0]}' was not found");
        Interlocked.Increment(ref _starts);
        Volatile.Write(ref _pid, process.Id);
        note?.Invoke($"{HostName}: source started, pid {process.Id.ToString(CultureInfo.InvariantCulture)} ({process.Spec.Argv[0]}).");
        var framer = new HostStreamFramer(nonce);
        var query = new FleetQuery(context);
        string? silent = null;
        try
        {
            var pending = process.ReadLineAsync();
            while (true)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var timer = Task.Delay(SilenceLimit, context.Clock, wait.Token);
                var done = await Task.WhenAny(pending, timer).ConfigureAwait(false);
                wait.Cancel();
                ct.ThrowIfCancellationRequested();
                if (done != pending)
                {
                    silent = $"its source said nothing for {SilenceLimit.TotalSeconds:0} s";
                    break;
                }
                var line = await pending.ConfigureAwait(false);
                if (line is null) break;
                pending = process.ReadLineAsync();
                switch (framer.Push(line))
                {
                    case HostStreamItemKind.Heartbeat:
                        Interlocked.Increment(ref _heartbeats);
                        break;
                    case HostStreamItemKind.Record:
                        Interlocked.Increment(ref _records);
                        update(Interpret(query, host, tmux, nonce, systemctl, pattern, framer.Record, out var failure), failure);
                        break;
                }
            }
        }
        catch
        {
            process.Dispose(); // cancelled (Ctrl+C): killed with its tree
            throw;
        }
        finally
        {
            process.Kill();
            Volatile.Write(ref _pid, 0);
        }
        var err = (await process.StderrTailAsync().ConfigureAwait(false)).Trim();
        var code = process.ExitCode;
        process.Dispose();
        if (silent is not null) return Lost(host, silent);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(3).Select(l => l.Trim());
        var why = err.Length == 0 ? "" : ": " + string.Join(" ", lines);
        return Lost(host, $"its source ended (exit {code.ToString(CultureInfo.InvariantCulture)}){why}");
    }

    private HostState? Interpret(FleetQuery query, FleetHost host, TmuxCommand tmux, string nonce, string systemctl, string? pattern, string record, out HostFailure? failure)
    {
        failure = null;
        var report = HostStreamScript.ParseRecord(record, nonce, tmux, systemctl, pattern, host.IsLocal);
        if (report is null)
        {
            failure = new HostFailure(HostName, FleetErrorIds.FleetHostCommandFailed, $"The shell on {HostName} printed a record of the fleet query that does not parse.");
            return null;
        }
        try
        {
            return query.Interpret(host, tmux, nonce, report, units);
        }
        catch (FleetHostException ex)
        {
            failure = new HostFailure(ex.Host, ex.ErrorId, ex.Message);
            return null;
        }
    }

    private HostFailure Lost(FleetHost host, string why)
        => new(HostName, FleetErrorIds.FleetHostUnreachable, host.IsLocal ? $"Lost the fleet's source on this machine: {why}" : $"Cannot reach host {HostName}: {why}");
}
