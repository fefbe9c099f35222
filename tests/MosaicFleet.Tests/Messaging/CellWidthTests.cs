using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Tmux;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Messaging;

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
