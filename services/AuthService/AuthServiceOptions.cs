using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.AuthService;

/// <summary>Behaviour of the auth-service (<c>Auth</c> section).</summary>
public sealed class AuthServiceOptions
{
    public const string SectionName = "Auth";

    /// <summary>How long a started sign-in or connect flow can be completed (the life of its <c>state</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:30", "01:00:00")]
    public TimeSpan StateLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>An access token is refreshed when it has less than this left, so callers never get one about to die.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:30:00")]
    public TimeSpan RefreshAhead { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one replica may hold an account's refresh lock; a crashed holder frees it after this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan RefreshLockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a request waiting for another replica's refresh looks for its result.</summary>
    [Range(typeof(TimeSpan), "00:00:00.005", "00:00:05")]
    public TimeSpan RefreshPollInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How often the outbox is swept for events not yet published (new ones are published at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromSeconds(5);
}
