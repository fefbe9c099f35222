using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace MosaicFleet.Internal;

/// <summary>Loads the Engine and YamlDotNet from Dependencies/ into the module's own AssemblyLoadContext, so another
/// module's YamlDotNet (loaded before or after us) never collides with ours. The default context's Resolving handler
/// answers only for our own assemblies: the Engine (into our context) and the output-type assembly (into the default
/// context, where scripts can name its types). Pattern: PowerShell docs, "Resolving PowerShell module assembly
/// dependency conflicts".</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string ModuleDirectory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
    private static readonly string DependencyDirectory = Path.Combine(ModuleDirectory, "Dependencies");
    private static readonly FleetLoadContext LoadContext = new(DependencyDirectory);

    public void OnImport() => AssemblyLoadContext.Default.Resolving += ResolveOwnAssemblies;

    public void OnRemove(PSModuleInfo psModuleInfo) => AssemblyLoadContext.Default.Resolving -= ResolveOwnAssemblies;

    private static Assembly? ResolveOwnAssemblies(AssemblyLoadContext defaultContext, AssemblyName name)
    {
        switch (name.Name)
        {
            case "MosaicFleet.Engine":
                return LoadContext.LoadFromAssemblyName(name);
            case "MosaicFleet.Model":
                var path = Path.Combine(ModuleDirectory, "MosaicFleet.Model.dll");
                return File.Exists(path) ? defaultContext.LoadFromAssemblyPath(path) : null;
            default:
                return null;
        }
    }

    private sealed class FleetLoadContext(string directory) : AssemblyLoadContext("MosaicFleet", isCollectible: false)
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // The output types are shared with PowerShell's default context: one identity for [MosaicFleet.FleetAgent].
            if (assemblyName.Name == "MosaicFleet.Model") return typeof(FleetAgent).Assembly;
            var path = Path.Combine(directory, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
