namespace MosaicFleet.Internal;

/// <summary>The roster Initialize-Fleet writes when none exists.</summary>
internal static class StarterRoster
{
    public const string Text = """
        # MosaicFleet roster, created by Initialize-Fleet. Add agents below, then run Initialize-Fleet
        # (or Install-FleetUnit) again to write their units, and Start-FleetAgent to start them.
        version: 1
        transport: tmux
        tmux:
          socketName: mosaic-factory
          holderSession: _holder
        agents: []
        # agents:
        #   - name: coder0
        #     runtime: pi                 # claude, codex, opencode, pi, dogfood, or your own under runtimes:
        #     workingDirectory: ~/src/project
        #     environment:                # written only to a 0600 file read by the agent's unit and pane
        #       OPENAI_API_KEY: sk-...

        """;
}
