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
        ["pi"] = Make("pi", "mosaic yolo pi", "/clear", ["pi", "node"], inputPattern: PiInputPattern, busyPattern: PiBusyPattern),
        // Upstream's stand-in agent (canary dogfood stub), a python script.
        ["dogfood"] = Make("dogfood", "python3 -m mosaic_dogfood", null, ["python3", "python"]),
    };

    /// <summary>pi 0.73.1's status loaders (interactive-mode.js), checked in a tmux pane here: "Working... (escape to
    /// interrupt)" while a turn runs, "Compacting context..." / "Auto-compacting..." and "Retrying (1/3) in 2s...".
    /// pi asks no permission questions, so it has no waiting pattern.</summary>
    public const string PiBusyPattern = @"(Working|Compacting context|Auto-compacting)\.\.\.|Retrying \(\d+/\d+\) in \d+s\.\.\.";

    private static FleetRuntime Make(string name, string command, string? reset, string[] paneCommands, string? inputPattern = null, string? busyPattern = null, string? waitingPattern = null) => new()
    {
        Name = name,
        Command = command,
        ResetCommand = reset,
        PaneCommands = paneCommands,
        SubmitKeys = ["Enter"],
        InputPattern = inputPattern,
        BusyPattern = busyPattern,
        WaitingPattern = waitingPattern,
        BuiltIn = true,
    };
}
