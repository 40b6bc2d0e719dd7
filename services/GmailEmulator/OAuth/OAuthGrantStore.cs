using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using GmailAutomation.GmailEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace GmailAutomation.GmailEmulator.OAuth;

/// <summary>An authorization request that passed validation and waits for the user's answer or a code redemption.</summary>
public sealed record AuthorizationRequest(
    OAuthClient Client,
    string RedirectUri,
    IReadOnlyList<string> Scopes,
    string? State,
    bool Offline,
    IReadOnlySet<string> Prompt,
    string? LoginHint,
    string? CodeChallenge,
    string CodeChallengeMethod,
    bool IncludeGrantedScopes,
    string? Nonce);

/// <summary>A live access token as tokeninfo describes it.</summary>
public sealed record AccessTokenDetails(AccessTokenGrant Grant, string ClientId, bool Offline);

/// <summary>Tokens handed out by the token endpoint (or the admin mint).</summary>
public sealed record IssuedTokens(string AccessToken, int ExpiresIn, string? RefreshToken, IReadOnlyList<string> Scopes, string Email, string ClientId, string? Nonce);

/// <summary>
/// All OAuth state of the emulator: authorization codes, access and refresh tokens, which account granted
/// which scopes to which client, and consent pages awaiting an answer. Thread-safe; expiry follows
/// <see cref="TimeProvider"/>.
/// </summary>
public sealed class OAuthGrantStore(TimeProvider time, IOptions<OAuthEmulatorOptions> options) : IAccessTokenValidator, IEmulatorResettable
{
    private const int SweepEvery = 512;

    private readonly ConcurrentDictionary<string, PendingCode> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AccessTokenRecord> _accessTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RefreshTokenRecord> _refreshTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Email, string ClientId), ImmutableHashSet<string>> _consents = new();
    private readonly ConcurrentDictionary<string, PendingConsent> _consentPages = new(StringComparer.Ordinal);
    private int _issuedSinceSweep;

    private OAuthEmulatorOptions Options => options.Value;

    public AccessTokenGrant? Validate(string accessToken)
    {
        if (!_accessTokens.TryGetValue(accessToken, out var record) || record.Revoked || record.ExpiresAt <= time.GetUtcNow())
        {
            return null;
        }

        return new AccessTokenGrant(record.Email, record.Scopes, record.ExpiresAt);
    }

    /// <summary>The grant behind a live access token plus what tokeninfo shows about it; null when not live.</summary>
    public AccessTokenDetails? Describe(string accessToken)
    {
        var grant = Validate(accessToken);
        return grant is not null && _accessTokens.TryGetValue(accessToken, out var record)
            ? new AccessTokenDetails(grant, record.ClientId, record.RefreshToken is not null)
            : null;
    }

    /// <summary>Scopes <paramref name="email"/> has already granted to <paramref name="clientId"/> (empty when none).</summary>
    public IReadOnlySet<string> GrantedScopes(string email, string clientId) =>
        _consents.TryGetValue((Normalize(email), clientId), out var scopes) ? scopes : ImmutableHashSet<string>.Empty;

    /// <summary>
    /// Whether Google would show its consent screen: the first grant, scopes not granted before, or
    /// <c>prompt=consent</c>. Only then does an offline request get a refresh token.
    /// </summary>
    public bool NeedsConsent(string email, AuthorizationRequest request) =>
        request.Prompt.Contains("consent") || !request.Scopes.All(GrantedScopes(email, request.Client.ClientId).Contains);

    /// <summary>Keeps a validated request for the consent page; the returned id is single-use (anti-replay).</summary>
    public string HoldForConsent(AuthorizationRequest request)
    {
        var id = RandomToken(32);
        _consentPages[id] = new PendingConsent(request, time.GetUtcNow() + Options.ConsentPageLifetime);
        MaybeSweep();
        return id;
    }

    /// <summary>Takes the request behind a consent page; null when unknown, already answered or expired.</summary>
    public AuthorizationRequest? TakeConsent(string? consentId)
    {
        if (consentId is null || !_consentPages.TryRemove(consentId, out var pending) || pending.ExpiresAt <= time.GetUtcNow())
        {
            return null;
        }

        return pending.Request;
    }

    /// <summary>
    /// Records the user's approval and issues an authorization code (<c>4/0A…</c>). Returns the code and the
    /// granted scopes, which include earlier grants when <c>include_granted_scopes=true</c>.
    /// </summary>
    public (string Code, IReadOnlyList<string> GrantedScopes) Approve(string email, AuthorizationRequest request)
    {
        email = Normalize(email);
        var consentShown = NeedsConsent(email, request);
        var previous = GrantedScopes(email, request.Client.ClientId);
        _consents.AddOrUpdate((email, request.Client.ClientId), _ => [.. request.Scopes], (_, existing) => existing.Union(request.Scopes));

        var granted = request.IncludeGrantedScopes
            ? [.. request.Scopes, .. previous.Where(s => !request.Scopes.Contains(s)).Order(StringComparer.Ordinal)]
            : request.Scopes;
        var code = "4/0A" + RandomToken(54);
        _codes[code] = new PendingCode(request, email, granted, IssueRefreshToken: request.Offline && consentShown, time.GetUtcNow() + Options.AuthorizationCodeLifetime);
        MaybeSweep();
        return (code, granted);
    }

    /// <summary>The <c>authorization_code</c> grant. Codes are single-use whatever the outcome.</summary>
    public IssuedTokens RedeemCode(OAuthClient client, string code, string redirectUri, string? codeVerifier)
    {
        if (!_codes.TryRemove(code, out var pending) || pending.ExpiresAt <= time.GetUtcNow()
            || pending.Request.Client.ClientId != client.ClientId)
        {
            throw OAuthProtocolException.InvalidGrant();
        }

        if (!string.Equals(pending.Request.RedirectUri, redirectUri, StringComparison.Ordinal))
        {
            throw new OAuthProtocolException(400, "redirect_uri_mismatch", "Bad Request");
        }

        if (pending.Request.CodeChallenge is { } challenge)
        {
            if (string.IsNullOrEmpty(codeVerifier))
            {
                throw OAuthProtocolException.InvalidGrant("Missing code verifier.");
            }

            if (!Pkce.Matches(challenge, pending.Request.CodeChallengeMethod, codeVerifier))
            {
                throw OAuthProtocolException.InvalidGrant();
            }
        }

        return Issue(pending.Email, client.ClientId, pending.Scopes, pending.IssueRefreshToken, pending.Request.Nonce);
    }

    /// <summary>The <c>refresh_token</c> grant; <paramref name="narrowedScopes"/> may ask for a subset of the grant.</summary>
    public IssuedTokens Refresh(OAuthClient client, string refreshToken, IReadOnlyList<string>? narrowedScopes)
    {
        if (!_refreshTokens.TryGetValue(refreshToken, out var record) || record.Revoked)
        {
            throw OAuthProtocolException.Revoked();
        }

        if (record.ClientId != client.ClientId)
        {
            throw new OAuthProtocolException(400, "unauthorized_client", "Unauthorized");
        }

        var scopes = record.Scopes;
        if (narrowedScopes is { Count: > 0 })
        {
            if (!narrowedScopes.All(record.Scopes.Contains))
            {
                throw new OAuthProtocolException(400, "invalid_scope", "Some requested scopes were invalid. {invalid=[" + string.Join(", ", narrowedScopes.Where(s => !record.Scopes.Contains(s))) + "]}");
            }

            scopes = narrowedScopes;
        }

        var access = NewAccessToken(record.Email, client.ClientId, scopes, record);
        return new IssuedTokens(access.Token, ExpiresIn(), null, scopes, record.Email, client.ClientId, null);
    }

    /// <summary>
    /// Mints a grant directly, without the browser flow (admin API <c>POST /emulator/tokens</c> and tests).
    /// Not part of Google's surface.
    /// </summary>
    public IssuedTokens Mint(string email, IReadOnlyList<string> scopes, string clientId = OAuthClientRegistry.DefaultClientId)
    {
        email = Normalize(email);
        _consents.AddOrUpdate((email, clientId), _ => [.. scopes], (_, existing) => existing.Union(scopes));
        return Issue(email, clientId, scopes, issueRefreshToken: true, nonce: null);
    }

    /// <summary>
    /// Revokes an access or refresh token together with everything issued with it, and forgets the account's
    /// grant to that client (so the next authorization shows consent again). False when the token is unknown.
    /// </summary>
    public bool Revoke(string token)
    {
        RefreshTokenRecord? refresh = null;
        if (_accessTokens.TryGetValue(token, out var access))
        {
            if (access.Revoked)
            {
                return false;
            }

            access.Revoked = true;
            refresh = access.RefreshToken;
            if (refresh is null)
            {
                _consents.TryRemove((access.Email, access.ClientId), out _);
                return true;
            }
        }
        else if (!_refreshTokens.TryGetValue(token, out refresh) || refresh.Revoked)
        {
            return false;
        }

        refresh.Revoked = true;
        foreach (var issued in refresh.AccessTokens.Keys)
        {
            if (_accessTokens.TryGetValue(issued, out var sibling))
            {
                sibling.Revoked = true;
            }
        }

        _consents.TryRemove((refresh.Email, refresh.ClientId), out _);
        return true;
    }

    public void Reset()
    {
        _codes.Clear();
        _accessTokens.Clear();
        _refreshTokens.Clear();
        _consents.Clear();
        _consentPages.Clear();
    }

    /// <summary>Emails are matched case-insensitively, as Google does.</summary>
    public static string Normalize(string email) => email.Trim().ToLowerInvariant();

    private IssuedTokens Issue(string email, string clientId, IReadOnlyList<string> scopes, bool issueRefreshToken, string? nonce)
    {
        RefreshTokenRecord? refresh = null;
        if (issueRefreshToken)
        {
            refresh = new RefreshTokenRecord("1//0" + RandomToken(76), email, clientId, scopes);
            _refreshTokens[refresh.Token] = refresh;
        }

        var access = NewAccessToken(email, clientId, scopes, refresh);
        return new IssuedTokens(access.Token, ExpiresIn(), refresh?.Token, scopes, email, clientId, nonce);
    }

    private AccessTokenRecord NewAccessToken(string email, string clientId, IReadOnlyList<string> scopes, RefreshTokenRecord? refresh)
    {
        var record = new AccessTokenRecord(
            "ya29.a0" + RandomToken(110),
            email,
            clientId,
            scopes.ToImmutableHashSet(StringComparer.Ordinal),
            time.GetUtcNow() + Options.AccessTokenLifetime,
            refresh);
        _accessTokens[record.Token] = record;
        refresh?.AccessTokens.TryAdd(record.Token, 0);
        MaybeSweep();
        return record;
    }

    private int ExpiresIn() => (int)Math.Round(Options.AccessTokenLifetime.TotalSeconds);

    // Expired codes, tokens and consent pages are dropped now and then, so long benchmark runs keep a flat heap.
    private void MaybeSweep()
    {
        if (Interlocked.Increment(ref _issuedSinceSweep) % SweepEvery != 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var (code, pending) in _codes)
        {
            if (pending.ExpiresAt <= now)
            {
                _codes.TryRemove(code, out _);
            }
        }

        foreach (var (id, pending) in _consentPages)
        {
            if (pending.ExpiresAt <= now)
            {
                _consentPages.TryRemove(id, out _);
            }
        }

        foreach (var (token, record) in _accessTokens)
        {
            // Revoked tokens are kept while their refresh token lives: revoke must still find them.
            if (record.ExpiresAt <= now)
            {
                _accessTokens.TryRemove(token, out _);
                record.RefreshToken?.AccessTokens.TryRemove(token, out _);
            }
        }
    }

    private static string RandomToken(int length)
    {
        Span<byte> bytes = stackalloc byte[(length * 3 / 4) + 3];
        RandomNumberGenerator.Fill(bytes);
        return System.Buffers.Text.Base64Url.EncodeToString(bytes)[..length];
    }

    private sealed record PendingCode(AuthorizationRequest Request, string Email, IReadOnlyList<string> Scopes, bool IssueRefreshToken, DateTimeOffset ExpiresAt);

    private sealed record PendingConsent(AuthorizationRequest Request, DateTimeOffset ExpiresAt);

    private sealed class AccessTokenRecord(string token, string email, string clientId, IReadOnlySet<string> scopes, DateTimeOffset expiresAt, RefreshTokenRecord? refreshToken)
    {
        public string Token { get; } = token;
        public string Email { get; } = email;
        public string ClientId { get; } = clientId;
        public IReadOnlySet<string> Scopes { get; } = scopes;
        public DateTimeOffset ExpiresAt { get; } = expiresAt;
        public RefreshTokenRecord? RefreshToken { get; } = refreshToken;
        public volatile bool Revoked;
    }

    private sealed class RefreshTokenRecord(string token, string email, string clientId, IReadOnlyList<string> scopes)
    {
        public string Token { get; } = token;
        public string Email { get; } = email;
        public string ClientId { get; } = clientId;
        public IReadOnlyList<string> Scopes { get; } = scopes;
        public ConcurrentDictionary<string, byte> AccessTokens { get; } = new(StringComparer.Ordinal);
        public volatile bool Revoked;
    }
}

/// <summary>RFC 7636 proof key checks.</summary>
public static class Pkce
{
    public static bool IsValidChallengeOrVerifier(string value) =>
        value.Length is >= 43 and <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~');

    public static bool Matches(string challenge, string method, string verifier)
    {
        var expected = method == "S256"
            ? System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)))
            : verifier;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(challenge));
    }
}
