namespace GmailAutomation.GmailClient.Quota;

/// <summary>The per-user quota every Gmail call draws from before it is sent.</summary>
public interface IGmailQuota
{
    /// <summary>
    /// Takes <paramref name="units"/> from <paramref name="account"/>'s bucket, waiting as long as needed
    /// (never failing because the bucket is empty). Returns how long it waited. <paramref name="method"/> only
    /// tags the metrics.
    /// </summary>
    ValueTask<TimeSpan> AcquireAsync(string account, int units, string method, CancellationToken cancellationToken);
}
