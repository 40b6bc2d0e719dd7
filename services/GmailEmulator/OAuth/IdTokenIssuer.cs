using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using B64 = System.Buffers.Text.Base64Url;

namespace GmailAutomation.GmailEmulator.OAuth;

/// <summary>
/// Signs OpenID Connect id_tokens (RS256) with an RSA key made at start-up and publishes its public half as a
/// JWKS, so clients can validate the emulator's tokens the way they validate Google's.
/// </summary>
public sealed class IdTokenIssuer : IDisposable
{
    private readonly RSA _key = RSA.Create(2048);
    private readonly TimeProvider _time;
    private readonly IOptions<OAuthEmulatorOptions> _options;

    public IdTokenIssuer(TimeProvider time, IOptions<OAuthEmulatorOptions> options)
    {
        _time = time;
        _options = options;
        KeyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
    }

    public string KeyId { get; }

    /// <summary>The public key as a JSON Web Key Set (<c>/oauth2/v3/certs</c>).</summary>
    public JsonObject Jwks()
    {
        var parameters = _key.ExportParameters(includePrivateParameters: false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["alg"] = "RS256",
                ["use"] = "sig",
                ["kid"] = KeyId,
                ["n"] = B64.EncodeToString(parameters.Modulus),
                ["e"] = B64.EncodeToString(parameters.Exponent),
            }),
        };
    }

    /// <summary>An id_token for <paramref name="tokens"/>, issued by <paramref name="issuer"/>.</summary>
    public string Create(string issuer, IssuedTokens tokens)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var payload = new JsonObject
        {
            ["iss"] = issuer,
            ["azp"] = tokens.ClientId,
            ["aud"] = tokens.ClientId,
            ["sub"] = SubjectOf(tokens.Email),
        };
        if (tokens.Scopes.Contains(GoogleScopes.Email))
        {
            payload["email"] = tokens.Email;
            payload["email_verified"] = true;
        }

        payload["at_hash"] = B64.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(tokens.AccessToken)).AsSpan(0, 16));
        if (tokens.Scopes.Contains(GoogleScopes.Profile))
        {
            payload["name"] = DisplayNameOf(tokens.Email);
        }

        if (tokens.Nonce is not null)
        {
            payload["nonce"] = tokens.Nonce;
        }

        payload["iat"] = now;
        payload["exp"] = now + (long)_options.Value.IdTokenLifetime.TotalSeconds;

        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = KeyId, ["typ"] = "JWT" };
        var signingInput = Segment(header) + "." + Segment(payload);
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + B64.EncodeToString(signature);
    }

    /// <summary>Google's stable numeric subject id; derived from the address so it survives restarts.</summary>
    public static string SubjectOf(string email)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(OAuthGrantStore.Normalize(email)));
        var value = BitConverter.ToUInt64(hash, 0) % 10_000_000_000_000_000_000UL;
        return "10" + value.ToString("D19", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A readable name from the local part of the address (<c>jane.doe@x</c> → <c>Jane Doe</c>).</summary>
    public static string DisplayNameOf(string email)
    {
        var local = email.Split('@')[0];
        var words = local.Split(['.', '_', '-', '+'], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => char.ToUpperInvariant(w[0]) + w[1..]);
        return string.Join(' ', words);
    }

    public void Dispose() => _key.Dispose();

    private static string Segment(JsonObject json) =>
        B64.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString(JsonSerializerOptions.Default)));
}
