using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Messaging;

/// <summary>Issue 14: never type over a draft. The draft is what the cursor-anchored input area holds beyond a prompt.</summary>
public sealed class DraftSafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mf-draft-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PaneProbe Real(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Data");
        var cursor = File.ReadAllText(Path.Combine(dir, name + ".cursor.txt")).Trim().Split(' ');
        return new PaneProbe(false, int.Parse(cursor[0]), int.Parse(cursor[1]), File.ReadAllText(Path.Combine(dir, name + ".txt")));
    }

    private static readonly IReadOnlyDictionary<string, FleetRuntime> BuiltIn = BuiltInRuntimes.Create();

    [Theory]
    [InlineData("claude-2.1.332-idle")]
    [InlineData("claude-2.1.332-busy")]
    [InlineData("claude-2.1.332-answered")]
    [InlineData("codex-0.171.0-idle")]      // "› Ask Codex to do anything": a placeholder right of the cursor
    [InlineData("codex-0.171.0-busy")]
    [InlineData("codex-0.171.0-answered")]
    [InlineData("opencode-1.18.33-idle")]   // "┃  Ask anything… "Fix a TODO in the codebase"": a placeholder
    [InlineData("opencode-1.18.33-busy")]
    [InlineData("opencode-1.18.33-answered")]
    [InlineData("pi-0.73.1-ready")]
    [InlineData("pi-0.73.1-busy")]
    [InlineData("pi-0.73.1-answered")]
    public void A_real_empty_input_box_with_or_without_placeholder_holds_no_draft(string screen)
        => Assert.Null(OperatorDraft.Find(Real(screen), BuiltIn[screen[..screen.IndexOf('-')]].InputPattern));

    [Theory]
    [InlineData("claude-2.1.332-draft")]
    [InlineData("codex-0.171.0-draft")]
    [InlineData("opencode-1.18.33-draft")]
    [InlineData("pi-0.73.1-draft")]
    public void A_real_typed_draft_is_seen(string screen)
        => Assert.Equal("hello MARKER-ONE please answer", OperatorDraft.Find(Real(screen), BuiltIn[screen[..screen.IndexOf('-')]].InputPattern));

    [Theory]
    [InlineData("claude-2.1.332-trust-dialog", "❯ No, exit | Yes, I trust this folder | Enter to confirm")]
    [InlineData("claude-2.1.332-apikey-dialog", "Enter to confirm")]
    [InlineData("claude-2.1.332-permission", "Do you want to")]
    [InlineData("codex-0.171.0-permission", "Would you like to")]
    [InlineData("opencode-1.18.33-permission", "Permission required")]
    public void Real_dialogs_and_permission_prompts_block_with_their_text(string screen, string shown)
    {
        var dialog = MessageSender.Dialog(BuiltIn[screen[..screen.IndexOf('-')]], Real(screen).Screen);
        Assert.NotNull(dialog);
        Assert.Contains(shown, dialog);
    }

    [Theory]
    [InlineData("claude-2.1.332-idle")]
    [InlineData("claude-2.1.332-draft")]
    [InlineData("claude-2.1.332-busy")]
    [InlineData("codex-0.171.0-idle")]
    [InlineData("codex-0.171.0-busy")]
    [InlineData("opencode-1.18.33-idle")]
    [InlineData("opencode-1.18.33-busy")]
    [InlineData("pi-0.73.1-ready")]
    public void Real_input_boxes_do_not_block(string screen)
        => Assert.Null(MessageSender.Dialog(BuiltIn[screen[..screen.IndexOf('-')]], Real(screen).Screen));

    [Theory]
    [InlineData("> ", null)]
    [InlineData("❯ ", null)]
    [InlineData("› ", null)]
    [InlineData(">>> ", null)]
    [InlineData("You: ", null)]
    [InlineData("agent> ", null)]
    [InlineData("│ > │", null)]
    [InlineData("", null)]
    [InlineData("> half a sentence", "half a sentence")]
    [InlineData("❯ !ls", "!ls")]
    [InlineData("!ls", "!ls")]
    [InlineData("hello", "hello")]
    [InlineData("You: tell me", "tell me")]
    [InlineData("│ > first line     │\n│   second line    │", "first line second line")]
    [InlineData("> ??", "??")]
    // A line REPL: its banner or last answer right above the prompt row is output, not a draft.
    [InlineData("Welcome to the REPL, version 2\n> ", null)]
    [InlineData("the answer is 42\n>>> ", null)]
    [InlineData("banner\n> typed by hand", "typed by hand")]
    [InlineData("❯ first\nsecond", "first second")]
    public void The_prompt_is_not_a_draft_and_anything_after_it_is(string area, string? draft) => Assert.Equal(draft, OperatorDraft.Text(area));

    [Fact]
    public void Without_a_cursor_position_or_with_the_cursor_below_the_output_there_is_no_judgment()
    {
        Assert.Null(OperatorDraft.Find(new PaneProbe(false, null, null, "\n> draft\n"), null));
        Assert.Null(OperatorDraft.Find(new PaneProbe(false, 0, 3, "working...\n"), null));
        Assert.Equal("draft", OperatorDraft.Find(new PaneProbe(false, 7, 1, "\n> draft\n"), null));
    }

    private (FleetRoster Roster, FakeTmux Tmux, FakeTmux.Pane Pane, MessageLog Log) One()
    {
        var yaml = "version: 1\ntmux: { socketName: fleet }\nruntimes:\n  fake: { command: fake, paneCommands: [fake], resetCommand: /clear }\nagents:\n  - { name: a, runtime: fake }\n";
        var roster = RosterLoader.Parse(yaml, Path.Combine(_dir, "roster.yaml"));
        var tmux = new FakeTmux();
        var pane = tmux.Add("a");
        pane.Command = "fake";
        return (roster, tmux, pane, new MessageLog(Path.Combine(_dir, "messages.jsonl")));
    }

    private MessageSender Sender(FleetRoster roster, FakeTmux tmux, MessageLog log, bool force = false, bool verify = true) => new(new FleetContext(roster, tmux, _ => null), new SendOptions
    {
        Timeout = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(10), RetryAfter = TimeSpan.FromMilliseconds(300),
        DraftWait = TimeSpan.FromMilliseconds(300), LockDirectory = Path.Combine(_dir, "locks"), Force = force, Verify = verify,
        DraftSettle = TimeSpan.FromMilliseconds(400),
    }, log);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_draft_in_the_input_area_is_DraftPresent_and_nothing_is_typed(bool verify)
    {
        var (roster, tmux, pane, log) = One();
        pane.Draft = "operator was typing thi";
        var r = (await Sender(roster, tmux, log, verify: verify).SendAsync([new SendRequest(roster.Agents[0], "hello", "op")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.DraftPresent, r.Status);
        Assert.Equal("the input area already holds text (an unsent draft): \"operator was typing thi\"; nothing was typed, since the message would join it (-Force types anyway)", r.Detail);
        Assert.Equal(0, pane.Pastes);
        Assert.Equal("operator was typing thi", pane.Draft);
        Assert.Empty(pane.Received);
        Assert.Equal(FleetSendStatus.DraftPresent, (await log.ReadAsync(CancellationToken.None)).Entries.Single().Status);

        var reset = (await Sender(roster, tmux, log).SendAsync([new SendRequest(roster.Agents[0], "/clear", null, "reset")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.DraftPresent, reset.Status);
        Assert.Equal(0, pane.Pastes);
    }

    [Fact]
    public async Task Text_that_leaves_the_input_area_within_the_settle_time_is_not_a_draft()
    {
        // The previous sender submitted and let go of the lock; its message is still in the box for a moment.
        var (roster, tmux, pane, log) = One();
        pane.Draft = "[other] previous message";
        var looks = 0;
        var runner = new FakeRunner(next: tmux, answer: spec =>
        {
            if (spec.Argv.Contains("capture-pane") && Interlocked.Increment(ref looks) == 2) pane.Draft = "";
            return null;
        });
        var sender = new MessageSender(new FleetContext(roster, runner, _ => null), new SendOptions
        {
            Timeout = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(10), DraftWait = TimeSpan.FromMilliseconds(300),
            LockDirectory = Path.Combine(_dir, "locks"), DraftSettle = TimeSpan.FromSeconds(5),
        }, log);
        var r = (await sender.SendAsync([new SendRequest(roster.Agents[0], "hello", "op")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.Accepted, r.Status);
        Assert.Equal(["[op] hello"], pane.Received);
    }


    [Fact]
    public async Task Force_types_after_the_draft()
    {
        var (roster, tmux, pane, log) = One();
        pane.Draft = "draft ";
        var r = (await Sender(roster, tmux, log, force: true).SendAsync([new SendRequest(roster.Agents[0], "hello", "op")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.Accepted, r.Status);
        Assert.Equal(["draft [op] hello"], pane.Received);
    }

    [Fact]
    public async Task A_placeholder_right_of_the_cursor_is_not_a_draft()
    {
        var (roster, tmux, pane, log) = One();
        // As Codex's idle box: the cursor right after "› ", the placeholder drawn after it.
        pane.Screen = "history\n\n› Ask Codex to do anything\n\n  gpt-5 default · ~/work\n";
        pane.Cursor = (2, 2);
        var r = (await Sender(roster, tmux, log, verify: false).SendAsync([new SendRequest(roster.Agents[0], "hello", "op")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.Submitted, r.Status);
        Assert.Equal(1, pane.Pastes);
    }
}
