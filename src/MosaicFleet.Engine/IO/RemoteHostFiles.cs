using System.Globalization;
using System.Text;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.IO;

/// <summary>The one constant POSIX sh script that reads, compares, writes, removes and lists MosaicFleet's files on a
/// remote host. It takes its data only as positional arguments (operation, path, mode, ...) and file content only on
/// stdin, so no path or byte of content ever reaches the remote shell's parser. It is one line without '!' (csh-family
/// login shells refuse a newline inside a quoted word and expand '!').
/// Every operation first prints <see cref="OutputMarker"/> on a line of its own; the answer follows it.
/// Operations (`sh -c SCRIPT mosaic-files OP ARGS...`):
/// <list type="bullet">
/// <item><c>read PATH</c>: the file's bytes on stdout; exit 4 when it is not a regular file.</item>
/// <item><c>current PATH MODE</c>: exit 0 when PATH is a regular file with mode MODE (octal, as `stat -c %a` prints it)
/// and exactly the bytes on stdin, else 1 (stdin is always read to its end).</item>
/// <item><c>write PATH MODE DIRMODE</c>: stdin goes to a temp file in PATH's directory (created exclusively, mode MODE set
/// before the first byte), then: same bytes and mode as PATH prints "unchanged" and removes the temp file; otherwise
/// `mv` renames it over PATH (atomic) and prints "written". A missing directory is created (with DIRMODE when not empty).</item>
/// <item><c>remove PATH MARKER</c>: removes PATH only when its first line starts with MARKER ("removed"); prints
/// "absent" when there is no file; exit 5 (file kept) when it is not ours.</item>
/// <item><c>list DIR SUFFIX</c>: NUL-terminated names of the regular files in DIR ending with SUFFIX.</item>
/// <item><c>dirs DIR...</c>: NUL-terminated, those of the arguments that are directories.</item>
/// </list></summary>
public static class RemoteFileScript
{
    public const string ArgZero = "mosaic-files";

    /// <summary>The script's first line of output: whatever a login script prints before it is not the answer.</summary>
    public const string OutputMarker = "@@mosaic-fleet-files@@";

    public static readonly string Script = string.Join(' ',
        $"op=$1; shift; printf '%s\\n' '{OutputMarker}';",
        "case $op in",
        "read) [ -f \"$1\" ] || exit 4; exec cat -- \"$1\" ;;",
        "current) c=1; if [ -f \"$1\" ] && [ \"$(stat -c %a -- \"$1\")\" = \"$2\" ]; then cmp -s - \"$1\" && c=0; fi; cat > /dev/null; exit $c ;;",
        "write) p=$1; m=$2; dm=$3; d=${p%/*}; [ -n \"$d\" ] || d=/;",
        "if [ -d \"$d\" ]; then :; elif [ -n \"$dm\" ]; then (umask 077; mkdir -p -- \"$d\") && chmod \"$dm\" -- \"$d\" || exit 3; else mkdir -p -- \"$d\" || exit 3; fi;",
        "t=\"$d/.${p##*/}.$$.mosaic-tmp\";",
        "trap 'rm -f -- \"$t\"' EXIT; trap 'exit 130' HUP INT TERM;",
        "(set -C; umask 077; : > \"$t\") || exit 3; chmod \"$m\" -- \"$t\" || exit 3; cat > \"$t\" || exit 3;",
        "if [ -f \"$p\" ] && [ \"$(stat -c %a -- \"$p\")\" = \"$m\" ] && cmp -s -- \"$t\" \"$p\"; then echo unchanged; exit 0; fi;",
        "mv -f -- \"$t\" \"$p\" || exit 3; echo written ;;",
        "remove) [ -e \"$1\" ] || { echo absent; exit 0; }; [ -f \"$1\" ] || exit 5; IFS= read -r first < \"$1\";",
        "case $first in \"$2\"*) rm -f -- \"$1\" && echo removed ;; *) echo \"not written by MosaicFleet; left alone\" >&2; exit 5 ;; esac ;;",
        "list) [ -d \"$1\" ] || exit 0; for f in \"$1\"/*\"$2\"; do [ -f \"$f\" ] && printf '%s\\0' \"${f##*/}\"; done; exit 0 ;;",
        "dirs) for d in \"$@\"; do [ -d \"$d\" ] && printf '%s\\0' \"$d\"; done; exit 0 ;;",
        "*) echo \"unknown operation $op\" >&2; exit 2 ;;",
        "esac");

    /// <summary>The argv of one operation (run on the host through <see cref="HostRunner"/>).</summary>
    public static CommandSpec Command(TimeSpan timeout, string operation, params string[] args)
        => new(["sh", "-c", Script, ArgZero, operation, .. args], timeout);

    /// <summary>A file mode the way `stat -c %a` prints it (octal, no leading zero): 600, 644.</summary>
    public static string Mode(UnixFileMode mode) => Convert.ToString((int)mode & 0xFFF, 8);

    /// <summary>The script's own output: what follows its marker line, or null when the script did not run.</summary>
    public static string? Output(string stdout)
    {
        var at = stdout.IndexOf(OutputMarker + "\n", StringComparison.Ordinal);
        return at < 0 ? null : stdout[(at + OutputMarker.Length + 1)..];
    }

    /// <summary>Splits NUL-terminated output.</summary>
    public static IReadOnlyList<string> SplitNul(string stdout) => stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>The files of a remote host, read and written over the host's ssh transport with <see cref="RemoteFileScript"/>
/// (one ssh call per operation; the connection is shared through ControlMaster). Writes are atomic and idempotent on
/// the host (temp file in the same directory + mv; same bytes and mode: not touched). Content is text (UTF-8).
/// A host that cannot be reached throws <see cref="FleetHostException"/> (<see cref="FleetErrorIds.FleetHostUnreachable"/>); a
/// failing file operation throws <see cref="IOException"/> with the remote message.</summary>
public sealed class RemoteHostFiles(FleetContext context, string hostName, CancellationToken cancellationToken) : IHostFiles
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public string HostName => hostName;

    public bool Exists(string path) => Read(path) is not null;

    public byte[]? Read(string path)
    {
        var result = Run("read", null, path);
        if (result.ExitCode == 4) return null;
        Check(result, path);
        return StrictUtf8.GetBytes(Answer(result, path));
    }

    public bool IsCurrent(string path, byte[] content, UnixFileMode mode)
    {
        var result = Run("current", Text(content), path, RemoteFileScript.Mode(mode));
        if (result.ExitCode is 0 or 1 && !result.TimedOut) return result.ExitCode == 0;
        Check(result, path);
        return false;
    }

    public bool WriteAtomic(string path, byte[] content, UnixFileMode mode, UnixFileMode? directoryMode = null)
    {
        var result = Run("write", Text(content), path, RemoteFileScript.Mode(mode), directoryMode is { } dm ? RemoteFileScript.Mode(dm) : "");
        Check(result, path);
        return LastLine(Answer(result, path)) switch
        {
            "written" => true,
            "unchanged" => false,
            var other => throw new IOException($"Writing {path} on host {hostName}: unexpected answer '{other}'."),
        };
    }

    public bool Delete(string path)
    {
        var result = Run("remove", null, path, OwnedPath.Marker);
        Check(result, path);
        return LastLine(Answer(result, path)) == "removed";
    }

    public IReadOnlyList<string> List(string directory, string pattern)
    {
        if (!pattern.StartsWith('*') || pattern.IndexOfAny(['*', '?', '['], 1) >= 0)
            throw new ArgumentException("Only '*<suffix>' patterns are supported on a remote host.", nameof(pattern));
        var result = Run("list", null, directory, pattern[1..]);
        Check(result, directory);
        return RemoteFileScript.SplitNul(Answer(result, directory)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Those of <paramref name="directories"/> that are directories on the host, in the given order (one call).</summary>
    public IReadOnlyList<string> ExistingDirectories(IReadOnlyList<string> directories)
    {
        if (directories.Count == 0) return [];
        var result = Run("dirs", null, [.. directories]);
        Check(result, string.Join(':', directories));
        var found = RemoteFileScript.SplitNul(Answer(result, "runtime bin directories")).ToHashSet(StringComparer.Ordinal);
        return directories.Where(found.Contains).ToList();
    }

    private CommandResult Run(string operation, string? stdin, params string[] args)
    {
        var spec = RemoteFileScript.Command(context.CommandTimeout, operation, args);
        if (stdin is not null) spec = spec.WithStdin(stdin);
        var result = context.Runner.RunAsync(context.HostOf(hostName), spec, cancellationToken).GetAwaiter().GetResult();
        if (result.Unreached(remote: true))
        {
            var why = result.TimedOut ? $"no answer within {spec.Timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s"
                : result.NotFound ? "ssh was not found" : result.Stderr.Trim();
            throw new FleetHostException(hostName, FleetErrorIds.FleetHostUnreachable, $"Cannot reach host {hostName}: {why}");
        }
        return result;
    }

    private void Check(CommandResult result, string path)
    {
        if (result.Success) return;
        var err = result.Stderr.Trim();
        throw new IOException($"{path} on host {hostName}: {(err.Length > 0 ? err : $"exit {result.ExitCode}")}");
    }

    private string Answer(CommandResult result, string what)
        => RemoteFileScript.Output(result.Stdout)
            ?? throw new IOException($"{what} on host {hostName}: the remote shell did not run the file script ({result.Describe()}).");

    private static string Text(byte[] content) => StrictUtf8.GetString(content);

    private static string LastLine(string stdout)
    {
        var lines = stdout.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        return lines[^1];
    }
}
