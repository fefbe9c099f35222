namespace MosaicFleet.Engine.Processes;

/// <summary>Runs commands on hosts through one <see cref="IProcessRunner"/>.</summary>
public sealed class HostRunner(IProcessRunner runner)
{
    public IProcessRunner Runner { get; } = runner;

    /// <summary>Runs <paramref name="spec"/> on <paramref name="host"/>; the result names the command as the caller wrote it.</summary>
    public async Task<CommandResult> RunAsync(FleetHost host, CommandSpec spec, CancellationToken cancellationToken)
    {
        var result = await Runner.RunAsync(host.Wrap(spec), cancellationToken).ConfigureAwait(false);
        return result with { Spec = spec };
    }
}
