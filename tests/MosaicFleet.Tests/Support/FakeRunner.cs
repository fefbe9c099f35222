using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Tests;

/// <summary>Records every command and answers from a handler (default: exit 0, no output).</summary>
public sealed class FakeRunner(Func<CommandSpec, CommandResult>? handler = null) : IProcessRunner
{
    private readonly List<CommandSpec> _calls = [];

    public IReadOnlyList<CommandSpec> Calls { get { lock (_calls) return _calls.ToList(); } }

    public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_calls) _calls.Add(spec);
        return Task.FromResult(handler?.Invoke(spec) ?? Ok(spec));
    }

    /// <summary>Exit 0 with <paramref name="stdout"/>. A fake list-panes answer ends its records with "\x1e\n" as
    /// tmux 3.3a printed the old format; like tmux, the fake then ends them with the call's own nonce from its -F.</summary>
    public static CommandResult Ok(CommandSpec spec, string stdout = "") => new(spec, 0, WithListPanesNonce(spec, stdout), "", false, false, TimeSpan.Zero);

    private static string WithListPanesNonce(CommandSpec spec, string stdout)
    {
        var i = spec.Argv.ToList().IndexOf("list-panes");
        if (i < 0 || i + 3 >= spec.Argv.Count || spec.Argv[i + 1] != "-a" || spec.Argv[i + 2] != "-F") return stdout;
        var format = spec.Argv[i + 3];
        var rs = format.LastIndexOf('\x1e');
        return rs < 0 ? stdout : stdout.Replace("\x1e\n", "\x1e" + format[(rs + 1)..] + "\n", StringComparison.Ordinal);
    }

    public static CommandResult Fail(CommandSpec spec, int exit, string stderr) => new(spec, exit, "", stderr, false, false, TimeSpan.Zero);
}
