using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Messaging;

public sealed class FileLockAndLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mf-lock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_held_lock_times_out_for_the_second_taker_and_frees_on_dispose()
    {
        var path = Path.Combine(_dir, "locks", "a.lock");
        var first = await FileLock.AcquireAsync(path, TimeSpan.FromSeconds(1), CancellationToken.None);
        await Assert.ThrowsAsync<TimeoutException>(() => FileLock.AcquireAsync(path, TimeSpan.FromMilliseconds(100), CancellationToken.None));
        first.Dispose();
        using var second = await FileLock.AcquireAsync(path, TimeSpan.FromMilliseconds(100), CancellationToken.None);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_dir, "locks")));
    }

    [Fact]
    public async Task Concurrent_appends_keep_every_line_whole_and_the_file_private()
    {
        var log = new MessageLog(Path.Combine(_dir, "state", "messages.jsonl"));
        var body = new string('x', 3000);
        await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => log.AppendAsync(new FleetMessageLogEntry
        {
            Time = DateTimeOffset.UtcNow, Agent = $"a{i}", Source = "op", Status = FleetSendStatus.Accepted, Message = $"{i}:{body}\nline2",
        }, CancellationToken.None))));
        var (entries, bad) = await log.ReadAsync(CancellationToken.None);
        Assert.Equal(0, bad);
        Assert.Equal(64, entries.Count);
        Assert.Equal(64, entries.Select(e => e.Agent).Distinct().Count());
        Assert.All(entries, e => Assert.Equal($"{e.Agent[1..]}:{body}\nline2", e.Message));
        Assert.Equal(64, File.ReadAllLines(log.Path).Length);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log.Path));
    }

    [Fact]
    public void Entries_serialize_as_one_camelCase_json_line()
    {
        var line = MessageLog.Serialize(new FleetMessageLogEntry { Agent = "a", Message = "x\ny", Status = FleetSendStatus.Accepted });
        Assert.DoesNotContain('\n', line);
        Assert.Contains("\"agent\":\"a\"", line);
        Assert.Equal("x\ny", MessageLog.Parse(line)!.Message);
        Assert.Null(MessageLog.Parse("{not json"));
    }

    [Fact]
    public void The_log_lives_under_XDG_STATE_HOME_or_the_home_state_folder()
    {
        Assert.Equal("/s/mosaic/fleet/messages.jsonl", MessageLog.DefaultPath(k => k == "XDG_STATE_HOME" ? "/s" : null, "/h"));
        Assert.Equal("/h/.local/state/mosaic/fleet/messages.jsonl", MessageLog.DefaultPath(_ => null, "/h"));
    }

    [Fact]
    public void Last_lines_trims_trailing_blank_lines()
        => Assert.Equal(["b", "c"], AgentOutput.LastLines("a\nb  \nc\n\n\n", 2));
}
