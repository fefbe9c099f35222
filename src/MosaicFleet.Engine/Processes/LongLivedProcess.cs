using System.Diagnostics;
using System.Text;

namespace MosaicFleet.Engine.Processes;

/// <summary>A command that keeps running and is read line by line (a host's event source): an argv list started with
/// <see cref="ProcessStartInfo.ArgumentList"/>, stdout read by the caller, the last bytes of stderr kept for the message
/// when it ends. <see cref="Kill"/> (and <see cref="Dispose"/>) kill the whole process tree. Start it through
/// <see cref="HostRunner.StartLongLived"/>, which addresses it to a host.</summary>
public sealed class LongLivedProcess : IDisposable
{
    private const int StderrKept = 8192;
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrPump;

    private LongLivedProcess(Process process, CommandSpec spec)
    {
        _process = process;
        Spec = spec;
        _stderrPump = Task.Run(PumpStderrAsync);
    }

    /// <summary>The argv that runs (for a remote host, the ssh argv).</summary>
    public CommandSpec Spec { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once it ended (-1 if it has not).</summary>
    public int ExitCode => _process.HasExited ? _process.ExitCode : -1;

    /// <summary>Starts <paramref name="spec"/> here; null when its program does not exist.</summary>
    public static LongLivedProcess? Start(CommandSpec spec)
    {
        var psi = ProcessRunner.StartInfo(spec);
        var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            process.Dispose();
            return null;
        }
        return new LongLivedProcess(process, spec);
    }

    /// <summary>The next line of stdout; null at its end (the process ended or closed it).</summary>
    public Task<string?> ReadLineAsync() => _process.StandardOutput.ReadLineAsync(CancellationToken.None).AsTask();

    /// <summary>The last lines of stderr (waits briefly for the pipe's end once the process has ended).</summary>
    public async Task<string> StderrTailAsync()
    {
        await Task.WhenAny(_stderrPump, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false);
        lock (_stderr) return _stderr.ToString();
    }

    /// <summary>Kills the process and everything it started here, and waits (bounded) for it to end.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private async Task PumpStderrAsync()
    {
        var buffer = new char[4096];
        try
        {
            int n;
            while ((n = await _process.StandardError.ReadAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false)) > 0)
            {
                lock (_stderr)
                {
                    _stderr.Append(buffer, 0, n);
                    if (_stderr.Length > StderrKept) _stderr.Remove(0, _stderr.Length - StderrKept);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }
}
