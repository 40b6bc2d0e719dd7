using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.GmailEmulator.OAuth;

/// <summary>The emulated Google OAuth 2.0 server (<c>Emulator:OAuth</c>).</summary>
public sealed class OAuthEmulatorOptions
{
    public const string SectionName = "Emulator:OAuth";

    /// <summary>
    /// Grants at once for the <c>login_hint</c> address instead of showing the consent page, creating the
    /// mailbox if needed. For unattended runs (integration tests, benchmarks, the AppHost in run mode).
    /// </summary>
    public bool AutoApprove { get; set; }

    /// <summary>How long an access token is accepted; Google's is 3599 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromSeconds(3599);

    /// <summary>How long an authorization code can be redeemed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a rendered consent page can still be answered.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan ConsentPageLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Lifetime of id_tokens (Google: one hour).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan IdTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The issuer written into id_tokens and the discovery document. Empty: the origin the request came in on
    /// (e.g. <c>http://localhost:5080</c>), so that validation against the emulator's own discovery document works.
    /// </summary>
    public string? Issuer { get; set; }

    /// <summary>Extra clients known from the start, besides the default loopback client.</summary>
    public List<OAuthClientOptions> Clients { get; set; } = [];
}

/// <summary>A registered OAuth client.</summary>
public sealed class OAuthClientOptions
{
    [Required]
    public string ClientId { get; set; } = string.Empty;

    [Required]
    public string ClientSecret { get; set; } = string.Empty;

    /// <summary>Redirect URIs accepted by exact match.</summary>
    public List<string> RedirectUris { get; set; } = [];
}
