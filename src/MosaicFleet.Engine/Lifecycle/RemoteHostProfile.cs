using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>What a remote host's lifecycle needs, read ON that host: its user, $HOME, $XDG_CONFIG_HOME, the absolute
/// tmux and sh to bake into its units, its npm prefix and its $MOSAIC_RUNTIME_BIN.</summary>
public sealed record RemoteHostProfile(string HostName, string User, string Home, string? XdgConfigHome, string? Tmux, string? Sh, string? NpmPrefix, string? RuntimeBin, string? XdgDataHome = null)
{
    /// <summary>$XDG_CONFIG_HOME when absolute, else ~/.config, as on this machine (<see cref="LifecyclePaths.FromEnvironment"/>).</summary>
    public LifecyclePaths Paths => LifecyclePaths.FromEnvironment(k => k switch
    {
        "XDG_CONFIG_HOME" => XdgConfigHome,
        "HOME" => Home,
        _ => null,
    });
}
