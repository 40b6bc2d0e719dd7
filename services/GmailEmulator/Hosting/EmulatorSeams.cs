namespace GmailAutomation.GmailEmulator.Hosting;

// The seams between the emulator's Gmail API (mailboxes, messages, history, drafts, batch) and its
// Google-side machinery (OAuth server, quota, fault injection, push delivery). Every Gmail API call,
// including each inner call of a batch, passes through them in this order:
// authenticate → check user and scope → faults → quota → handler → notify push.

/// <summary>Who an access token belongs to and what it may do.</summary>
/// <param name="Email">The Gmail address the token was granted for.</param>
/// <param name="Scopes">Granted scopes, full URLs such as https://www.googleapis.com/auth/gmail.readonly.</param>
/// <param name="ExpiresAt">When the token stops being accepted.</param>
public sealed record AccessTokenGrant(string Email, IReadOnlySet<string> Scopes, DateTimeOffset ExpiresAt);

/// <summary>Validates bearer tokens issued by the emulator's OAuth server.</summary>
public interface IAccessTokenValidator
{
    /// <summary>The grant for <paramref name="accessToken"/>, or null when the token is unknown, expired or revoked.</summary>
    AccessTokenGrant? Validate(string accessToken);
}

/// <summary>A fault to answer instead of the real response (configured error rates, 429 bursts).</summary>
/// <param name="StatusCode">HTTP status, e.g. 500, 503 or 429.</param>
public sealed record InjectedFault(int StatusCode);

/// <summary>Configured fault injection, consulted before every Gmail API call.</summary>
public interface IFaultInjector
{
    /// <summary>Waits for any configured added latency, then says whether this call fails and how.</summary>
    ValueTask<InjectedFault?> BeforeCallAsync(string email, string method, CancellationToken cancellationToken);

    /// <summary>True while the "expire all history" switch is on: every startHistoryId is then stale.</summary>
    bool HistoryExpired { get; }
}

/// <summary>The answer of the quota gate for one call.</summary>
public enum QuotaDecision
{
    Allowed,
    /// <summary>The per-user token bucket is empty: 429 rateLimitExceeded.</summary>
    RateLimited,
    /// <summary>Too many calls of this user in flight at once: 429 "Too many concurrent requests for user".</summary>
    TooManyConcurrent,
}

/// <summary>Per-user token bucket (Gmail's per-method units) and concurrency cap.</summary>
public interface IQuotaGate
{
    /// <summary>
    /// Charges <paramref name="units"/> to <paramref name="email"/>'s bucket. On <see cref="QuotaDecision.Allowed"/>
    /// the returned lease holds a concurrency slot until disposed.
    /// </summary>
    (QuotaDecision Decision, IDisposable? Lease) TryAcquire(string email, int units);
}

/// <summary>Told about every new history record so that watched mailboxes get push notifications.</summary>
public interface IMailboxChangeListener
{
    /// <param name="email">The mailbox that changed.</param>
    /// <param name="historyId">The mailbox's new history id.</param>
    /// <param name="labelIds">Labels of the messages the change touched (for the watch's label filter).</param>
    void OnHistoryRecorded(string email, ulong historyId, IReadOnlyCollection<string> labelIds);
}
