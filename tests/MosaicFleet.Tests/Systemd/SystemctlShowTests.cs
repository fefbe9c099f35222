using MosaicFleet.Engine.Systemd;

namespace MosaicFleet.Tests.Systemd;

public class SystemctlShowTests
{
    [Fact]
    public void Parses_several_units_including_a_not_found_one()
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "systemctl-show.txt"));
        var units = SystemctlShow.Parse(text);
        Assert.Equal(3, units.Count);
        Assert.Equal("active/exited", units["mosaic-agent@coder0.service"].Display);
        Assert.Equal("failed/failed", units["mosaic-agent@coder1.service"].Display);
        Assert.Equal("not-found", units["mosaic-agent@ghost.service"].Display);
    }

    [Fact]
    public void Property_order_within_a_block_does_not_matter()
    {
        var units = SystemctlShow.Parse("SubState=running\nActiveState=active\nLoadState=loaded\nId=x.service\n");
        Assert.Equal("active/running", units["x.service"].Display);
    }

    [Fact]
    public void Empty_answer_is_no_units()
    {
        Assert.Empty(SystemctlShow.Parse(""));
        Assert.Empty(SystemctlShow.Parse("\n\n"));
    }

    [Fact]
    public void Values_keep_everything_after_the_first_equals_sign_and_CRLF_is_tolerated()
    {
        var units = SystemctlShow.Parse("Id=a.service\r\nLoadState=loaded\r\nActiveState=act=ive\r\nSubState=x\r\n");
        Assert.Equal("act=ive", units["a.service"].ActiveState);
    }

    [Fact]
    public void Arguments_ask_for_every_unit_in_one_call()
    {
        var args = SystemctlShow.Arguments(["mosaic-agent@a.service", "mosaic-agent@b.service"]);
        Assert.Equal(["--user", "show", "-p", "Id,LoadState,ActiveState,SubState", "--", "mosaic-agent@a.service", "mosaic-agent@b.service"], args);
    }

    [Fact]
    public void Unit_names() => Assert.Equal("mosaic-agent@coder-0.service", SystemctlShow.AgentUnit("coder-0"));
}
