using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Messaging;

/// <summary>Issue 14: nothing is typed where it could act (control bytes, a drifted pane), and a delivery that typed
/// nothing says so (NotSent), never "may still arrive".</summary>
public sealed class DeliverySafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mf-safety-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (FleetRoster Roster, FakeTmux Tmux, FakeTmux.Pane Pane, MessageLog Log) One()
    {
        var yaml = "version: 1\ntmux: { socketName: fleet }\nruntimes:\n  fake: { command: fake, paneCommands: [fake] }\nagents:\n  - { name: a, runtime: fake }\n";
        var roster = RosterLoader.Parse(yaml, Path.Combine(_dir, "roster.yaml"));
        var tmux = new FakeTmux();
        var pane = tmux.Add("a");
        pane.Command = "fake";
        return (roster, tmux, pane, new MessageLog(Path.Combine(_dir, "messages.jsonl")));
    }

    private MessageSender Sender(FleetRoster roster, IProcessRunner runner, MessageLog? log = null, string? lockDir = null, TimeSpan? lockTimeout = null)
        => new(new FleetContext(roster, runner, _ => null), new SendOptions
        {
            Timeout = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(10), RetryAfter = TimeSpan.FromMilliseconds(300),
            DraftWait = TimeSpan.FromMilliseconds(300), LockDirectory = lockDir ?? Path.Combine(_dir, "locks"),
            LockTimeout = lockTimeout ?? TimeSpan.FromSeconds(30),
        }, log);


    [Theory]
    [MemberData(nameof(HostileTexts.Refused), MemberType = typeof(HostileTexts))]
    public void Control_characters_other_than_tab_and_line_breaks_are_refused_with_their_name_and_position(string @case, string text, string expected)
    {
        var why = MessageText.Refusal(text);
        Assert.True(why is not null, @case);
        Assert.Contains(expected, why);
    }

    [Theory]
    [MemberData(nameof(HostileTexts.Typed), MemberType = typeof(HostileTexts))]
    public void Tab_line_breaks_and_printable_text_are_typed(string @case, string text, string delivered)
    {
        Assert.True(MessageText.Refusal(text) is null, @case);
        Assert.Equal(delivered, MessageText.Compose(null, text));
    }

    [Fact]
    public void Half_a_surrogate_pair_is_refused_not_rewritten()
    {
        // Built in code: an attribute argument cannot hold a lone surrogate (metadata stores it as UTF-8, as U+FFFD).
        Assert.Contains("an unpaired UTF-16 surrogate U+D800 at position 1", MessageText.Refusal("a" + (char)0xD800 + "b"));
        Assert.Contains("U+DFFF at position 4", MessageText.Refusal("end " + (char)0xDFFF));
        Assert.Contains("U+DC00 at position 0", MessageText.Refusal(new string([(char)0xDC00, (char)0xD800])));
    }

    [Fact]
    public void A_whole_surrogate_pair_is_typed() => Assert.Null(MessageText.Refusal("emoji \ud83d\ude00 ok"));

    [Fact]
    public void A_message_over_1_MB_is_typed()
    {
        var text = HostileTexts.Large();
        Assert.True(text.Length > 1024 * 1024);
        Assert.Null(MessageText.Refusal(text));
    }

    [Theory]
    [MemberData(nameof(HostileTexts.Sources), MemberType = typeof(HostileTexts))]
    public void A_source_label_must_be_one_line_without_control_characters(string @case, string source, string expected)
    {
        var why = MessageText.Refusal(source, singleLine: true);
        Assert.True(why is not null, @case);
        Assert.Contains(expected, why);
    }

    [Fact]
    public async Task Text_with_a_control_byte_is_NotSent_without_a_single_tmux_call_and_is_logged()
    {
        var (roster, tmux, pane, log) = One();
        var r = (await Sender(roster, tmux, log).SendAsync([new SendRequest(roster.Agents[0], "a\u001b[201~b", "op")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.NotSent, r.Status);
        Assert.StartsWith("nothing was typed: the text holds the control character U+001B (ESC) at position 6", r.Detail);
        Assert.Empty(tmux.Calls);
        Assert.Equal(0, pane.Pastes);
        var (entries, _) = await log.ReadAsync(CancellationToken.None);
        Assert.Equal(FleetSendStatus.NotSent, Assert.Single(entries).Status);

        // A source label with a line break is refused the same way (the engine holds the rule for every caller).
        var s = (await Sender(roster, tmux).SendAsync([new SendRequest(roster.Agents[0], "fine", "ops\n")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.NotSent, s.Status);
        Assert.Contains("line break (U+000A (LF))", s.Detail);
        Assert.Empty(tmux.Calls);
    }

    [Fact]
    public async Task A_lock_timeout_is_NotSent_and_says_nothing_was_typed()
    {
        var (roster, tmux, pane, _) = One();
        var locks = Path.Combine(_dir, "locks");
        using var held = await FileLock.AcquireAsync(AgentLocks.PathFor(locks, "local", "local", "a"), TimeSpan.Zero, CancellationToken.None);
        var r = (await Sender(roster, tmux, lockDir: locks, lockTimeout: TimeSpan.FromMilliseconds(200)).SendAsync([new SendRequest(roster.Agents[0], "hi", "op")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.NotSent, r.Status);
        Assert.StartsWith("nothing was typed: another sender held the agent's lock", r.Detail);
        Assert.DoesNotContain("may", r.Detail);
        Assert.Equal(0, pane.Pastes);
    }

    [Fact]
    public async Task A_lock_file_that_cannot_be_opened_is_NotSent()
    {
        var (roster, tmux, pane, _) = One();
        var file = Path.Combine(_dir, "not-a-folder");
        File.WriteAllText(file, "");
        var r = (await Sender(roster, tmux, lockDir: Path.Combine(file, "locks")).SendAsync([new SendRequest(roster.Agents[0], "hi", "op")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.NotSent, r.Status);
        Assert.StartsWith("nothing was typed: the agent's lock file cannot be opened", r.Detail);
        Assert.Equal(0, pane.Pastes);
    }

    [Fact]
    public async Task A_resolve_that_fails_is_NotSent_and_a_baseline_capture_that_fails_too()
    {
        var (roster, tmux, pane, _) = One();
        var resolveFails = new FakeRunner(next: tmux, answer: spec => spec.Argv.Contains("list-panes") ? new CommandResult(spec, 1, "", "lost server", false, false, TimeSpan.Zero) : null);
        var r = (await Sender(roster, resolveFails).SendAsync([new SendRequest(roster.Agents[0], "hi", "op")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.NotSent, r.Status);
        Assert.StartsWith("nothing was typed: the pane could not be resolved", r.Detail);

        var captureFails = new FakeRunner(next: tmux, answer: spec => spec.Argv.Contains("capture-pane") ? new CommandResult(spec, 1, "", "lost server", false, false, TimeSpan.Zero) : null);
        var c = (await Sender(roster, captureFails).SendAsync([new SendRequest(roster.Agents[0], "hi", "op")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.NotSent, c.Status);
        Assert.StartsWith("nothing was typed: ", c.Detail);
        Assert.Equal(0, pane.Pastes);
    }
}
