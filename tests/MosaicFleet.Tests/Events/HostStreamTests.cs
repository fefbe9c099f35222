using System.Diagnostics;
using MosaicFleet.Engine.Events;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Tests.Events;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class HostStreamTests
{
    private const string Nonce = "0123456789abcdef0123456789abcdef";
    private const string M = "@@mosaic-fleet:" + Nonce + ":";
    private static readonly TmuxCommand Tmux = new("sock", "/opt/tmux", forceUtf8: true);

    private static string Pane(string session, string paneId, int pid, long activity, string path)
        => string.Join('\x1f', session, "0", "0", paneId, pid.ToString(), "cat", "0", "", activity.ToString(), path) + "\x1e" + Nonce + "\n";

    // What one round of the query prints with its stderr merged in (the source's record body).
    private static string Record(string listPanes, int lpCode, string? units = null, int scCode = 0, string files = "")
    {
        var text = M + "home:/home/u\n" + M + "list-panes\n" + listPanes + M + "list-panes-exit:" + lpCode + "\n" + M + "systemctl\n";
        if (units is not null) text += units + M + "systemctl-exit:" + scCode + "\n" + files + M + "unit-files-end\n";
        return text + M + "end\n" + M + "end\n";
    }

    [Fact]
    public void Framer_collects_a_record_between_its_markers_and_ignores_everything_else()
    {
        var f = new HostStreamFramer(Nonce);
        Assert.Equal(HostStreamItemKind.None, f.Push("Welcome to the host (a login banner)"));
        Assert.Equal(HostStreamItemKind.None, f.Push(M + "record"));
        Assert.Equal(HostStreamItemKind.None, f.Push("line one"));
        // A frame marker of another nonce (a forged one in a pane path) is data, not the end.
        Assert.Equal(HostStreamItemKind.None, f.Push("@@mosaic-fleet:ffffffffffffffffffffffffffffffff:record-end"));
        Assert.Equal(HostStreamItemKind.None, f.Push("line two\r"));
        Assert.Equal(HostStreamItemKind.Record, f.Push(M + "record-end"));
        Assert.Equal("line one\n@@mosaic-fleet:ffffffffffffffffffffffffffffffff:record-end\nline two\n", f.Record);
        Assert.Equal(HostStreamItemKind.Heartbeat, f.Push(M + "alive"));
        Assert.Equal(HostStreamItemKind.None, f.Push("@@mosaic-fleet:ffffffffffffffffffffffffffffffff:alive"));
        Assert.Equal(HostStreamItemKind.None, f.Push(M + "record-end")); // an end without a start
    }

    [Fact]
    public void Framer_drops_a_record_larger_than_its_limit()
    {
        var f = new HostStreamFramer(Nonce) { MaxRecordChars = 10 };
        f.Push(M + "record");
        f.Push(new string('x', 20));
        Assert.Equal(HostStreamItemKind.None, f.Push(M + "record-end"));
        f.Push(M + "record");
        f.Push("ok");
        Assert.Equal(HostStreamItemKind.Record, f.Push(M + "record-end"));
        Assert.Equal("ok\n", f.Record);
    }

    [Fact]
    public void ParseRecord_splits_the_commands_outputs_as_the_one_shot_query_does()
    {
        var panes = Pane("a1", "%1", 42, 1_800_000_000, "/tmp/x; $(rm -rf ~) '\"");
        var units = "mosaic-agent@a1.service loaded active running A\n";
        var report = HostStreamScript.ParseRecord(Record(panes, 0, units, 0, "F mosaic-agent@.service\n"), Nonce, Tmux, "/opt/systemctl", "mosaic-agent@*", local: true);
        Assert.NotNull(report);
        Assert.Equal("/home/u", report.Home);
        Assert.True(report.ListPanes.Success);
        Assert.Equal(panes, report.ListPanes.Stdout);
        Assert.Equal(Tmux.ListPanes(Nonce), report.ListPanes.Spec.Argv);
        var pane = Assert.Single(ListPanes.Parse(report.ListPanes.Stdout, Nonce, out var rejected));
        Assert.Empty(rejected);
        Assert.Equal(("a1", "%1", 42, "/tmp/x; $(rm -rf ~) '\""), (pane.SessionName, pane.PaneId, pane.PanePid, pane.PanePath));
        Assert.Equal(units, report.ListUnits!.Stdout);
        Assert.Equal("/opt/systemctl", report.ListUnits.Spec.Argv[0]);
        Assert.Equal(Engine.Systemd.UnitFileKind.File, report.UnitFiles!.Kind("mosaic-agent@.service"));
    }

    [Fact]
    public void ParseRecord_reads_a_failed_command_s_text_as_its_error_and_127_here_as_not_found()
    {
        var report = HostStreamScript.ParseRecord(Record("no server running on /tmp/tmux-0/sock\n", 1), Nonce, Tmux, "systemctl", null, local: true)!;
        Assert.False(report.ListPanes.Success);
        Assert.Equal("", report.ListPanes.Stdout);
        Assert.True(ListPanes.IsNoServer(report.ListPanes.Stderr));
        Assert.Null(report.ListUnits);

        var missing = HostStreamScript.ParseRecord(Record("sh: 1: /opt/tmux: not found\n", 127), Nonce, Tmux, "systemctl", null, local: true)!;
        Assert.Equal(CommandFailure.ProgramNotFound, missing.ListPanes.FailureOn(remote: false));
        var remote = HostStreamScript.ParseRecord(Record("sh: 1: tmux: not found\n", 127), Nonce, Tmux, "systemctl", null, local: false)!;
        Assert.False(remote.ListPanes.NotFound);
        Assert.Equal(CommandFailure.ProgramNotFound, remote.ListPanes.FailureOn(remote: true));
    }

    [Theory]
    [InlineData("home")]
    [InlineData("list-panes-exit")]
    [InlineData("unit-files-end")]
    [InlineData("end")]
    public void ParseRecord_refuses_a_record_cut_short(string cutAt)
    {
        var full = Record(Pane("a1", "%1", 1, 1, "/"), 0, "", 0);
        var cut = full[..full.LastIndexOf(M + cutAt, StringComparison.Ordinal)];
        Assert.Null(HostStreamScript.ParseRecord(cut, Nonce, Tmux, "systemctl", "mosaic-agent@*", local: false));
        Assert.NotNull(HostStreamScript.ParseRecord(full, Nonce, Tmux, "systemctl", "mosaic-agent@*", local: false));
        // Another nonce's markers are not this stream's.
        Assert.Null(HostStreamScript.ParseRecord(full, "ffffffffffffffffffffffffffffffff", Tmux, "systemctl", "mosaic-agent@*", local: false));
    }

    [Fact]
    public void Script_is_one_constant_line_that_runs_the_query_script_and_takes_every_value_as_an_argument()
    {
        Assert.DoesNotContain('\n', HostStreamScript.Script);
        Assert.Contains(RemoteHostQuery.Script, HostStreamScript.Script, StringComparison.Ordinal);
        var hostile = "s'; touch /tmp/pwned; '";
        var spec = HostStreamScript.Command("/opt/tmux", "systemctl", 5, Nonce, hostile, "mosaic-agent@*", "mosaic-agent@*.service");
        Assert.Equal(["sh", "-c", HostStreamScript.Script, "sh", "/opt/tmux", "systemctl", "5", Nonce, hostile, ListPanes.FormatFor(Nonce), "mosaic-agent@*", "mosaic-agent@*.service"], spec.Argv);
    }

    // The real loop under sh, with a tmux that prints one pane whose activity stamp comes from a file: one record at the
    // start, none while the file stays the same (only heartbeats), one more when it changes.
    [Fact]
    public async Task Script_under_sh_prints_a_record_only_when_the_output_changed()
    {
        var dir = Directory.CreateTempSubdirectory("mfhs-");
        try
        {
            var stamp = Path.Combine(dir.FullName, "stamp");
            File.WriteAllText(stamp, "1800000000");
            var tmux = Path.Combine(dir.FullName, "tmux");
            File.WriteAllText(tmux, "#!/bin/sh\nf=$7; n=${f##*\"$(printf '\\036')\"}\nprintf 'a1\\0370\\0370\\037%%1\\03742\\037cat\\0370\\037\\037%s\\037/tmp\\036%s\\n' \"$(cat \"$STAMP\")\" \"$n\"\n");
            File.SetUnixFileMode(tmux, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var spec = HostStreamScript.Command(tmux, "/bin/false", 1, Nonce, "sock", null, null);
            var psi = new ProcessStartInfo(spec.Argv[0]) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in spec.Argv.Skip(1)) psi.ArgumentList.Add(a);
            psi.Environment["STAMP"] = stamp;
            using var p = Process.Start(psi)!;
            var framer = new HostStreamFramer(Nonce);
            var records = new List<string>();
            var heartbeats = 0;
            var reader = Task.Run(() =>
            {
                string? line;
                while ((line = p.StandardOutput.ReadLine()) is not null)
                {
                    var kind = framer.Push(line);
                    lock (records)
                    {
                        if (kind == HostStreamItemKind.Record) records.Add(framer.Record);
                        else if (kind == HostStreamItemKind.Heartbeat) heartbeats++;
                    }
                }
            });
            try
            {
                await WaitFor(() => { lock (records) return records.Count >= 1 && heartbeats >= 2; }, TimeSpan.FromSeconds(20));
                int count;
                lock (records) count = records.Count;
                Assert.Equal(1, count);
                File.WriteAllText(stamp, "1800000009");
                await WaitFor(() => { lock (records) return records.Count >= 2; }, TimeSpan.FromSeconds(20));
                string second;
                lock (records) second = records[1];
                var report = HostStreamScript.ParseRecord(second, Nonce, new TmuxCommand("sock", tmux, true), "/bin/false", null, local: true);
                Assert.NotNull(report);
                var pane = Assert.Single(ListPanes.Parse(report.ListPanes.Stdout, Nonce, out _));
                Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_800_000_009), pane.WindowActivity);
            }
            finally
            {
                p.Kill(entireProcessTree: true);
                await reader;
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        static async Task WaitFor(Func<bool> done, TimeSpan limit)
        {
            var sw = Stopwatch.StartNew();
            while (true)
            {
                if (done()) return;
                if (sw.Elapsed > limit) throw new TimeoutException("the source did not print what was expected in time");
                await Task.Delay(50);
            }
        }
    }
}
