using System.Diagnostics;
using System.Text;

namespace MosaicFleet.Engine.Processes;

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

    /// <summary>How every command starts: the program and its arguments as an argv list (no shell), all three streams
    /// redirected, UTF-8 both ways. Also used by <see cref="LongLivedProcess"/>.</summary>
    public static ProcessStartInfo StartInfo(CommandSpec spec)
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
        return psi;
    }

    public async Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        var psi = StartInfo(spec);

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

        var stdout = new PipeText(process.StandardOutput);
        var stderr = new PipeText(process.StandardError);
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

        // After the exit, read both pipes to their end: a process the child left behind (a daemon, a background job)
        // may still hold them open and write more. The wait is bounded by what is left of the timeout (at least
        // MinDrain); output that did not end by then is kept, and the result says so instead of passing for a success.
        var drained = Task.WhenAll(stdout.Completion, stderr.Completion);
        var left = spec.Timeout - sw.Elapsed;
        if (left < MinDrain) left = MinDrain;
        var complete = await Task.WhenAny(drained, Task.Delay(left, cancellationToken)).ConfigureAwait(false) == drained;
        cancellationToken.ThrowIfCancellationRequested();
        var exit = timedOut ? -1 : process.ExitCode;
        if (!complete)
        {
            var err = stderr.Text;
            if (err.Length > 0 && !err.EndsWith('\n')) err += "\n";
            return new CommandResult(spec, exit, stdout.Text, err + "(output pipes were still held open by another process)", timedOut, false, sw.Elapsed)
            {
                OutputIncomplete = !timedOut,
            };
        }
        return new CommandResult(spec, exit, stdout.Text, stderr.Text, timedOut, false, sw.Elapsed);
    }

    /// <summary>The least time given to a pipe to reach its end after the process exited (or was killed).</summary>
    private static readonly TimeSpan MinDrain = TimeSpan.FromSeconds(1);

    /// <summary>Reads a pipe to its end, keeping what has arrived so far readable at any time.</summary>
    private sealed class PipeText
    {
        private readonly StringBuilder _text = new();

        public PipeText(StreamReader reader) => Completion = Task.Run(() => PumpAsync(reader));

        public Task Completion { get; }

        public string Text
        {
            get
            {
                lock (_text) return _text.ToString();
            }
        }

        private async Task PumpAsync(StreamReader reader)
        {
            var buffer = new char[8192];
            try
            {
                int n;
                while ((n = await reader.ReadAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false)) > 0)
                {
                    lock (_text) _text.Append(buffer, 0, n);
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // The pipe was closed under us; what was read is kept.
            }
        }
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
