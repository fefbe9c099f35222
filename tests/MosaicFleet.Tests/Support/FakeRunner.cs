using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Tests;

/// <summary>The suite's one scriptable fake runner. It records every command (<see cref="Specs"/>, and
/// <see cref="Calls"/> as argv arrays), then answers from its script: <see cref="Answer"/> (a result, or null to pass),
/// then <see cref="AnswerArgv"/>; a command neither answers goes to <see cref="Next"/> (a FakeTmux, or the real
/// <see cref="ProcessRunner"/> for commands that must really run), else gets exit 0 with no output.
/// Simulators with state of their own (FakeTmux, LoopbackSshRunner) are runners too, and sit behind it as Next.</summary>
public sealed class FakeRunner(Func<CommandSpec, CommandResult?>? answer = null, IProcessRunner? next = null) : IProcessRunner
{
    private readonly List<CommandSpec> _specs = [];

    /// <summary>Answers a command, or returns null to let the rest of the script (and then Next) answer it.</summary>
    public Func<CommandSpec, CommandResult?>? Answer { get; set; } = answer;

    /// <summary>Answers by argv: exit code, stdout, stderr.</summary>
    public Func<string[], (int Exit, string Stdout, string Stderr)>? AnswerArgv { get; set; }

    /// <summary>Runs what the script does not answer.</summary>
    public IProcessRunner? Next { get; set; } = next;

    /// <summary>A fake that runs every command for real, recording them (to count the processes a call starts).</summary>
    public static FakeRunner Real(Func<CommandSpec, CommandResult?>? answer = null) => new(answer, ProcessRunner.Instance);

    /// <summary>Every command, in the order run.</summary>
    public IReadOnlyList<CommandSpec> Specs { get { lock (_specs) return _specs.ToList(); } }

    /// <summary>Every command's argv, in the order run.</summary>
    public IReadOnlyList<string[]> Calls { get { lock (_specs) return _specs.Select(s => s.Argv.ToArray()).ToList(); } }

    /// <summary>The argv of every command whose program (argv[0], without its folder) is <paramref name="program"/>.</summary>
    public List<string[]> CallsOf(string program) => Calls.Where(c => Path.GetFileName(c[0]) == program).ToList();

    /// <summary>Forgets the commands recorded so far.</summary>
    public void Clear() { lock (_specs) _specs.Clear(); }

    public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_specs) _specs.Add(spec);
        if (Answer?.Invoke(spec) is { } answered) return Task.FromResult(answered);
        if (AnswerArgv is { } byArgv)
        {
            var (exit, stdout, stderr) = byArgv(spec.Argv.ToArray());
            return Task.FromResult(Result(spec, exit, stdout, stderr));
        }
        return Next is { } next ? next.RunAsync(spec, cancellationToken) : Task.FromResult(Ok(spec));
    }

    /// <summary>Exit 0 with <paramref name="stdout"/>. A fake list-panes answer ends its records with "\x1e\n" as
    /// tmux 3.3a printed the old format; like tmux, the fake then ends them with the call's own nonce from its -F.</summary>
    public static CommandResult Ok(CommandSpec spec, string stdout = "") => Result(spec, 0, stdout, "");

    public static CommandResult Fail(CommandSpec spec, int exit, string stderr) => Result(spec, exit, "", stderr);

    public static CommandResult Result(CommandSpec spec, int exit, string stdout, string stderr)
        => new(spec, exit, WithListPanesNonce(spec, stdout), stderr, false, false, TimeSpan.Zero);

    private static string WithListPanesNonce(CommandSpec spec, string stdout)
    {
        var i = spec.Argv.ToList().IndexOf("list-panes");
        if (i < 0 || i + 3 >= spec.Argv.Count || spec.Argv[i + 1] != "-a" || spec.Argv[i + 2] != "-F") return stdout;
        var format = spec.Argv[i + 3];
        var rs = format.LastIndexOf('\x1e');
        return rs < 0 ? stdout : stdout.Replace("\x1e\n", "\x1e" + format[(rs + 1)..] + "\n", StringComparison.Ordinal);
    }
}
