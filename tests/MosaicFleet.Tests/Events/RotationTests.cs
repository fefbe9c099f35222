using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Events;

namespace MosaicFleet.Tests.Events;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RotationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mft-rot-" + Guid.NewGuid().ToString("N")[..8]);

    public RotationTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FleetEvent Ev(int i) => new() { Time = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000 + i), Agent = $"a{i}", Property = "Status", From = "Running", To = "Dead" };

    [Fact]
    public async Task Record_rotates_at_its_size_keeps_N_copies_and_reads_back_across_them_in_order()
    {
        var record = new EventRecord(Path.Combine(_dir, "t", "events.jsonl")) { MaxBytes = 400, Keep = 3 };
        for (var i = 0; i < 40; i++) await record.AppendAsync([Ev(i)], default);
        Assert.True(File.Exists(record.Path + ".1"));
        Assert.True(File.Exists(record.Path + ".3"));
        Assert.False(File.Exists(record.Path + ".4"));
        foreach (var f in RotatingJsonl.Files(record.Path))
        {
            Assert.True(new FileInfo(f).Length <= 400, f);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f));
        }
        var (events, bad) = await record.ReadAsync(default);
        Assert.Equal(0, bad);
        // The oldest were dropped with the fourth copy; what is left is in order and has no gap.
        Assert.Equal("a39", events[^1].Agent);
        var numbers = events.Select(e => int.Parse(e.Agent[1..])).ToList();
        Assert.Equal(Enumerable.Range(numbers[0], numbers.Count), numbers);
        Assert.True(numbers[0] > 0);
    }

    [Fact]
    public async Task A_tail_follows_the_record_through_a_rotation_without_losing_or_repeating_lines()
    {
        var record = new EventRecord(Path.Combine(_dir, "events.jsonl")) { MaxBytes = 1000, Keep = 5 };
        // Lines of about 130 bytes: a rotation every 7 lines, read every 4 (a tail follows one rotation between two reads).
        await record.AppendAsync([Ev(0)], default);
        var tail = record.Tail();
        tail.SkipToEnd();
        var seen = new List<string>();
        for (var i = 1; i < 30; i++)
        {
            await record.AppendAsync([Ev(i)], default);
            if (i % 4 == 0) seen.AddRange(tail.ReadNew().Select(l => EventRecord.Parse(l)?.Agent ?? "BAD:" + l));
        }
        seen.AddRange(tail.ReadNew().Select(l => EventRecord.Parse(l)?.Agent ?? "BAD:" + l));
        Assert.True(File.Exists(record.Path + ".2"));
        Assert.Equal(Enumerable.Range(1, 29).Select(i => $"a{i}"), seen);
    }

    [Fact]
    public void A_tail_reads_only_complete_lines()
    {
        var path = Path.Combine(_dir, "x.jsonl");
        File.WriteAllText(path, "");
        var tail = new JsonlTail(path);
        tail.SkipToEnd();
        File.AppendAllText(path, "{\"a\":1}\n{\"b\":");
        Assert.Equal(["{\"a\":1}"], tail.ReadNew());
        File.AppendAllText(path, "2}\n");
        Assert.Equal(["{\"b\":2}"], tail.ReadNew());
        Assert.Empty(tail.ReadNew());
    }

    [Fact]
    public void The_record_lives_under_the_tenant_in_XDG_STATE_HOME_and_a_tenant_is_one_path_segment()
    {
        string? Env(string k) => k == "XDG_STATE_HOME" ? "/state" : null;
        Assert.Equal("/state/mosaic/fleet/acme/events.jsonl", EventRecord.DefaultPath(Env, "/home/op", "acme"));
        Assert.Equal("/home/op/.local/state/mosaic/fleet/acme/events.jsonl", EventRecord.DefaultPath(_ => null, "/home/op", "acme"));
        Assert.Equal("/state/mosaic/fleet/.._x/events.jsonl", EventRecord.DefaultPath(Env, "/home/op", "../x"));
        Assert.Equal("_..", EventRecord.SafeSegment(".."));
    }

    [Fact]
    public void Hostile_text_round_trips_through_the_record()
    {
        var e = new FleetEvent { Time = DateTimeOffset.UnixEpoch, Agent = "a", Property = "Message", Detail = "\u001b]0;pwned\u0007; rm -rf / \"'\n" + new string('x', 100_000) };
        var back = EventRecord.Parse(EventRecord.Serialize(e))!;
        Assert.Equal(e.Detail, back.Detail);
        Assert.DoesNotContain('\n', EventRecord.Serialize(e));
        Assert.Null(EventRecord.Parse("{not json"));
        Assert.Null(EventRecord.Parse("{\"agent\":\"\"}"));
    }

    [Fact]
    public void Only_one_writer_holds_the_record()
    {
        var record = new EventRecord(Path.Combine(_dir, "w", "events.jsonl"));
        Assert.False(record.RecorderRuns());
        using (var first = record.TryTakeWriterLock())
        {
            Assert.NotNull(first);
            Assert.Null(record.TryTakeWriterLock());
            Assert.True(record.RecorderRuns());
        }
        Assert.False(record.RecorderRuns());
    }

    [Fact]
    public void Message_events_carry_the_status_and_an_inert_first_line()
    {
        var e = Engine.Events.FleetEventWatcher.MessageEvent(new FleetMessageLogEntry
        {
            Time = DateTimeOffset.UnixEpoch, Agent = "a", Host = "h", Source = "ops", Status = FleetSendStatus.Submitted, Message = "run \u001b[31mtests\nsecond line", Kind = "message",
        });
        Assert.Equal(("Message", null, "Submitted"), (e.Property, e.From, e.To));
        Assert.Equal("message from ops: run \uFFFD[31mtests …", e.Detail);
    }

    [Fact]
    public async Task A_symlink_where_the_record_goes_is_refused_and_its_target_untouched()
    {
        var target = Path.Combine(_dir, "elsewhere.txt");
        File.WriteAllText(target, "keep me\n");
        var record = new EventRecord(Path.Combine(_dir, "s", "events.jsonl"));
        Directory.CreateDirectory(Path.GetDirectoryName(record.Path)!);
        File.CreateSymbolicLink(record.Path, target);
        var ex = await Assert.ThrowsAsync<Engine.IO.UnsafePathException>(() => record.AppendAsync([Ev(1)], default));
        Assert.Equal("FileIsSymlink", ex.ErrorId);
        await Assert.ThrowsAsync<Engine.IO.UnsafePathException>(() => record.ReadAsync(default));
        Assert.Equal("keep me\n", File.ReadAllText(target));
    }
}
