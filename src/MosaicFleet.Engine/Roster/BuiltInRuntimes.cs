namespace MosaicFleet.Engine.Roster;

/// <summary>The runtimes every roster knows. A roster's own <c>runtimes:</c> entry of the same name overrides
/// the keys it sets and keeps the rest.</summary>
public static class BuiltInRuntimes
{
    /// <summary>Claude Code has been seen naming its process after its version (e.g. 2.1.29).</summary>
    public const string VersionPattern = @"/^\d+\.\d+\.\d+$/";

    /// <summary>pi's editor: the lines between two horizontal rules (checked on pi 0.73.1 in tmux: a rule of U+2500 across
    /// the pane above and below the editor, the footer under it). Lines starting with a rule are excluded inside, so the
    /// last match is the editor even when rules appear above it.</summary>
    public const string PiInputPattern = @"^─{8,}.*\n(?<input>(?:(?!─{8,}).*\n)*?)─{8,}";

    public static IReadOnlyDictionary<string, FleetRuntime> Create() => new Dictionary<string, FleetRuntime>(StringComparer.Ordinal)
    {
        // `mosaic yolo <runtime>` and npm launchers wrap runtimes in node, so node is acceptable for each.
        ["claude"] = Make("claude", "mosaic yolo claude", "/clear", ["claude", "node", VersionPattern]),
        ["codex"] = Make("codex", "mosaic yolo codex", "/clear", ["codex", "node"]),
        ["opencode"] = Make("opencode", "mosaic yolo opencode", "/clear", ["opencode", "node"]),
        ["pi"] = Make("pi", "mosaic yolo pi", "/clear", ["pi", "node"], PiInputPattern),
        // Upstream's stand-in agent (canary dogfood stub), a python script.
        ["dogfood"] = Make("dogfood", "python3 -m mosaic_dogfood", null, ["python3", "python"]),
    };

    private static FleetRuntime Make(string name, string command, string? reset, string[] paneCommands, string? inputPattern = null) => new()
    {
        Name = name,
        Command = command,
        ResetCommand = reset,
        PaneCommands = paneCommands,
        SubmitKeys = ["Enter"],
        InputPattern = inputPattern,
        BuiltIn = true,
    };
}
