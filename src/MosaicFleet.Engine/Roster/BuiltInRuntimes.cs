namespace MosaicFleet.Engine.Roster;

/// <summary>The runtimes every roster knows. A roster's own <c>runtimes:</c> entry of the same name overrides
/// the keys it sets and keeps the rest (its <c>environment</c> adds to the built-in variables).
/// <para>The grammar of a profile, the same for built-in and roster runtimes:</para>
/// <list type="bullet">
/// <item><c>paneCommands</c>: what tmux shows as #{pane_current_command} while the runtime runs (exact names, or
/// /regular expressions/);</item>
/// <item><c>inputPattern</c>: only where the cursor is not enough to find the input area (see InputArea);</item>
/// <item><c>busyPattern</c>: text on the bottom lines that only a running turn shows (a spinner's "esc to interrupt");</item>
/// <item><c>waitingPattern</c>: text on the bottom lines that only a question to the user shows (start-up dialogs,
/// menus, permission prompts): such a screen reads Waiting, and nothing is typed into it;</item>
/// <item><c>submitKeys</c>, <c>environment</c> (what the runtime needs to run unattended).</item>
/// </list>
/// The patterns of claude, codex and opencode were read off the real TUIs (claude-code 2.1.332, codex 0.171.0,
/// opencode 1.18.33) in tmux; tests/MosaicFleet.Tests/Data holds those screens and tests/Pester/RealRuntimes.Tests.ps1
/// walks each runtime. They match the runtime's fixed wording of a state, not a screen's layout.</summary>
public static class BuiltInRuntimes
{
    /// <summary>Claude Code has been seen naming its process after its version (e.g. 2.1.29).</summary>
    public const string VersionPattern = @"/^\d+\.\d+\.\d+$/";

    /// <summary>pi's editor: the lines between two horizontal rules (checked on pi 0.73.1 in tmux: a rule of U+2500 across
    /// the pane above and below the editor, the footer under it). Lines starting with a rule are excluded inside, so the
    /// last match is the editor even when rules appear above it.</summary>
    public const string PiInputPattern = @"^─{8,}.*\n(?<input>(?:(?!─{8,}).*\n)*?)─{8,}";

    /// <summary>pi 0.73.1's status loaders (interactive-mode.js), checked in a tmux pane here: "Working... (escape to
    /// interrupt)" while a turn runs, "Compacting context..." / "Auto-compacting..." and "Retrying (1/3) in 2s...".
    /// pi asks no permission questions, so it has no waiting pattern.</summary>
    public const string PiBusyPattern = @"(Working|Compacting context|Auto-compacting)\.\.\.|Retrying \(\d+/\d+\) in \d+s\.\.\.";

    /// <summary>Claude Code: its footer says "esc to interrupt" while a turn runs (next to the spinner line).</summary>
    public const string ClaudeBusyPattern = @"esc to interrupt";

    /// <summary>Claude Code's questions: the start-up dialogs ("trust this folder", "use this API key?": "Enter to
    /// confirm · Esc to cancel"), menus, and permission prompts ("Do you want to proceed?" ... "Esc to cancel").</summary>
    public const string ClaudeWaitingPattern = @"Enter to confirm|Esc to cancel|Do you want to (proceed|make this edit|create)";

    /// <summary>Codex: "Working (12s • esc to interrupt)" while a turn runs.</summary>
    public const string CodexBusyPattern = @"esc to interrupt";

    /// <summary>Codex's questions: approval prompts ("Would you like to run the following command?" ... "Press enter to
    /// confirm or esc to cancel"), the sign-in and trust menus ("Press enter to continue").</summary>
    public const string CodexWaitingPattern = @"(?i:press enter to (confirm|continue))|Would you like to (run|make|grant)";

    /// <summary>opencode: "esc interrupt" (and "esc again to interrupt") in its footer while a turn runs.</summary>
    public const string OpencodeBusyPattern = @"esc (again to )?interrupt";

    /// <summary>opencode's permission prompt: "△ Permission required" with "Allow once  Allow always  Reject".</summary>
    public const string OpencodeWaitingPattern = @"Permission required|Allow once\s+Allow always\s+Reject";

    public static IReadOnlyDictionary<string, FleetRuntime> Create() => new Dictionary<string, FleetRuntime>(StringComparer.Ordinal)
    {
        // `mosaic yolo <runtime>` and npm launchers wrap runtimes in node, so node is acceptable for each.
        // tmux shows the native binaries of claude-code and opencode-ai as `claude` and `opencode`; codex's npm launcher
        // stays the foreground process (`node`).
        ["claude"] = Make("claude", "mosaic yolo claude", "/clear", ["claude", "node", VersionPattern],
            busyPattern: ClaudeBusyPattern, waitingPattern: ClaudeWaitingPattern,
            // Claude Code updates itself in place (seen here, offline) unless told not to.
            environment: new() { ["DISABLE_AUTOUPDATER"] = "1" }),
        ["codex"] = Make("codex", "mosaic yolo codex", "/clear", ["codex", "node"],
            busyPattern: CodexBusyPattern, waitingPattern: CodexWaitingPattern),
        ["opencode"] = Make("opencode", "mosaic yolo opencode", "/clear", ["opencode", "node"],
            busyPattern: OpencodeBusyPattern, waitingPattern: OpencodeWaitingPattern,
            environment: new() { ["OPENCODE_DISABLE_AUTOUPDATE"] = "1" }),
        ["pi"] = Make("pi", "mosaic yolo pi", "/clear", ["pi", "node"], inputPattern: PiInputPattern, busyPattern: PiBusyPattern),
        // Upstream's stand-in agent (canary dogfood stub), a python script.
        ["dogfood"] = Make("dogfood", "python3 -m mosaic_dogfood", null, ["python3", "python"]),
    };

    private static FleetRuntime Make(string name, string command, string? reset, string[] paneCommands, string? inputPattern = null, string? busyPattern = null, string? waitingPattern = null, Dictionary<string, string>? environment = null) => new()
    {
        Name = name,
        Command = command,
        ResetCommand = reset,
        PaneCommands = paneCommands,
        SubmitKeys = ["Enter"],
        InputPattern = inputPattern,
        BusyPattern = busyPattern,
        WaitingPattern = waitingPattern,
        Environment = environment ?? new Dictionary<string, string>(StringComparer.Ordinal),
        BuiltIn = true,
    };
}
