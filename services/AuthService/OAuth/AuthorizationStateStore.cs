using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;
using B64 = System.Buffers.Text.Base64Url;

namespace GmailAutomation.AuthService.OAuth;

/// <summary>What a started flow is for.</summary>
public enum FlowPurpose
{
    /// <summary>Identify the person (openid email).</summary>
    SignIn,

    /// <summary>Identify the person and connect that Gmail account in one consent.</summary>
    SignInAndConnect,

    /// <summary>A signed-in user connects a Gmail account.</summary>
    Connect,
}

/// <summary>A flow between its start and its callback.</summary>
/// <param name="BrowserBinding">SHA-256 of the nonce in the starting browser's cookie: the callback must come from that browser.</param>
public sealed record PendingAuthorization(
    FlowPurpose Purpose,
    Guid? UserId,
    string CodeVerifier,
    Uri RedirectUri,
    string? ReturnUrl,
    string BrowserBinding,
    DateTimeOffset CreatedAt);

/// <summary>
/// Pending flows in Redis, keyed by the SHA-256 of their <c>state</c>, encrypted (the PKCE verifier is a secret),
/// expiring after <see cref="AuthServiceOptions.StateLifetime"/> and taken with GETDEL so each state works once.
/// </summary>
public sealed class AuthorizationStateStore(IConnectionMultiplexer redis, IDataProtectionProvider dataProtection)
{
    public const string KeyPrefix = "auth:oauth-state:";

    private readonly IDataProtector _protector = dataProtection.CreateProtector("GmailAutomation.AuthService.OAuthState.v1");

    public static string NewRandom(int bytes = 32) => B64.EncodeToString(RandomNumberGenerator.GetBytes(bytes));

    public static string Hash(string value) => B64.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    public Task SaveAsync(string state, PendingAuthorization pending, TimeSpan lifetime) =>
        redis.GetDatabase().StringSetAsync(KeyOf(state), _protector.Protect(JsonSerializer.Serialize(pending)), lifetime);

    /// <summary>The flow of <paramref name="state"/>, removed so it cannot be used again; null when unknown, expired or used.</summary>
    public async Task<PendingAuthorization?> TakeAsync(string state)
    {
        var value = await redis.GetDatabase().StringGetDeleteAsync(KeyOf(state));
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<PendingAuthorization>(_protector.Unprotect(value.ToString()));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static RedisKey KeyOf(string state) => KeyPrefix + Hash(state);
}
