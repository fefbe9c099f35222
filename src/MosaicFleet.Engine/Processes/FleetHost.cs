namespace MosaicFleet.Engine.Processes;

/// <summary>Where a command runs. Every caller addresses commands to a host; the host decides how the argv travels
/// (local: as is; remote: wrapped in ssh with POSIX quoting). Adding a transport changes no caller.</summary>
public abstract class FleetHost
{
    public const string LocalName = "local";

    public abstract string Name { get; }

    public abstract bool IsLocal { get; }

    /// <summary>The argv that actually runs on this machine to run <paramref name="spec"/> on this host.</summary>
    public abstract CommandSpec Wrap(CommandSpec spec);

    public override string ToString() => Name;
}

/// <summary>This machine.</summary>
public sealed class LocalHost : FleetHost
{
    public static readonly LocalHost Instance = new();

    private LocalHost() { }

    public override string Name => LocalName;

    public override bool IsLocal => true;

    public override CommandSpec Wrap(CommandSpec spec) => spec;
}
