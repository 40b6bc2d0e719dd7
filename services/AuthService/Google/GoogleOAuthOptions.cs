using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.AuthService.Google;

/// <summary>
/// Google's OAuth 2.0 endpoints and this product's OAuth client (<c>Google</c> section). The defaults are
/// Google's own endpoints; the AppHost points them at the Gmail emulator when no real client id is configured.
/// </summary>
public sealed class GoogleOAuthOptions
{
    public const string SectionName = "Google";

    [Required]
    public Uri AuthorizationEndpoint { get; set; } = new("https://accounts.google.com/o/oauth2/v2/auth");

    [Required]
    public Uri TokenEndpoint { get; set; } = new("https://oauth2.googleapis.com/token");

    [Required]
    public Uri RevocationEndpoint { get; set; } = new("https://oauth2.googleapis.com/revoke");

    [Required]
    public Uri UserInfoEndpoint { get; set; } = new("https://openidconnect.googleapis.com/v1/userinfo");

    /// <summary>
    /// Root of the Gmail API, for the one Gmail call the auth-service makes: <c>users.stop</c> when an account is
    /// disconnected, before its grant is revoked. Defaults to <c>Gmail:BaseUrl</c> when that is set (the AppHost
    /// points it at the emulator), else Google's.
    /// </summary>
    public Uri? GmailApiBaseUrl { get; set; }

    /// <summary>The OAuth client id from the Google Cloud console (or the emulator's <c>gmail-automation-local</c>).</summary>
    [Required(ErrorMessage = "Google:ClientId is required: the OAuth client id from the Google Cloud console, or 'gmail-automation-local' for the emulator.")]
    public string ClientId { get; set; } = string.Empty;

    [Required(ErrorMessage = "Google:ClientSecret is required: the OAuth client secret from the Google Cloud console, or 'local-secret' for the emulator.")]
    public string ClientSecret { get; set; } = string.Empty;

    /// <summary>
    /// The callback URL registered with the OAuth client. Empty: this request's origin plus
    /// <c>/api/auth/callback</c> (behind the gateway, its forwarded host).
    /// </summary>
    public Uri? RedirectUri { get; set; }
}
