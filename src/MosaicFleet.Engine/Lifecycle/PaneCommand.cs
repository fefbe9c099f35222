using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>The one-string command an agent's pane runs under /bin/sh -c.
/// `export PATH=&lt;prefix&gt;:$PATH; exec &lt;runtime command&gt;`: a unit's (and the tmux server's) PATH is minimal, so
/// the runtime's bin directories are baked in; `exec` makes the runtime the pane's foreground process, so
/// pane_current_command names the runtime and not sh (no false drift).</summary>
public static class PaneCommand
{
    /// <param name="prefix">Directories put in front of PATH, in order.</param>
    /// <param name="runtimeCommand">The roster's command line (operator-written shell text, exec'ed as is).</param>
    /// <param name="sourceFile">An environment file to read first (the agent's own variables), or null.</param>
    public static string Build(IReadOnlyList<string> prefix, string runtimeCommand, string? sourceFile = null)
    {
        if (string.IsNullOrWhiteSpace(runtimeCommand)) throw new ArgumentException("The runtime command is empty.", nameof(runtimeCommand));
        var parts = new List<string>();
        // The agent's environment (API keys) travels in its 0600 file, never in an argv that ps could show.
        if (sourceFile is not null) parts.Add($"set -a; . {PosixShell.Quote(sourceFile)}; set +a");
        if (prefix.Count > 0)
        {
            foreach (var d in prefix)
            {
                if (d.Contains(':')) throw new ArgumentException($"A PATH directory cannot hold ':' ({d}).", nameof(prefix));
            }
            parts.Add($"export PATH={PosixShell.Quote(string.Join(':', prefix))}:\"$PATH\"");
        }
        parts.Add("exec " + runtimeCommand.Trim());
        return string.Join("; ", parts);
    }
}
