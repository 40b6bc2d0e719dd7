using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;

namespace GmailAutomation.AuthService.Tokens;

/// <summary>An account's OAuth tokens as the service uses them.</summary>
public sealed record StoredTokens(
    Guid AccountId,
    string AccessToken,
    string RefreshToken,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<string> Scopes,
    DateTimeOffset UpdatedAt);

/// <summary>
/// The token store: one Redis string per account holding structured JSON whose secret half (access and refresh
/// token) is encrypted with ASP.NET Core Data Protection. The purpose includes the account id, so a ciphertext
/// copied to another account's key does not decrypt. Metadata (expiry, scopes) stays readable for operators.
/// </summary>
public sealed class TokenStore(IConnectionMultiplexer redis, IDataProtectionProvider dataProtection)
{
    public const string KeyPrefix = "auth:tokens:";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly IDataProtector _protector = dataProtection.CreateProtector("GmailAutomation.AuthService.TokenStore.v1");

    public static RedisKey KeyOf(Guid accountId) => KeyPrefix + accountId.ToString("N");

    public async Task<StoredTokens?> GetAsync(Guid accountId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var value = await redis.GetDatabase().StringGetAsync(KeyOf(accountId));
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        var envelope = JsonSerializer.Deserialize<Envelope>(value.ToString(), s_json)
            ?? throw new InvalidDataException($"The token record of account {accountId} is empty.");
        var secret = JsonSerializer.Deserialize<Secret>(ProtectorFor(accountId).Unprotect(envelope.Protected), s_json)
            ?? throw new InvalidDataException($"The token record of account {accountId} holds no tokens.");
        return new StoredTokens(accountId, secret.AccessToken, secret.RefreshToken, envelope.ExpiresAt, envelope.Scopes, envelope.UpdatedAt);
    }

    public Task SaveAsync(StoredTokens tokens, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var secret = JsonSerializer.Serialize(new Secret(tokens.AccessToken, tokens.RefreshToken), s_json);
        var envelope = new Envelope(
            Version: 1,
            tokens.AccountId,
            tokens.ExpiresAt,
            tokens.UpdatedAt,
            tokens.Scopes,
            ProtectorFor(tokens.AccountId).Protect(secret));
        return redis.GetDatabase().StringSetAsync(KeyOf(tokens.AccountId), JsonSerializer.Serialize(envelope, s_json));
    }

    public Task<bool> DeleteAsync(Guid accountId) => redis.GetDatabase().KeyDeleteAsync(KeyOf(accountId));

    private IDataProtector ProtectorFor(Guid accountId) => _protector.CreateProtector(accountId.ToString("N"));

    private sealed record Envelope(
        int Version,
        Guid AccountId,
        DateTimeOffset ExpiresAt,
        DateTimeOffset UpdatedAt,
        IReadOnlyList<string> Scopes,
        [property: JsonPropertyName("protected")] string Protected);

    private sealed record Secret(string AccessToken, string RefreshToken);
}
