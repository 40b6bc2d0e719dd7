using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.GmailClient;

/// <summary>
/// Configuration section <c>Gmail</c>. In the AppHost set <c>Gmail__BaseUrl=https+http://gmail-emulator</c> and
/// <c>Gmail__TokenEndpoint=https+http://gmail-emulator/token</c> to use the emulator through service discovery;
/// leave them unset to talk to Google.
/// </summary>
public sealed class GmailClientOptions
{
    public const string SectionName = "Gmail";

    /// <summary>Root of the Gmail API; resource paths <c>/gmail/v1/…</c> and <c>/batch/gmail/v1</c> are appended.</summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://gmail.googleapis.com");

    /// <summary>Google's OAuth 2.0 token endpoint (refresh-token grant).</summary>
    [Required]
    public Uri TokenEndpoint { get; set; } = new("https://oauth2.googleapis.com/token");

    /// <summary>OAuth client id used by <see cref="Auth.OAuthRefreshTokenProvider"/>.</summary>
    public string? ClientId { get; set; }

    /// <summary>OAuth client secret used by <see cref="Auth.OAuthRefreshTokenProvider"/>.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// Refresh tokens by account address, for <see cref="Auth.ConfiguredRefreshTokenSource"/> (development,
    /// benchmarks). Production services get access tokens from the auth-service instead.
    /// </summary>
    public Dictionary<string, string> RefreshTokens { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Access tokens are renewed this long before Google says they expire.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:30:00")]
    public TimeSpan AccessTokenRefreshSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Inner calls per batch request (Google allows 100 and advises at most 50).</summary>
    [Range(1, 100)]
    public int BatchSize { get; set; } = 50;

    /// <summary>Longest a single HTTP attempt may take (not counting the wait for quota).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    [Required]
    public GmailQuotaOptions Quota { get; set; } = new();

    [Required]
    public GmailRetryOptions Retry { get; set; } = new();

    [Required]
    public GmailCircuitBreakerOptions CircuitBreaker { get; set; } = new();
}

/// <summary><c>Gmail:Quota</c>: the per-user token bucket every service and replica draws from.</summary>
public sealed class GmailQuotaOptions
{
    /// <summary>Refill rate in Gmail quota units per second (Gmail's own per-user limit is 250).</summary>
    [Range(1, 100_000)]
    public double UnitsPerSecond { get; set; } = 200;

    /// <summary>Bucket capacity (largest burst); 0 means one second's worth of <see cref="UnitsPerSecond"/>.</summary>
    [Range(0, 1_000_000)]
    public double BurstUnits { get; set; }

    /// <summary>Redis key prefix; the bucket of a user is <c>{prefix}{lower-cased address}</c>.</summary>
    [Required]
    public string KeyPrefix { get; set; } = "gmail:quota:";

    internal double Capacity => BurstUnits > 0 ? BurstUnits : UnitsPerSecond;
}

/// <summary><c>Gmail:Retry</c>: truncated exponential backoff with jitter, honouring <c>Retry-After</c>.</summary>
public sealed class GmailRetryOptions
{
    /// <summary>Retries after the first attempt (so at most MaxRetries + 1 calls).</summary>
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 6;

    /// <summary>First backoff step; attempt n waits about BaseDelay · 2ⁿ plus up to BaseDelay of jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of any single wait, including a server's Retry-After.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(32);
}

/// <summary><c>Gmail:CircuitBreaker</c>: one breaker per user and API method group.</summary>
public sealed class GmailCircuitBreakerOptions
{
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    [Range(2, 10_000)]
    public int MinimumThroughput { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}
