using System.Management.Automation;
using MosaicFleet.Engine.Messaging;

namespace MosaicFleet.Internal;

/// <summary>Refuses text that could act in a pane instead of arriving as text: control characters other than tab and
/// line breaks (C0, DEL, C1), and with <see cref="SingleLine"/> any line break. The binder reports it as
/// ParameterArgumentValidationError (InvalidData), before anything is typed anywhere.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateInertTextAttribute : ValidateArgumentsAttribute
{
    /// <summary>True: a line break is refused too (a source label is one line).</summary>
    public bool SingleLine { get; set; }

    /// <summary>What the text is, for the message ("message", "source label").</summary>
    public string What { get; set; } = "text";

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        var text = arguments is PSObject p ? p.BaseObject as string : arguments as string;
        if (text is null) return;
        if (MessageText.Refusal(text, SingleLine) is { } why)
        {
            throw new ValidationMetadataException(
                $"The {What} holds {why}. Control characters other than tab and line breaks are refused" +
                (SingleLine ? ", and it must be one line" : "") +
                ", so that nothing in it can act as a key or end the paste early. Nothing was typed.");
        }
    }
}
