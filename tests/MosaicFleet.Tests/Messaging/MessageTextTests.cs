using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Tests.Messaging;

public class MessageTextTests
{
    [Fact]
    public void Compose_puts_the_label_before_the_first_line_only()
        => Assert.Equal("[operator:ann@box] one\ntwo", MessageText.Compose("operator:ann@box", "one\ntwo"));

    [Fact]
    public void Compose_without_source_types_the_text_as_is() => Assert.Equal("/clear", MessageText.Compose(null, "/clear"));

    [Fact]
    public void Line_breaks_are_normalized_to_LF() => Assert.Equal("a\nb\nc", MessageText.NormalizeLineBreaks("a\r\nb\rc"));

    [Fact]
    public void Default_source_uses_the_short_host_name() => Assert.Equal("operator:ann@build7", MessageText.DefaultSource("ann", "build7.example.org"));
}
