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
