using System.Diagnostics;

namespace GmailAutomation.Testing;

/// <summary>
/// Helpers of the load drivers: an open-loop schedule (the i-th send is due at i / rate seconds, whatever the system
/// under test does, so a slow system cannot slow the load down) and percentiles of measured latencies.
/// </summary>
public static class FixedRateLoad
{
    /// <summary>Waits until send number <paramref name="index"/> of a schedule that began at <paramref name="start"/> (a <see cref="Stopwatch"/> timestamp) is due.</summary>
    public static async Task WaitForSlotAsync(long start, int index, int ratePerSecond)
    {
        var due = start + (long)(index * (double)Stopwatch.Frequency / ratePerSecond);
        while (Stopwatch.GetTimestamp() < due)
        {
            var wait = TimeSpan.FromTicks((due - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
            if (wait > TimeSpan.FromMilliseconds(2))
            {
                // Task.Delay wakes late by up to a timer tick; the last milliseconds are spun.
                await Task.Delay(wait - TimeSpan.FromMilliseconds(1));
            }
        }
    }

    /// <summary>Milliseconds between two <see cref="Stopwatch"/> timestamps.</summary>
    public static double Milliseconds(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    /// <summary>The <paramref name="p"/> quantile (0–1, nearest rank) of already sorted values; NaN for none.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
