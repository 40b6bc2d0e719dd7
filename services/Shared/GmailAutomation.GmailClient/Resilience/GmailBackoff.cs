namespace GmailAutomation.GmailClient.Resilience;

/// <summary>Truncated exponential backoff with jitter that honours a server's Retry-After (API-SUBSET §10).</summary>
public static class GmailBackoff
{
    /// <summary>
    /// The wait before retry number <paramref name="attempt"/> (0 = first retry): the server's
    /// <paramref name="retryAfter"/> when given, else BaseDelay · 2^attempt plus up to BaseDelay of jitter;
    /// never more than MaxDelay.
    /// </summary>
    public static TimeSpan Delay(int attempt, TimeSpan? retryAfter, GmailRetryOptions options, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        TimeSpan delay;
        if (retryAfter is { } asked)
        {
            delay = asked;
        }
        else
        {
            var exponential = options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
            var jitter = options.BaseDelay.TotalMilliseconds * random.NextDouble();
            delay = TimeSpan.FromMilliseconds(Math.Min(exponential + jitter, TimeSpan.MaxValue.TotalMilliseconds / 2));
        }

        return delay > options.MaxDelay ? options.MaxDelay : delay;
    }
}
