using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Tmux;

namespace MosaicFleet.Engine.Prompts;

/// <summary>Which option texts read as a one-time yes or a no (the defaults of Approve- and Deny-FleetAgent).</summary>
public static class PromptChoices
{
    private static readonly System.Text.RegularExpressions.Regex Yes = new(@"^(yes|y|allow|approve|accept|proceed|trust|continue|ok|run)\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
    private static readonly System.Text.RegularExpressions.Regex Lasting = new(@"\b(always|don'?t ask|do not ask|never ask|every time|(for|during|in|throughout|rest of) (this|the) (session|conversation|project|chat)|this session|auto(matic(ally)?)? mode|auto-?accept|from now on|all future|permanently|for all|all (edits|commands|tools|files)|bypass|trust (all|everything))\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
    private static readonly System.Text.RegularExpressions.Regex No = new(@"^(no|n|deny|reject|decline|cancel|abort|exit|don'?t)\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public static bool IsOneTimeYes(string text) => Yes.IsMatch(text.Trim()) && !Lasting.IsMatch(text);

    public static bool IsNo(string text) => No.IsMatch(text.Trim());
}
