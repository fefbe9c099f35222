using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Messaging;

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
