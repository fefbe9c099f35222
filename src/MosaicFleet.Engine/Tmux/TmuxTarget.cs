namespace MosaicFleet.Engine.Tmux;

/// <summary>Exact tmux targets. A bare name is matched by tmux as a prefix (coder1 would hit coder10),
/// so sessions are always addressed as =name and panes by %id.</summary>
public static class TmuxTarget
{
    public static string Session(string name) => "=" + name;

    /// <summary>The first pane of the session's current window, exactly: "=name:".</summary>
    public static string SessionWindow(string name) => "=" + name + ":";

    public static string Pane(string paneId)
    {
        // '%' and digits only: a pane id also goes into command strings tmux parses (the send's guarded paste).
        if (paneId.Length < 2 || paneId[0] != '%' || !paneId.AsSpan(1).ToString().All(char.IsAsciiDigit)) throw new ArgumentException($"'{paneId}' is not a tmux pane id.", nameof(paneId));
        return paneId;
    }
}
