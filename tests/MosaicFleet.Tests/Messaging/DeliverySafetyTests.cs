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
        Assert.Equal(delivered, MessageText.NormalizeLineBreaks(text));
    }

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

/// <summary>Issue 14: never type into a dialog; -WaitForIdle waits for one to go away without holding the lock.</summary>
public sealed class DialogSafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mf-dialog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string TrustDialog = "Accessing workspace:\n\n/work/project\n\n│ Do you trust the files in this folder?\n│ ❯ 1. Yes, proceed\n│   2. No, exit\n\nEnter to confirm · Esc to cancel\n";

    private (FleetRoster Roster, FakeTmux Tmux, FakeTmux.Pane Pane, MessageLog Log) One()
    {
        var yaml = "version: 1\ntmux: { socketName: fleet }\nruntimes:\n  fake: { command: fake, paneCommands: [fake], resetCommand: /clear, waitingPattern: 'Do you trust|Enter to confirm' }\nagents:\n  - { name: a, runtime: fake }\n";
        var roster = RosterLoader.Parse(yaml, Path.Combine(_dir, "roster.yaml"));
        var tmux = new FakeTmux();
        var pane = tmux.Add("a");
        pane.Command = "fake";
        return (roster, tmux, pane, new MessageLog(Path.Combine(_dir, "messages.jsonl")));
    }

    private MessageSender Sender(FleetRoster roster, IProcessRunner runner, MessageLog? log = null, bool waitForIdle = false, double idleSeconds = 5, bool verify = true, bool force = false)
        => new(new FleetContext(roster, runner, _ => null), new SendOptions
        {
            Timeout = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(10), RetryAfter = TimeSpan.FromMilliseconds(300),
            DraftWait = TimeSpan.FromMilliseconds(300), LockDirectory = Path.Combine(_dir, "locks"), Verify = verify, Force = force,
            WaitForIdle = waitForIdle, IdleTimeout = TimeSpan.FromSeconds(idleSeconds),
        }, log);

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task A_dialog_is_Blocked_with_its_text_nothing_typed_and_logged(bool verify, bool force)
    {
        var (roster, tmux, pane, log) = One();
        pane.Screen = TrustDialog;
        var r = (await Sender(roster, tmux, log, verify: verify, force: force).SendAsync([new SendRequest(roster.Agents[0], "hello", "op")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.Blocked, r.Status);
        Assert.Equal("the pane shows a dialog or menu (the runtime's waitingPattern matched); nothing was typed. It shows: "
            + "Accessing workspace: | /work/project | Do you trust the files in this folder? | ❯ 1. Yes, proceed | 2. No, exit | Enter to confirm · Esc to cancel", r.Detail);
        Assert.Equal(0, pane.Pastes);
        Assert.DoesNotContain(tmux.Calls, c => c.Argv.Contains("send-keys") || c.Argv.Contains("load-buffer"));
        var (entries, _) = await log.ReadAsync(CancellationToken.None);
        Assert.Equal((FleetSendStatus.Blocked, "hello"), (Assert.Single(entries).Status, entries[0].Message));
    }

    [Fact]
    public async Task A_reset_into_a_dialog_is_Blocked_too()
    {
        var (roster, tmux, pane, log) = One();
        pane.Screen = TrustDialog;
        var r = (await Sender(roster, tmux, log).SendAsync([new SendRequest(roster.Agents[0], "/clear", null, "reset")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.Blocked, r.Status);
        Assert.Equal(0, pane.Pastes);
        Assert.Equal("reset", (await log.ReadAsync(CancellationToken.None)).Entries.Single().Kind);
    }

    [Fact]
    public async Task WaitForIdle_waits_for_the_dialog_to_close_without_holding_the_lock_then_sends()
    {
        var (roster, tmux, pane, log) = One();
        pane.Screen = TrustDialog;
        var locks = Path.Combine(_dir, "locks");
        var send = Sender(roster, tmux, log, waitForIdle: true, idleSeconds: 20).SendAsync([new SendRequest(roster.Agents[0], "hello", "op")], CancellationToken.None);
        await Task.Delay(1500);
        Assert.False(send.IsCompleted);
        // While it waits, the agent's lock is free: another sender could take it at once.
        using (await FileLock.AcquireAsync(AgentLocks.PathFor(locks, "local", "local", "a"), TimeSpan.Zero, CancellationToken.None)) { }
        Assert.Equal(0, pane.Pastes);
        pane.Screen = null; // the operator answered the dialog
        var r = (await send)[0];
        Assert.Equal(FleetSendStatus.Accepted, r.Status);
        Assert.Equal(["[op] hello"], pane.Received);
    }

    [Fact]
    public async Task WaitForIdle_that_times_out_on_a_dialog_is_Blocked_and_on_a_busy_agent_NotSent()
    {
        var (roster, tmux, pane, log) = One();
        pane.Screen = TrustDialog;
        var r = (await Sender(roster, tmux, log, waitForIdle: true, idleSeconds: 1.5).SendAsync([new SendRequest(roster.Agents[0], "hello", "op")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.Blocked, r.Status);
        Assert.StartsWith("the pane still showed a dialog or menu after 1.5 s (-WaitForIdle); nothing was typed. It shows: Accessing workspace:", r.Detail);

        // A screen that changes at every look never becomes idle.
        var n = 0;
        var busy = new FakeRunner(next: tmux, answer: spec =>
        {
            if (spec.Argv.Contains("capture-pane")) pane.Screen = $"working {Interlocked.Increment(ref n)}\n";
            return null;
        });
        var b = (await Sender(roster, busy, log, waitForIdle: true, idleSeconds: 1.5).SendAsync([new SendRequest(roster.Agents[0], "hello", "op")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.NotSent, b.Status);
        Assert.Equal("the agent did not become idle within 1.5 s (-WaitForIdle; last seen Busy); nothing was typed", b.Detail);
        Assert.Equal(0, pane.Pastes);
    }

    [Fact]
    public async Task WaitForIdle_looks_again_under_the_lock_and_waits_again_when_a_dialog_came_up_meanwhile()
    {
        var (roster, tmux, pane, log) = One();
        // Idle for the wait's looks; the first look under the lock finds a dialog, which then closes.
        var captures = 0;
        var runner = new FakeRunner(next: tmux, answer: spec =>
        {
            if (!spec.Argv.Contains("capture-pane")) return null;
            var i = Interlocked.Increment(ref captures);
            pane.Screen = i == 3 ? TrustDialog : null;
            return null;
        });
        var notes = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var sender = new MessageSender(new FleetContext(roster, runner, _ => null), new SendOptions
        {
            Timeout = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(10), DraftWait = TimeSpan.FromMilliseconds(300),
            LockDirectory = Path.Combine(_dir, "locks"), WaitForIdle = true, IdleTimeout = TimeSpan.FromSeconds(20),
        }, log) { Verbose = notes.Enqueue };
        var r = (await sender.SendAsync([new SendRequest(roster.Agents[0], "hello", "op")], CancellationToken.None))[0];
        Assert.Equal(FleetSendStatus.Accepted, r.Status);
        Assert.Contains(notes, x => x.Contains("dialog or menu") && x.EndsWith("waiting again."));
        Assert.Equal(["[op] hello"], pane.Received);
        Assert.Equal(1, pane.Pastes);
    }

}

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

/// <summary>The cursor cut of the input area against what tmux 3.3a reported in a real pane: "> [x] ship it 🚀 done ✅
/// family 👨‍👩‍👧" put the cursor at cell 34 (✅ is two cells; the joiner sequence is one two-cell cluster).</summary>
public sealed class CellWidthTests
{
    [Fact]
    public void The_prefix_left_of_the_cursor_keeps_a_whole_emoji_joiner_sequence_and_wide_emoji()
    {
        const string row = "> [x] ship it 🚀 done ✅ family 👨‍👩‍👧";
        Assert.Equal(row, InputArea.CellPrefix(row, 34));
        Assert.Equal("> [x] ship it 🚀 done ✅", InputArea.CellPrefix(row, 24));
        Assert.Equal("> [x] ship it 🚀 done ", InputArea.CellPrefix(row, 23));
    }
}
