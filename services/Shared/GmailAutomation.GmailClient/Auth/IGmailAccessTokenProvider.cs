namespace GmailAutomation.GmailClient.Auth;

/// <summary>
/// Short-lived Gmail access tokens per connected account. The auth-service provides the production one (its
/// internal token endpoint); <see cref="OAuthRefreshTokenProvider"/> exchanges refresh tokens itself.
/// </summary>
public interface IGmailAccessTokenProvider
{
    /// <summary>A currently valid bearer token for <paramref name="account"/> (the Gmail address).</summary>
    ValueTask<string> GetAccessTokenAsync(string account, CancellationToken cancellationToken);

    /// <summary>Gmail rejected <paramref name="accessToken"/> (401): forget it so the next call gets a fresh one.</summary>
    ValueTask InvalidateAsync(string account, string accessToken, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>Where <see cref="OAuthRefreshTokenProvider"/> finds an account's refresh token.</summary>
public interface IGmailRefreshTokenSource
{
    /// <summary>The refresh token, or null when the account is not connected.</summary>
    ValueTask<string?> GetRefreshTokenAsync(string account, CancellationToken cancellationToken);
}
