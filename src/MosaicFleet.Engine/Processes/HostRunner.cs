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

    /// <summary>Starts <paramref name="spec"/> on <paramref name="host"/> to run until it is killed (read line by line);
    /// null when the program (sh here, or ssh) does not exist. Its <see cref="CommandSpec.Timeout"/> is not applied.</summary>
    public LongLivedProcess? StartLongLived(FleetHost host, CommandSpec spec) => LongLivedProcess.Start(host.Wrap(spec));
}
