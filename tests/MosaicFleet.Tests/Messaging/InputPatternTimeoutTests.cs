using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Tests.Messaging;

public class InputPatternTimeoutTests
{
    [Fact]
    public void A_pattern_that_times_out_finds_no_area_and_says_why()
    {
        var screen = new string('a', 40) + "!";
        var area = InputArea.Find(screen, "^(a+)+$", out var missing);
        Assert.Null(area);
        Assert.Contains("inputPattern timed out", missing, StringComparison.Ordinal);
        var v = new DraftVerification(InputArea.Needle("x"), DraftCount.None, provable: true);
        Assert.Equal(VerifyStep.NotAccepted, v.Step(area, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), missing));
        Assert.Contains("timed out", v.LastSeen, StringComparison.Ordinal);
    }
}
