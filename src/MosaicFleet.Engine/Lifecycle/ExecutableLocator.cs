using MosaicFleet.Engine.Roster;

namespace MosaicFleet.Engine.Lifecycle;

/// <summary>Finds programs the way a shell does, to bake absolute paths into unit files at install time.</summary>
public static class ExecutableLocator
{
    public static string? Find(string program, string? pathVariable, string? workingDirectory = null)
    {
        if (string.IsNullOrEmpty(program)) return null;
        if (program.Contains('/'))
        {
            var full = Path.GetFullPath(program, workingDirectory ?? Environment.CurrentDirectory);
            return IsExecutable(full) ? full : null;
        }
        foreach (var dir in (pathVariable ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Path.IsPathRooted(dir)) continue;
            var candidate = Path.Combine(dir, program);
            if (IsExecutable(candidate)) return candidate;
        }
        return null;
    }

    public static bool IsExecutable(string path)
    {
        if (!File.Exists(path)) return false;
        if (OperatingSystem.IsWindows()) return true;
        var mode = File.GetUnixFileMode(path);
        return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }

    /// <summary>The POSIX shell for pane commands: /bin/sh where it exists, else sh on PATH.</summary>
    public static string? Sh(string? pathVariable) => IsExecutable("/bin/sh") ? "/bin/sh" : Find("sh", pathVariable);
}
