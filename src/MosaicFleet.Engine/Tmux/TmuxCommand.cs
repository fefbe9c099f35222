namespace MosaicFleet.Engine.Tmux;

/// <summary>Builds tmux argv lists for one socket.</summary>
/// <param name="forceUtf8">Adds tmux's -u. Without it a tmux client whose LC_ALL/LC_CTYPE/LANG does not say UTF-8 (an ssh
/// session often has no locale at all) prints every non-ASCII or control byte of its output as '_'.</param>
public sealed class TmuxCommand(string socketName, string tmuxProgram = "tmux", bool forceUtf8 = false)
{
    public string SocketName { get; } = socketName;

    public string Program { get; } = tmuxProgram;

    public bool ForceUtf8 { get; } = forceUtf8;

    public string[] Build(params string[] args)
    {
        var head = ForceUtf8 ? 4 : 3;
        var argv = new string[args.Length + head];
        argv[0] = Program;
        if (ForceUtf8) argv[1] = "-u";
        argv[head - 2] = "-L";
        argv[head - 1] = SocketName;
        Array.Copy(args, 0, argv, head, args.Length);
        return argv;
    }

    /// <summary>list-panes -a whose records end with <paramref name="nonce"/> (<see cref="Tmux.ListPanes.NewNonce"/>).</summary>
    public string[] ListPanes(string nonce) => Build(Tmux.ListPanes.Arguments(nonce));
}
