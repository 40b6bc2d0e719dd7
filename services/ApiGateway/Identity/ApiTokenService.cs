using System.Security.Cryptography;
using System.Text;
using GmailAutomation.ApiGateway.Data;
using GmailAutomation.Common.Errors;
using Microsoft.EntityFrameworkCore;
using B64 = System.Buffers.Text.Base64Url;

namespace GmailAutomation.ApiGateway.Identity;

/// <summary>A token as its owner sees it in the list (never the secret).</summary>
public sealed record ApiTokenView(Guid Id, string Name, string DisplayPrefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    public static ApiTokenView Of(ApiToken t) => new(t.Id, t.Name, t.DisplayPrefix, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt);
}

/// <summary>A new token: the only time <see cref="Token"/> is ever shown.</summary>
public sealed record CreatedApiToken(Guid Id, string Name, string Token, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>What a script sends to create a token.</summary>
public sealed record CreateApiTokenRequest(string? Name, int? ExpiresInDays);

/// <summary>
/// Personal API tokens: <c>gma_</c> + base64url of 32 random bytes (256 bits), stored as SHA-256 only. A token
/// acts as its owner (same identity forwarded to services) until it expires or is revoked.
/// </summary>
public sealed partial class ApiTokenService(GatewayDbContext db, TimeProvider time, ILogger<ApiTokenService> logger)
{
    public const string Prefix = "gma_";
    public const int MaxTokensPerUser = 50;

    /// <summary>A token's last use is written at most this often, so busy scripts do not write on every call.</summary>
    private static readonly TimeSpan s_lastUsedResolution = TimeSpan.FromMinutes(1);

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public async Task<CreatedApiToken> CreateAsync(GatewayCaller owner, CreateApiTokenRequest request, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            throw new ValidationException("name", "Give the token a name of 1 to 100 characters, e.g. the script that uses it.");
        }

        if (request.ExpiresInDays is { } days && (days < 1 || days > 3650))
        {
            throw new ValidationException("expiresInDays", "expiresInDays must be between 1 and 3650, or left out for a token that does not expire.");
        }

        var active = await db.ApiTokens.CountAsync(t => t.UserId == owner.UserId && t.RevokedAt == null, cancellationToken);
        if (active >= MaxTokensPerUser)
        {
            throw new ValidationException("name", $"You already have {MaxTokensPerUser} active tokens; revoke one first.");
        }

        var secret = Prefix + B64.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var token = new ApiToken
        {
            Id = Guid.NewGuid(),
            UserId = owner.UserId,
            Email = owner.Email,
            Name = name,
            TokenHash = Hash(secret),
            DisplayPrefix = secret[..(Prefix.Length + 6)],
            CreatedAt = now,
            ExpiresAt = request.ExpiresInDays is { } d ? now.AddDays(d) : null,
        };
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        LogCreated(owner.UserId, token.Id);
        return new CreatedApiToken(token.Id, token.Name, secret, token.CreatedAt, token.ExpiresAt);
    }

    public async Task<IReadOnlyList<ApiTokenView>> ListAsync(Guid userId, CancellationToken cancellationToken) =>
        (await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.CreatedAt).ToListAsync(cancellationToken))
            .Select(ApiTokenView.Of).ToList();

    /// <summary>Revokes one of the user's tokens; someone else's (or an unknown) token answers 404.</summary>
    public async Task<ApiTokenView> RevokeAsync(Guid userId, Guid tokenId, CancellationToken cancellationToken)
    {
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId, cancellationToken)
            ?? throw new NotFoundException("ApiToken", tokenId.ToString());
        if (token.RevokedAt is null)
        {
            token.RevokedAt = time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
            LogRevoked(userId, tokenId);
        }

        return ApiTokenView.Of(token);
    }

    /// <summary>The active token whose secret is <paramref name="presented"/>, or null (unknown, revoked or expired).</summary>
    public async Task<ApiToken?> AuthenticateAsync(string presented, CancellationToken cancellationToken)
    {
        if (!presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 200)
        {
            return null;
        }

        var hash = Hash(presented);
        var now = time.GetUtcNow();
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        if (token is null || token.RevokedAt is not null || (token.ExpiresAt is { } expires && expires <= now))
        {
            return null;
        }

        if (token.LastUsedAt is null || now - token.LastUsedAt > s_lastUsedResolution)
        {
            await db.ApiTokens.Where(t => t.Id == token.Id).ExecuteUpdateAsync(set => set.SetProperty(t => t.LastUsedAt, now), cancellationToken);
        }

        return token;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} created API token {TokenId}")]
    private partial void LogCreated(Guid userId, Guid tokenId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} revoked API token {TokenId}")]
    private partial void LogRevoked(Guid userId, Guid tokenId);
}
