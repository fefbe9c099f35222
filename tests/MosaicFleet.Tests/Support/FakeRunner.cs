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

    public static CommandResult Ok(CommandSpec spec, string stdout = "") => new(spec, 0, stdout, "", false, false, TimeSpan.Zero);

    public static CommandResult Fail(CommandSpec spec, int exit, string stderr) => new(spec, exit, "", stderr, false, false, TimeSpan.Zero);
}
