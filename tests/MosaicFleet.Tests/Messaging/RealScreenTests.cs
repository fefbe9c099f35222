using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Observation;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Messaging;

/// <summary>The input-area rule and the built-in profiles against screens of the real TUIs, captured in tmux by
/// tests/fixtures/capture-screen.sh while each runtime ran against tests/fixtures/fake_model.py: the screen
/// (Data/&lt;runtime&gt;-&lt;version&gt;-&lt;state&gt;.txt) and the cursor read in the same tmux call (.cursor.txt:
/// "x y flag width height command"). The draft typed in each was "hello MARKER-ONE please answer".</summary>
public class RealScreenTests
{
    private const string Typed = "hello MARKER-ONE please answer";

    public static readonly TheoryData<string> Runtimes = new() { "claude-2.1.332", "codex-0.171.0", "opencode-1.18.33", "pi-0.73.1" };

    private static readonly IReadOnlyDictionary<string, FleetRuntime> BuiltIn = BuiltInRuntimes.Create();

    private static FleetRuntime RuntimeOf(string capture) => BuiltIn[capture[..capture.IndexOf('-')]];

    private static PaneProbe Probe(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Data");
        var cursor = File.ReadAllText(Path.Combine(dir, name + ".cursor.txt")).Trim().Split(' ');
        return new PaneProbe(false, int.Parse(cursor[0]), int.Parse(cursor[1]), File.ReadAllText(Path.Combine(dir, name + ".txt")));
    }

    private static DraftCount Count(string name)
        => InputArea.Count(InputArea.Find(Probe(name), RuntimeOf(name).InputPattern), InputArea.Needle(Typed));

    [Theory]
    [MemberData(nameof(Runtimes))]
    public void The_typed_draft_is_in_the_input_area_and_not_in_the_empty_box(string rt)
    {
        Assert.Equal(new DraftCount(1, 0), Count(rt + "-draft"));
        Assert.Equal(DraftCount.None, Count(rt + (rt.StartsWith("pi") ? "-ready" : "-idle")));
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public void Sent_text_in_the_history_above_the_box_is_not_a_draft(string rt)
    {
        // The answered screen shows the sent text in the history (and Codex also in its footer's session title).
        var answered = Probe(rt + "-answered");
        Assert.Contains("MARKER-ONE", answered.Screen);
        Assert.Equal(DraftCount.None, Count(rt + "-answered"));
        Assert.Equal(DraftCount.None, Count(rt + "-busy"));
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public void A_send_walks_to_Accepted_on_the_real_screens(string rt)
    {
        var needle = InputArea.Needle(Typed);
        var baseline = Count(rt + (rt.StartsWith("pi") ? "-ready" : "-idle"));
        var v = new DraftVerification(needle, baseline, provable: baseline.Needles == 0);
        Assert.True(v.ObserveDraft(InputArea.Find(Probe(rt + "-draft"), RuntimeOf(rt).InputPattern)));
        var step = v.Step(InputArea.Find(Probe(rt + "-busy"), RuntimeOf(rt).InputPattern), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
        Assert.Equal(VerifyStep.Accepted, step);
    }

    [Theory]
    [InlineData("codex-0.171.0-idle", "Ask Codex to do anything")]
    [InlineData("opencode-1.18.33-idle", "Ask anything")]
    public void Placeholder_text_right_of_the_cursor_is_not_part_of_the_area(string name, string placeholder)
    {
        var probe = Probe(name);
        Assert.Contains(placeholder, probe.Screen);
        var area = InputArea.Find(probe, null)!;
        Assert.DoesNotContain(placeholder, area);
        // The placeholder starts exactly at the cursor: the rest of the row is all of it.
        var row = probe.Screen.Split('\n')[probe.CursorY!.Value];
        Assert.StartsWith(placeholder, row[InputArea.CellPrefix(row, probe.CursorX!.Value).Length..]);
    }

    [Fact]
    public void Claude_hides_its_cursor_but_keeps_it_in_the_box_which_has_a_footer_under_it()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Data");
        Assert.Equal("0", File.ReadAllText(Path.Combine(dir, "claude-2.1.332-draft.cursor.txt")).Split(' ')[2]); // cursor_flag
        // Claude's prompt is "❯" and a no-break space.
        Assert.Equal("❯\u00a0hello MARKER-ONE please answer", InputArea.Find(Probe("claude-2.1.332-draft"), null));
    }

    [Fact]
    public void Codex_footer_under_the_box_misleads_the_last_paragraph_rule_but_not_the_cursor()
    {
        var needle = InputArea.Needle(Typed);
        // The last paragraph is Codex's footer: without the draft while it is typed ...
        Assert.Equal(0, InputArea.CountNeedle(InputArea.Find(Probe("codex-0.171.0-draft").Screen, null)!, needle));
        // ... and WITH it after the submit (the footer shows the session title, the sent text): the cause of issue 13's
        // NotAccepted/NotSubmitted verdicts for messages that had arrived.
        Assert.Equal(1, InputArea.CountNeedle(InputArea.Find(Probe("codex-0.171.0-busy").Screen, null)!, needle));
        Assert.Equal(1, InputArea.CountNeedle(InputArea.Find(Probe("codex-0.171.0-draft"), null)!, needle));
        Assert.Equal(0, InputArea.CountNeedle(InputArea.Find(Probe("codex-0.171.0-busy"), null)!, needle));
    }

    [Fact]
    public void Opencode_box_mid_screen_at_start_and_at_the_bottom_after_the_first_message()
    {
        var first = Probe("opencode-1.18.33-draft");
        var later = Probe("opencode-1.18.33-answered");
        Assert.True(first.CursorY < 20 && later.CursorY > 20);
        Assert.Contains("MARKER-ONE", InputArea.Find(first, null));
        Assert.Equal(0, InputArea.CountNeedle(InputArea.Find(later, null)!, InputArea.Needle(Typed)));
    }

    public static readonly TheoryData<string, FleetAgentActivity> States = new()
    {
        { "claude-2.1.332-trust-dialog", FleetAgentActivity.Waiting },
        { "claude-2.1.332-apikey-dialog", FleetAgentActivity.Waiting },
        { "claude-2.1.332-permission", FleetAgentActivity.Waiting },
        { "claude-2.1.332-busy", FleetAgentActivity.Busy },
        { "claude-2.1.332-idle", FleetAgentActivity.Idle },
        { "claude-2.1.332-draft", FleetAgentActivity.Idle },
        { "claude-2.1.332-answered", FleetAgentActivity.Idle },
        { "codex-0.171.0-permission", FleetAgentActivity.Waiting },
        { "codex-0.171.0-busy", FleetAgentActivity.Busy },
        { "codex-0.171.0-idle", FleetAgentActivity.Idle },
        { "codex-0.171.0-draft", FleetAgentActivity.Idle },
        { "codex-0.171.0-answered", FleetAgentActivity.Idle },
        { "opencode-1.18.33-permission", FleetAgentActivity.Waiting },
        { "opencode-1.18.33-busy", FleetAgentActivity.Busy },
        { "opencode-1.18.33-idle", FleetAgentActivity.Idle },
        { "opencode-1.18.33-draft", FleetAgentActivity.Idle },
        { "opencode-1.18.33-answered", FleetAgentActivity.Idle },
        { "pi-0.73.1-busy", FleetAgentActivity.Busy },
        { "pi-0.73.1-ready", FleetAgentActivity.Idle },
        { "pi-0.73.1-draft", FleetAgentActivity.Idle },
        { "pi-0.73.1-answered", FleetAgentActivity.Idle },
    };

    [Theory]
    [MemberData(nameof(States))]
    public void The_built_in_patterns_read_each_real_screen(string name, FleetAgentActivity expected)
    {
        var screen = Probe(name).Screen;
        // The same screen twice: unchanged, so only the patterns can make it anything but Idle.
        Assert.Equal(expected, ActivityRules.Classify(RuntimeOf(name), screen, screen));
    }
}
