namespace MosaicFleet.Engine.Tmux;

/// <summary>The fleet's tmux server runs on a configuration of its own, never the user's: the server is started with
/// <c>-f /dev/null</c> (no ~/.tmux.conf, no $XDG_CONFIG_HOME/tmux/tmux.conf, no /etc/tmux.conf) and these options are
/// set inline, each time the holder starts (a server that is already running keeps whatever options it has, so they
/// are set again rather than assumed). Only options tmux 3.0 and later know, so no tmux refuses the list.</summary>
public static class ServerOptions
{
    /// <summary>The configuration file a fleet server is started with: none.</summary>
    public const string ConfigFile = "/dev/null";

    /// <summary>The history kept per pane (Get-FleetAgentOutput -Lines reads it); tmux's default is 2000.</summary>
    public const int HistoryLimit = 10000;

    /// <summary>The size of a session no client is attached to (every agent's, at first).</summary>
    public const string DefaultSize = "200x50";

    /// <summary>Each option as the words of one tmux set-option command.</summary>
    public static readonly IReadOnlyList<string[]> Options =
    [
        // A detached session is the normal state of every agent: a user's "destroy-unattached on" killed them all.
        ["set-option", "-g", "destroy-unattached", "off"],
        // The server outlives a moment without sessions (a restart of the only agent).
        ["set-option", "-s", "exit-empty", "off"],
        // A crashed runtime's pane stays, with its exit status, for Get-FleetAgent.
        ["set-option", "-g", "remain-on-exit", "on"],
        ["set-option", "-g", "history-limit", HistoryLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)],
        ["set-option", "-g", "default-size", DefaultSize],
        // An agent's OSC 52 output must not reach the operator's clipboard through a viewer.
        ["set-option", "-s", "set-clipboard", "off"],
        // A runtime must not retitle the operator's terminal, nor rename the session a send targets.
        ["set-option", "-g", "set-titles", "off"],
        ["set-option", "-g", "allow-rename", "off"],
        // tmux reads nothing typed (send-keys and paste-buffer bypass it), so no mouse or key binding of a viewer acts.
        ["set-option", "-g", "mouse", "off"],
    ];

    /// <summary>The options as one tmux command list: set-option ... ';' set-option ... (argv words, no shell).</summary>
    public static IReadOnlyList<string> CommandList()
    {
        var words = new List<string>();
        foreach (var o in Options)
        {
            if (words.Count > 0) words.Add(";");
            words.AddRange(o);
        }
        return words;
    }

    /// <summary>The same list as POSIX sh text for a constant script (the words are ours and need no quoting but ';').</summary>
    public static string ShellText() => string.Join(' ', CommandList().Select(w => w == ";" ? "\\;" : w));
}
