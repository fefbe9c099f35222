using System.Text;
using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Tests;

/// <summary>Runs real shells and programs for the transport tests.</summary>
internal static class ShellHarness
{
    /// <summary>A python3 program that writes its arguments NUL-separated, byte-exact (argv as the kernel gave it).</summary>
    public const string ArgvDumper = "import os, sys; sys.stdout.buffer.write(b'\\0'.join(os.fsencode(a) for a in sys.argv[1:]))";

    /// <summary>Strings that break naive quoting.</summary>
    public static readonly string[] AwkwardWords =
    [
        "",
        "plain",
        "it's",
        "''",
        "'",
        "\"double\" quotes",
        "$HOME and ${PATH} and $(id) and `id`",
        "back\\slash \\\\ and trailing \\",
        "\\'",
        "new\nline\n",
        "tab\there",
        "carriage\rreturn",
        "日本語のテキスト",
        "emoji 🚀🧪 done",
        "-leading-dash",
        "--",
        "-n",
        "~",
        "~/tilde",
        "=equals",
        "%self",
        "%1",
        "*glob?[a]",
        "{a,b}",
        "semi; colon & amp | pipe > gt < lt",
        "# hash",
        "!bang !!",
        "(paren)",
        "a\u001fb\u001ec\u001bd",
        "  spaced  ",
    ];

    public static string? Which(string program)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = Path.Combine(dir, program);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    public static async Task<CommandResult> RunAsync(IReadOnlyList<string> argv, string? stdin = null, int timeoutSeconds = 30)
        => await ProcessRunner.Instance.RunAsync(new CommandSpec(argv, TimeSpan.FromSeconds(timeoutSeconds), stdin), CancellationToken.None);

    public static string[] SplitNul(string text) => text.Split('\0');

    public static string Show(string s)
    {
        var sb = new StringBuilder();
        foreach (var c in s) sb.Append(c < 0x20 || c == 0x7f ? $"\\x{(int)c:x2}" : c.ToString());
        return sb.ToString();
    }
}
