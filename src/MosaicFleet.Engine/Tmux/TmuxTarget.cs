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
        if (paneId.Length < 2 || paneId[0] != '%') throw new ArgumentException($"'{paneId}' is not a tmux pane id.", nameof(paneId));
        return paneId;
    }
}

/// <summary>Builds tmux argv lists for one socket.</summary>
public sealed class TmuxCommand(string socketName, string tmuxProgram = "tmux")
{
    public string SocketName { get; } = socketName;

    public string Program { get; } = tmuxProgram;

    public string[] Build(params string[] args)
    {
        var argv = new string[args.Length + 3];
        argv[0] = Program;
        argv[1] = "-L";
        argv[2] = SocketName;
        Array.Copy(args, 0, argv, 3, args.Length);
        return argv;
    }

    public string[] ListPanes() => Build(Tmux.ListPanes.Arguments);
}
