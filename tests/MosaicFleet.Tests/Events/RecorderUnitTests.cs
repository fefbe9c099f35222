using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Tests.Events;

public class RecorderUnitTests
{
    [Theory]
    [InlineData("local", "mosaic-events-local.service")]
    [InlineData("acme-1", "mosaic-events-acme-1.service")]
    public void A_plain_tenant_names_its_unit(string tenant, string unit) => Assert.Equal(unit, EventRecorderUnit.UnitName(tenant));

    [Fact]
    public void A_tenant_a_unit_name_cannot_carry_gets_a_hash_so_two_tenants_never_share_a_unit()
    {
        var a = EventRecorderUnit.UnitName("a b");
        var b = EventRecorderUnit.UnitName("a/b");
        Assert.Matches(@"^mosaic-events-a_b-[0-9a-f]{8}\.service$", a);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void The_unit_runs_pwsh_with_the_paths_as_inert_literals()
    {
        var text = EventRecorderUnit.Render("/opt/pwsh/pwsh", "/m/it's $HOME/MosaicFleet.psd1", "/r/100% roster.yaml", "t", new Dictionary<string, string> { ["XDG_STATE_HOME"] = "/s" });
        var exec = text.Split('\n').Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        // systemd: '%' and '$' doubled; PowerShell: single quotes doubled inside single-quoted strings.
        Assert.Contains("Import-Module '/m/it''s $$HOME/MosaicFleet.psd1' -ErrorAction Stop; Get-FleetEvent -Record -RosterPath '/r/100%% roster.yaml'", exec);
        Assert.StartsWith("ExecStart=/opt/pwsh/pwsh -NoProfile -NonInteractive -Command \"", exec);
        Assert.Contains("Environment=XDG_STATE_HOME=/s\n", text);
        Assert.Contains("KillSignal=SIGINT\n", text);
        Assert.StartsWith(LifecyclePaths.Marker, text);
    }

    [Theory]
    [InlineData("logs: { maxSize: 20MB, keep: 3 }", 20L * 1024 * 1024, 3)]
    [InlineData("logs: { maxSize: 8192 }", 8192L, 5)]
    [InlineData("", 10L * 1024 * 1024, 5)]
    public void The_roster_sets_when_logs_rotate(string logs, long maxBytes, int keep)
    {
        var roster = RosterLoader.Parse($"version: 1\n{logs}\nagents: []\n", "/r.yaml");
        Assert.Equal((maxBytes, keep), (roster.Logs.MaxBytes, roster.Logs.Keep));
    }

    [Theory]
    [InlineData("logs: { maxSize: 10 parsecs }")]
    [InlineData("logs: { maxSize: 1KB }")]
    [InlineData("logs: { keep: 0 }")]
    [InlineData("logs: { rotate: yes }")]
    public void Bad_log_settings_are_roster_errors_with_a_position(string logs)
    {
        var ex = Assert.Throws<RosterException>(() => RosterLoader.Parse($"version: 1\n{logs}\nagents: []\n", "/r.yaml"));
        Assert.Equal(2, ex.Line);
    }
}
