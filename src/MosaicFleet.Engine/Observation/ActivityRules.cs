using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace MosaicFleet.Engine.Observation;

/// <summary>Reads an agent's activity from two captures of its pane. Pure functions: no tmux, no clock.</summary>
public static class ActivityRules
{
    /// <summary>How many of the pane's bottom lines (after trailing blank lines are dropped) the patterns see.</summary>
    public const int BottomLineCount = 15;

    /// <summary>The gap between the two captures of Get-FleetAgent -Activity, and the poll interval of Wait-FleetAgent.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(600);

    /// <summary>Used after a send when the runtime declares no idleAfterSeconds.</summary>
    public const double DefaultIdleAfterSeconds = 3;

    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The bottom <paramref name="count"/> lines of a capture, trailing blank lines (the empty part of the
    /// screen below a TUI) dropped first, trailing spaces trimmed.</summary>
    public static string BottomLines(string capture, int count = BottomLineCount)
    {
        var lines = capture.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Count - count)));
    }

    /// <summary>True when <paramref name="pattern"/> (multiline: ^ and $ match at line ends) matches the bottom lines.</summary>
    public static bool Matches(string? pattern, string capture)
    {
        if (string.IsNullOrEmpty(pattern)) return false;
        try
        {
            return Regex.IsMatch(BottomLines(capture), pattern, RegexOptions.CultureInvariant | RegexOptions.Multiline, MatchTimeout);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>The content hash used to decide whether the screen changed (SHA-256 of the whole capture, hex).</summary>
    public static string Hash(string capture)
        => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(capture.Replace("\r\n", "\n", StringComparison.Ordinal))));

    /// <summary>The activity shown by a later capture, given the hash of an earlier one.
    /// Waiting wins over Busy; a screen that changed between the readings is Busy; an unchanged screen with no match is Idle.
    /// A missing reading (null) gives Unknown.</summary>
    public static FleetAgentActivity ClassifyAfter(FleetRuntime runtime, string? earlierHash, string? laterCapture)
    {
        if (laterCapture is null) return FleetAgentActivity.Unknown;
        if (Matches(runtime.WaitingPattern, laterCapture)) return FleetAgentActivity.Waiting;
        if (Matches(runtime.BusyPattern, laterCapture)) return FleetAgentActivity.Busy;
        if (earlierHash is null) return FleetAgentActivity.Unknown;
        return string.Equals(earlierHash, Hash(laterCapture), StringComparison.Ordinal) ? FleetAgentActivity.Idle : FleetAgentActivity.Busy;
    }

    /// <summary>The activity from two captures taken a short interval apart.</summary>
    public static FleetAgentActivity Classify(FleetRuntime runtime, string? first, string? second)
        => ClassifyAfter(runtime, first is null ? null : Hash(first), second);

    public static double IdleAfterSeconds(FleetRuntime runtime) => runtime.IdleAfterSeconds ?? DefaultIdleAfterSeconds;
}

/// <summary>The idle rule of Wait-FleetAgent for one agent. Right after a send, an agent that has not started yet
/// looks idle; so Idle counts only once Busy was seen, or once idleAfterSeconds have passed since the send.
/// A runtime that declares idleAfterSeconds (<paramref name="stableSeconds"/> above 0) also needs the screen to have
/// stayed unchanged that long, tracked across polls: the time since the first of the consecutive unchanged readings.
/// Unknown never counts as Idle; Waiting is neither Idle nor Busy.</summary>
public sealed class WaitTracker(FleetAgentActivity target, DateTimeOffset? sentAt, double idleAfterSeconds, double stableSeconds = 0)
{
    private DateTimeOffset? _previousReading, _unchangedSince;

    /// <summary>How long the screen must stay unchanged to count as Idle (0: one unchanged interval is enough).</summary>
    public double StableSeconds { get; } = stableSeconds;

    public FleetAgentActivity Target { get; } = target;

    public DateTimeOffset? SentAt { get; } = sentAt;

    public double IdleAfterSeconds { get; } = idleAfterSeconds;

    public bool SeenBusy { get; private set; }

    public FleetAgentActivity Last { get; private set; } = FleetAgentActivity.Unknown;

    /// <summary>Feeds one reading; true when the agent has reached the target state.</summary>
    public bool Observe(FleetAgentActivity activity, DateTimeOffset now)
    {
        Last = activity;
        if (activity == FleetAgentActivity.Busy) SeenBusy = true;
        // An Idle reading means the screen did not change since the previous reading: unchanged since then.
        _unchangedSince = activity == FleetAgentActivity.Idle ? _unchangedSince ?? _previousReading ?? now : null;
        _previousReading = now;
        return Reached(activity, now);
    }

    /// <summary>What the last reading showed, in words that agree with <see cref="Reached"/>: an Idle reading that does
    /// not count yet says why (a screen that has not stayed unchanged long enough, or no Busy seen since the send).</summary>
    public string LastSeen(DateTimeOffset now)
    {
        if (Last == FleetAgentActivity.Idle && Target == FleetAgentActivity.Idle && !Reached(Last, now))
        {
            var unchanged = _unchangedSince is { } since ? (now - since).TotalSeconds : 0;
            if (StableSeconds > 0 && unchanged < StableSeconds)
                return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"last seen with its screen unchanged for {unchanged:0.#} s, short of the {StableSeconds:0.#} s that count as Idle (the screen keeps changing)");
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"last seen quiet, but not Busy since the send and not yet {IdleAfterSeconds:0.#} s after it");
        }
        return $"last seen {Last}";
    }

    public bool Reached(FleetAgentActivity activity, DateTimeOffset now)
    {
        if (activity != Target) return false;
        if (Target != FleetAgentActivity.Idle) return true;
        if (StableSeconds > 0 && (_unchangedSince is not { } since || (now - since).TotalSeconds < StableSeconds)) return false;
        if (SentAt is not { } sent || SeenBusy) return true;
        return (now - sent).TotalSeconds >= IdleAfterSeconds;
    }
}
