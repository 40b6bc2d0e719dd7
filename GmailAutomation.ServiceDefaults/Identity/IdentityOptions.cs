using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.ServiceDefaults.Identity;

/// <summary>How services sign and check the internal identity token (<c>Identity</c> section).</summary>
public sealed class IdentityOptions
{
    public const string SectionName = "Identity";

    /// <summary>Shortest signing key accepted: 32 characters, i.e. at least 256 bits when random.</summary>
    public const int MinimumKeyLength = 32;

    /// <summary>
    /// Shared secret of every service (HMAC-SHA256 key). Required; the AppHost passes the
    /// <c>identity-signing-key</c> parameter. Anyone holding it can speak for any user, so it never leaves
    /// the services' configuration.
    /// </summary>
    public string SigningKey { get; set; } = string.Empty;

    /// <summary>How long a token issued by <see cref="UserIdentityTokens.Issue"/> is accepted.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Clock difference between services tolerated when checking the expiry.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The shared secret internal endpoints require from their callers (<c>Internal</c> section).</summary>
public sealed class InternalServiceOptions
{
    public const string SectionName = "Internal";

    /// <summary>Secret every service sends in <see cref="ServiceKeyAuthentication.HeaderName"/> to reach another service's <c>/internal</c> routes.</summary>
    public string ServiceKey { get; set; } = string.Empty;
}

internal static class IdentityValidation
{
    public const string KeyMessage =
        "Identity:SigningKey is missing or shorter than 32 characters. Every service needs the same random secret "
        + "(the AppHost passes its 'identity-signing-key' parameter; outside Aspire set Identity__SigningKey).";

    public const string ServiceKeyMessage =
        "Internal:ServiceKey is missing or shorter than 32 characters. Services that call or serve /internal endpoints "
        + "share this secret (the AppHost passes its 'internal-service-key' parameter; outside Aspire set Internal__ServiceKey).";
}
