namespace MosaicFleet;

/// <summary>What a Waiting agent asks (Get-FleetPrompt): the question and the options on its screen.</summary>
public sealed class FleetPrompt
{
    public string Agent { get; set; } = "";
    public string Host { get; set; } = "local";
    public string Question { get; set; } = "";
    public FleetPromptOption[] Options { get; set; } = [];
    /// <summary>How the options are laid out: Vertical (one per line), Horizontal (one line), or YesNo (a [y/n] question
    /// answered by typing).</summary>
    public string Layout { get; set; } = "Vertical";

    /// <summary>The option the selection sits on (null when the screen shows none).</summary>
    public FleetPromptOption? Selected => Options.FirstOrDefault(o => o.Selected);

    public override string ToString() => $"{Agent}: {Question}";
}

/// <summary>One option of a prompt: its number (as shown, else its 1-based place), its text, and whether the selection sits on it.</summary>
public sealed class FleetPromptOption
{
    public int Number { get; set; }
    public string Text { get; set; } = "";
    public bool Selected { get; set; }
    /// <summary>A key the screen names for the option, e.g. "y" in "Yes, proceed (y)" or the answer of a [y/n] question.</summary>
    public string? Key { get; set; }

    public override string ToString() => Selected ? $"> {Number}. {Text}" : $"  {Number}. {Text}";
}

/// <summary>What Approve-FleetAgent / Deny-FleetAgent did.</summary>
public sealed class FleetPromptAnswer
{
    public string Agent { get; set; } = "";
    public string Host { get; set; } = "local";
    public string Question { get; set; } = "";
    public string Option { get; set; } = "";
    /// <summary>Answered (the prompt is gone), NextPrompt (another prompt shows), or WhatIf.</summary>
    public string Status { get; set; } = "";
    /// <summary>The prompt on screen after the answer, when there is one.</summary>
    public FleetPrompt? NextPrompt { get; set; }

    public override string ToString() => Agent;
}
