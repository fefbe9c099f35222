using System.Diagnostics;
using System.Text;

namespace MosaicFleet.Engine.Processes;

/// <summary>One external command: an argv list (never a shell string), optional stdin, a timeout.</summary>
public sealed record CommandSpec(IReadOnlyList<string> Argv, TimeSpan Timeout, string? Stdin = null)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public static CommandSpec Of(params string[] argv) => new(argv, DefaultTimeout);

    public CommandSpec WithStdin(string stdin) => this with { Stdin = stdin };

    public CommandSpec WithTimeout(TimeSpan timeout) => this with { Timeout = timeout };

    /// <summary>The argv as a POSIX-quoted line, for messages and -Verbose only.</summary>
    public string Display => PosixShell.Join(Argv);
}

/// <summary>What a command did. The exit code is the truth; stderr is kept for the error.</summary>
public sealed record CommandResult(CommandSpec Spec, int ExitCode, string Stdout, string Stderr, bool TimedOut, bool NotFound, TimeSpan Elapsed)
{
    public bool Success => ExitCode == 0 && !TimedOut && !NotFound;

    /// <summary>A one-line description of a failure, with stderr.</summary>
    public string Describe()
    {
        if (NotFound) return $"'{Spec.Argv[0]}' was not found";
        var shown = Shorten(Spec.Display);
        if (TimedOut) return $"'{shown}' timed out after {Spec.Timeout.TotalSeconds:0.#} s";
        var err = Stderr.Trim();
        if (err.Length == 0) err = Stdout.Trim();
        return err.Length == 0
            ? $"'{shown}' exited with {ExitCode}"
            : $"'{shown}' exited with {ExitCode}: {Shorten(err, 2000)}";
    }

    /// <summary>As <see cref="Describe"/>, but never with stdout: the output of a batched call holds other agents' screens.</summary>
    public string DescribeWithoutOutput() => (this with { Stdout = "" }).Describe();

    /// <summary>A batched command line (one tmux call for a hundred panes) is kilobytes long: an error message shows its
    /// start and says how much was left out.</summary>
    internal static string Shorten(string text, int max = 300)
        => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), $" ... ({text.Length - max} more characters)");
}

/// <summary>Runs commands. Every tmux, systemctl, loginctl and ssh call goes through an implementation of this.</summary>
public interface IProcessRunner
{
    Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken);
}

/// <summary>Runs a local argv with <see cref="ProcessStartInfo.ArgumentList"/>, captures both streams, enforces the timeout
/// and kills the whole process tree on timeout or cancellation.</summary>
public sealed class ProcessRunner : IProcessRunner
{
    public static readonly ProcessRunner Instance = new();

    private static long _spawnCount;

    /// <summary>Processes started by this runner in this process (for benchmarks and -Verbose).</summary>
    public static long SpawnCount => Interlocked.Read(ref _spawnCount);

    public async Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        if (spec.Argv.Count == 0) throw new ArgumentException("A command needs at least a program name.", nameof(spec));
        var psi = new ProcessStartInfo
        {
            FileName = spec.Argv[0],
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        for (var i = 1; i < spec.Argv.Count; i++) psi.ArgumentList.Add(spec.Argv[i]);

        var sw = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
            Interlocked.Increment(ref _spawnCount);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return new CommandResult(spec, 127, "", $"{spec.Argv[0]}: command not found", false, true, sw.Elapsed);
        }

        var stdoutTask = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(spec.Timeout);
        var timedOut = false;
        try
        {
            try
            {
                if (spec.Stdin is not null) await process.StandardInput.WriteAsync(spec.Stdin.AsMemory(), timeoutCts.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The child closed stdin early; its exit code and stderr say why.
            }
            await process.WaitForExitAsync(timeoutCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            if (cancellationToken.IsCancellationRequested) throw;
            timedOut = true;
        }

        // Once the process is gone its pipes close; a grandchild holding them open must not hang us.
        var drained = Task.WhenAll(stdoutTask, stderrTask);
        if (await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false) != drained)
        {
            return new CommandResult(spec, timedOut ? -1 : process.ExitCode, "", "output pipes were held open by another process", timedOut, false, sw.Elapsed);
        }
        var exit = timedOut ? -1 : process.ExitCode;
        return new CommandResult(spec, exit, stdoutTask.Result, stderrTask.Result, timedOut, false, sw.Elapsed);
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }
}
