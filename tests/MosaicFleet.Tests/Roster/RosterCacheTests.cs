using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Tests.Roster;

public sealed class RosterCacheTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mfcache-" + Guid.NewGuid().ToString("N")[..8]);

    public RosterCacheTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string text, string name = "roster.yaml")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Unchanged_file_is_parsed_once()
    {
        var path = Write("version: 1\nagents:\n  - { name: a1, runtime: pi }\n");
        var first = RosterCache.Load(path);
        Assert.Same(first, RosterCache.Load(path));
        Assert.Equal("a1", first.Agents.Single().Name);
    }

    [Fact]
    public void Changed_text_of_the_same_length_is_parsed_again()
    {
        var path = Write("version: 1\nagents:\n  - { name: a1, runtime: pi }\n");
        var first = RosterCache.Load(path);
        var mtime = File.GetLastWriteTimeUtc(path);
        File.WriteAllText(path, "version: 1\nagents:\n  - { name: b2, runtime: pi }\n");
        File.SetLastWriteTimeUtc(path, mtime);
        var second = RosterCache.Load(path);
        Assert.NotSame(first, second);
        Assert.Equal("b2", second.Agents.Single().Name);
    }

    [Fact]
    public void A_roster_that_does_not_validate_is_reported_every_time()
    {
        var path = Write("version: 1\nagents:\n  - { name: a1, runtime: nope }\n");
        Assert.Equal(FleetErrorIds.RosterUnknownRuntime, Assert.Throws<RosterException>(() => RosterCache.Load(path)).ErrorId);
        Assert.Equal(FleetErrorIds.RosterUnknownRuntime, Assert.Throws<RosterException>(() => RosterCache.Load(path)).ErrorId);
        Assert.Equal(FleetErrorIds.RosterNotFound, Assert.Throws<RosterException>(() => RosterCache.Load(Path.Combine(_dir, "missing.yaml"))).ErrorId);
    }

    [Fact]
    public void First_pane_by_session_takes_the_lowest_window_then_pane()
    {
        static TmuxPane Pane(string s, int w, int p, string id) => new(s, w, p, id, 1, "sleep", false, null, null, "/");
        var state = new HostState([Pane("a", 1, 0, "%3"), Pane("a", 0, 1, "%2"), Pane("a", 0, 0, "%1"), Pane("b", 2, 0, "%4")], true, null, null, []);
        Assert.Equal("%1", state.FirstPaneBySession["a"].PaneId);
        Assert.Equal("%4", state.FirstPaneBySession["b"].PaneId);
        Assert.False(state.FirstPaneBySession.ContainsKey("c"));
    }
}
