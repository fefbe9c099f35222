using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Tests.Messaging;

namespace MosaicFleet.Tests.Tmux;

public class SendCommandsTests
{
    private static readonly TmuxCommand Tmux = new("fleet");

    [Fact]
    public void Paste_is_bracketed_keeps_line_feeds_and_targets_the_pane_id()
    {
        var argv = SendCommands.LoadAndPasteMany(Tmux, "buf1", ["%7"], "M");
        Assert.Equal(["tmux", "-L", "fleet", "load-buffer", "-b", "buf1", "-", ";", "if-shell", "-F", "-t", "%7"], argv.Take(12));
        Assert.StartsWith("paste-buffer -p -r -b buf1 -t %7 ;", argv[13]);
    }

    [Fact]
    public void Paste_refuses_a_target_that_is_not_a_pane_id()
        => Assert.Throws<ArgumentException>(() => SendCommands.LoadAndPasteMany(Tmux, "b", ["coder1"], "M"));

    [Fact]
    public void Resolve_uses_list_panes_on_the_exact_session_window()
    {
        var argv = SendCommands.ResolvePane(Tmux, "coder1");
        Assert.Equal("list-panes", argv[3]);
        Assert.Equal("=coder1:", argv[5]);
    }

    [Fact]
    public void Resolve_picks_the_active_pane()
    {
        var p = SendCommands.ParseResolve("0\u001f%3\u001f0\n1\u001f%4\u001f1\n");
        Assert.Equal(new PaneRef("%4", true), p);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1\u001fcoder\u001f0\n")]
    [InlineData("garbage")]
    public void Resolve_rejects_what_is_not_a_pane(string stdout) => Assert.Null(SendCommands.ParseResolve(stdout));

    [Fact]
    public void Resolve_skips_a_login_banner_before_the_pane_records()
        => Assert.Equal(new PaneRef("%4", false), SendCommands.ParseResolve("Welcome to far\nLast login: never\n1%10\n1\u001f%4\u001f0\n"));

    [Fact]
    public void Submit_key_is_one_key_name_to_the_pane()
        => Assert.Equal(["tmux", "-L", "fleet", "send-keys", "-t", "%1", "Escape"], SendCommands.SendKey(Tmux, "%1", "Escape"));

    [Theory]
    [InlineData("can't find session: x", TmuxFailure.NoSession)]
    [InlineData("no server running on /tmp/tmux-0/x", TmuxFailure.NoSession)]
    [InlineData("can't find pane: %9", TmuxFailure.PaneGone)]
    [InlineData("something else", TmuxFailure.Other)]
    public void Failures_are_classified(string stderr, TmuxFailure expected) => Assert.Equal(expected, TmuxFailures.Classify(stderr));

    [Fact]
    public void Buffer_names_are_unique() => Assert.NotEqual(SendCommands.NewBufferName(), SendCommands.NewBufferName());
}
