using System.Reflection;
using System.Runtime.InteropServices;

namespace MosaicFleet.HelpGen;

/// <summary>One [Parameter] attribute of a parameter: its set and binding.</summary>
internal sealed record ParameterSetBinding(string SetName, bool Mandatory, int? Position, bool ByValue, bool ByPropertyName, bool Remaining);

internal sealed class ParameterMeta
{
    public required string Name { get; init; }
    /// <summary>As PowerShell shows it: String[], SwitchParameter, FleetAgent[].</summary>
    public required string TypeName { get; init; }
    public required string FullTypeName { get; init; }
    public bool IsSwitch { get; init; }
    public List<ParameterSetBinding> Sets { get; } = [];
    public List<string> Aliases { get; } = [];
    public bool Wildcards { get; set; }
    public List<string> ValidValues { get; } = [];
    /// <summary>Generated for SupportsShouldProcess (-WhatIf, -Confirm): not written in the markdown.</summary>
    public bool Generated { get; init; }

    public bool InAllSets => Sets.Any(s => s.SetName == CmdletMeta.AllSets);

    public string PipelineInput()
    {
        var byValue = Sets.Any(s => s.ByValue);
        var byName = Sets.Any(s => s.ByPropertyName);
        return (byValue, byName) switch
        {
            (true, true) => "True (ByPropertyName, ByValue)",
            (true, false) => "True (ByValue)",
            (false, true) => "True (ByPropertyName)",
            _ => "False",
        };
    }
}

internal sealed class CmdletMeta
{
    public const string AllSets = "__AllParameterSets";

    public required string Name { get; init; }
    public required string Verb { get; init; }
    public required string Noun { get; init; }
    public string? DefaultSet { get; init; }
    public bool SupportsShouldProcess { get; init; }
    public List<ParameterMeta> Parameters { get; } = [];
    public List<string> OutputTypes { get; } = [];

    /// <summary>The parameter-set names, default set first; one "__AllParameterSets" when the cmdlet declares none.</summary>
    public List<string> SetNames()
    {
        var names = Parameters.SelectMany(p => p.Sets).Select(s => s.SetName).Where(s => s != AllSets).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (names.Count == 0) return [AllSets];
        if (DefaultSet is not null && names.Remove(DefaultSet)) names.Insert(0, DefaultSet);
        return names;
    }
}

/// <summary>Reads cmdlet and parameter metadata from the built assembly without executing it.</summary>
internal static class CmdletMetadataReader
{
    private const string Sma = "System.Management.Automation.";

    /// <summary>The module's one error list (MosaicFleet.Engine.Errors.FleetErrorIds), read from the Engine assembly
    /// among <paramref name="referencePaths"/> without executing it: (group, id, category, meaning) in declaration order.</summary>
    public static List<(string Group, string Id, string Category, string Meaning)> ReadErrorIds(IEnumerable<string> referencePaths)
    {
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        void Add(string file) => byName.TryAdd(Path.GetFileNameWithoutExtension(file), file);
        foreach (var r in referencePaths)
        {
            if (Directory.Exists(r)) foreach (var f in Directory.EnumerateFiles(r, "*.dll")) Add(f);
            else if (File.Exists(r)) Add(r);
        }
        foreach (var f in Directory.EnumerateFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")) Add(f);
        if (!byName.TryGetValue("MosaicFleet.Engine", out var engine)) throw new FileNotFoundException("MosaicFleet.Engine.dll is not among the references.");
        using var context = new MetadataLoadContext(new PathAssemblyResolver(byName.Values), "System.Private.CoreLib");
        var type = context.LoadFromAssemblyPath(Path.GetFullPath(engine)).GetType("MosaicFleet.Engine.Errors.FleetErrorIds", throwOnError: true)!;
        var list = new List<(string, string, string, string)>();
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).OrderBy(f => f.MetadataToken))
        {
            var attr = field.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.Name == "FleetErrorAttribute");
            if (attr is null) continue;
            list.Add(((string)attr.ConstructorArguments[0].Value!, (string)field.GetRawConstantValue()!, (string)attr.ConstructorArguments[1].Value!, (string)attr.ConstructorArguments[2].Value!));
        }
        return list;
    }

    public static List<CmdletMeta> Read(string assemblyPath, IEnumerable<string> referencePaths)
    {
        // One path per simple name: the module's own folder first, then the given references, then the runtime.
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        void Add(string file) => byName.TryAdd(Path.GetFileNameWithoutExtension(file), file);
        Add(assemblyPath);
        foreach (var r in referencePaths)
        {
            if (Directory.Exists(r)) foreach (var f in Directory.EnumerateFiles(r, "*.dll")) Add(f);
            else if (File.Exists(r)) Add(r);
        }
        foreach (var f in Directory.EnumerateFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")) Add(f);

        using var context = new MetadataLoadContext(new PathAssemblyResolver(byName.Values), "System.Private.CoreLib");
        var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(assemblyPath));
        var result = new List<CmdletMeta>();
        foreach (var type in assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && t.IsPublic).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var cmdletAttr = type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == Sma + "CmdletAttribute");
            if (cmdletAttr is null) continue;
            var verb = (string)cmdletAttr.ConstructorArguments[0].Value!;
            var noun = (string)cmdletAttr.ConstructorArguments[1].Value!;
            var cmdlet = new CmdletMeta
            {
                Name = $"{verb}-{noun}",
                Verb = verb,
                Noun = noun,
                DefaultSet = Named<string>(cmdletAttr, "DefaultParameterSetName"),
                SupportsShouldProcess = Named<bool>(cmdletAttr, "SupportsShouldProcess"),
            };
            foreach (var output in type.GetCustomAttributesData().Where(a => a.AttributeType.FullName == Sma + "OutputTypeAttribute"))
            {
                foreach (var arg in output.ConstructorArguments)
                {
                    if (arg.Value is IEnumerable<CustomAttributeTypedArgument> items)
                    {
                        foreach (var item in items) cmdlet.OutputTypes.Add(item.Value is Type t ? t.FullName! : item.Value?.ToString() ?? "");
                    }
                }
            }
            // Base-class parameters (-RosterPath) after the cmdlet's own, as PowerShell lists them.
            var props = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .OrderBy(p => Depth(type, p.DeclaringType!))
                .ThenBy(p => p.MetadataToken);
            foreach (var prop in props)
            {
                var attrs = prop.GetCustomAttributesData();
                var paramAttrs = attrs.Where(a => a.AttributeType.FullName == Sma + "ParameterAttribute").ToList();
                if (paramAttrs.Count == 0) continue;
                // A hidden parameter (DontShow: the base class's PipelineObject) is plumbing, not for operators.
                if (paramAttrs.Any(pa => Named<bool>(pa, "DontShow"))) continue;
                var (typeName, fullName, isSwitch, enumValues) = Describe(prop.PropertyType);
                var meta = new ParameterMeta { Name = prop.Name, TypeName = typeName, FullTypeName = fullName, IsSwitch = isSwitch };
                foreach (var pa in paramAttrs)
                {
                    var position = Named<int?>(pa, "Position");
                    meta.Sets.Add(new ParameterSetBinding(
                        Named<string>(pa, "ParameterSetName") ?? CmdletMeta.AllSets,
                        Named<bool>(pa, "Mandatory"),
                        position is null or int.MinValue ? null : position,
                        Named<bool>(pa, "ValueFromPipeline"),
                        Named<bool>(pa, "ValueFromPipelineByPropertyName"),
                        Named<bool>(pa, "ValueFromRemainingArguments")));
                }
                foreach (var a in attrs)
                {
                    switch (a.AttributeType.FullName)
                    {
                        case Sma + "AliasAttribute":
                            meta.Aliases.AddRange(Strings(a));
                            break;
                        case Sma + "SupportsWildcardsAttribute":
                            meta.Wildcards = true;
                            break;
                        case Sma + "ValidateSetAttribute":
                            meta.ValidValues.AddRange(Strings(a));
                            break;
                    }
                }
                if (meta.ValidValues.Count == 0) meta.ValidValues.AddRange(enumValues);
                cmdlet.Parameters.Add(meta);
            }
            if (cmdlet.SupportsShouldProcess)
            {
                cmdlet.Parameters.Add(Common("WhatIf", "wi"));
                cmdlet.Parameters.Add(Common("Confirm", "cf"));
            }
            result.Add(cmdlet);
        }
        return result;
    }

    private static ParameterMeta Common(string name, string alias)
    {
        var p = new ParameterMeta { Name = name, TypeName = "SwitchParameter", FullTypeName = Sma + "SwitchParameter", IsSwitch = true, Generated = true };
        p.Sets.Add(new ParameterSetBinding(CmdletMeta.AllSets, false, null, false, false, false));
        p.Aliases.Add(alias);
        return p;
    }

    private static int Depth(Type type, Type declaring)
    {
        var d = 0;
        for (var t = type; t is not null && t != declaring; t = t.BaseType) d++;
        return d;
    }

    private static (string Short, string Full, bool IsSwitch, List<string> EnumValues) Describe(Type type)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1") type = type.GetGenericArguments()[0];
        var element = type.IsArray ? type.GetElementType()! : type;
        var suffix = type.IsArray ? "[]" : "";
        var enumValues = element.IsEnum
            ? element.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name).ToList()
            : [];
        return (element.Name + suffix, element.FullName + suffix, type.FullName == Sma + "SwitchParameter", enumValues);
    }

    private static T? Named<T>(CustomAttributeData a, string name)
    {
        foreach (var na in a.NamedArguments)
        {
            if (na.MemberName == name && na.TypedValue.Value is T v) return v;
        }
        return default;
    }

    private static IEnumerable<string> Strings(CustomAttributeData a)
    {
        foreach (var arg in a.ConstructorArguments)
        {
            if (arg.Value is IEnumerable<CustomAttributeTypedArgument> items)
            {
                foreach (var item in items) if (item.Value is string s) yield return s;
            }
            else if (arg.Value is string s) yield return s;
        }
    }
}
