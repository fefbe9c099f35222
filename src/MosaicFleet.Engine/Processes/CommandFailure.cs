namespace MosaicFleet.Engine.Processes;

/// <summary>Why a command failed, the same way for every caller: the one place that tells "the host could not be
/// reached" from "the program is missing" from "the command ran and said no". Cmdlets map these to error ids
/// (<see cref="CommandResult.FailureOn"/>); nothing else should look at exit 255 or <see cref="CommandResult.NotFound"/>.</summary>
public enum CommandFailure
{
    /// <summary>The command succeeded.</summary>
    None,
    /// <summary>The transport to a remote host failed (ssh exit 255, or no ssh program): the command never ran there.</summary>
    TransportLost,
    /// <summary>The command ran and failed (non-zero exit); its stderr says why.</summary>
    CommandFailed,
    /// <summary>The command did not finish within its timeout, or its output did not end within it after it exited.</summary>
    TimedOut,
    /// <summary>The program itself does not exist: here (the runner could not start it) or on the remote host (exit 127).</summary>
    ProgramNotFound,
}
