using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.AuthClient;

/// <summary>Where the auth-service is and how long its tokens are reused (<c>AuthService</c> section).</summary>
public sealed class AuthServiceClientOptions
{
    public const string SectionName = "AuthService";

    /// <summary>The auth-service's address; the default resolves through Aspire service discovery.</summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https+http://auth-service");

    /// <summary>
    /// A token is reused from this process's cache until it has less than this left. The auth-service itself
    /// refreshes five minutes ahead, so the cached token is always one it would hand out again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:30:00")]
    public TimeSpan CacheUntilBeforeExpiry { get; set; } = TimeSpan.FromMinutes(4);
}
