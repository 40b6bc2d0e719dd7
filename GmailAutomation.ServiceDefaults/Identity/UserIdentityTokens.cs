using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using B64 = System.Buffers.Text.Base64Url;

namespace GmailAutomation.ServiceDefaults.Identity;

/// <summary>
/// Issues and checks the internal identity token: <c>base64url(payload).base64url(HMAC-SHA256(key, base64url(payload)))</c>
/// with a small JSON payload (<c>sub</c> user id, <c>email</c>, <c>exp</c> Unix seconds). Compact enough for a
/// header, checked with one HMAC, no key distribution beyond the shared <see cref="IdentityOptions.SigningKey"/>.
/// </summary>
public sealed class UserIdentityTokens
{
    /// <summary>The request header that carries the token from the gateway to every service.</summary>
    public const string HeaderName = "X-User-Identity";

    private const int MaxTokenLength = 4096;

    private readonly byte[] _key;
    private readonly IdentityOptions _options;
    private readonly TimeProvider _time;

    public UserIdentityTokens(IOptions<IdentityOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _key = Encoding.UTF8.GetBytes(_options.SigningKey ?? string.Empty);
        if (_key.Length < IdentityOptions.MinimumKeyLength)
        {
            throw new InvalidOperationException(IdentityValidation.KeyMessage);
        }
    }

    /// <summary>A token saying <paramref name="email"/> (user <paramref name="userId"/>) is signed in, valid for <see cref="IdentityOptions.Lifetime"/>.</summary>
    public string Issue(Guid userId, string email) => Issue(new UserIdentity(userId, email, _time.GetUtcNow() + _options.Lifetime));

    public string Issue(UserIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var payload = JsonSerializer.SerializeToUtf8Bytes(
            new Payload(identity.UserId, identity.Email, identity.ExpiresAt.ToUnixTimeSeconds()),
            PayloadContext.Default.Payload);
        var encoded = B64.EncodeToString(payload);
        return encoded + "." + B64.EncodeToString(Sign(encoded));
    }

    /// <summary>The identity in <paramref name="token"/>, or null when it is malformed, forged or expired.</summary>
    public UserIdentity? Validate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return null;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == token.Length - 1)
        {
            return null;
        }

        var encodedPayload = token[..dot];
        byte[] signature;
        byte[] payloadBytes;
        try
        {
            signature = B64.DecodeFromChars(token.AsSpan(dot + 1));
            payloadBytes = B64.DecodeFromChars(encodedPayload);
        }
        catch (FormatException)
        {
            return null;
        }

        // Constant-time comparison: the time taken must not tell a forger how many bytes were right.
        if (!CryptographicOperations.FixedTimeEquals(signature, Sign(encodedPayload)))
        {
            return null;
        }

        Payload? payload;
        try
        {
            payload = JsonSerializer.Deserialize(payloadBytes, PayloadContext.Default.Payload);
        }
        catch (JsonException)
        {
            return null;
        }

        if (payload is null || payload.Sub == Guid.Empty || string.IsNullOrEmpty(payload.Email))
        {
            return null;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(payload.Exp);
        return expiresAt + _options.ClockSkew <= _time.GetUtcNow() ? null : new UserIdentity(payload.Sub, payload.Email, expiresAt);
    }

    private byte[] Sign(string encodedPayload) => HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(encodedPayload));

    internal sealed record Payload(
        [property: JsonPropertyName("sub")] Guid Sub,
        [property: JsonPropertyName("email")] string Email,
        [property: JsonPropertyName("exp")] long Exp);
}

[JsonSerializable(typeof(UserIdentityTokens.Payload))]
internal sealed partial class PayloadContext : JsonSerializerContext;
