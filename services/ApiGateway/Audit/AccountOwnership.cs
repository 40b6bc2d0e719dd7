using System.Net;
using System.Net.Http.Json;
using GmailAutomation.ApiGateway.Data;
using GmailAutomation.ApiGateway.Proxy;
using GmailAutomation.Common.Errors;
using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ApiGateway.Audit;

/// <summary>
/// Which user owns which Gmail account, so audit queries are scoped to the signed-in user. Learned from
/// <c>AccountConnected</c> (which names the user); for an account connected before the gateway listened, the
/// auth-service's internal account lookup answers once and the answer is kept.
/// </summary>
public sealed partial class AccountOwnership(GatewayDbContext db, IHttpClientFactory httpClientFactory, TimeProvider time, ILogger<AccountOwnership> logger)
{
    public const string AuthServiceClientName = "auth-service-internal";

    public async Task RecordAsync(Guid accountId, Guid userId, string emailAddress, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO account_owners ("AccountId", "UserId", "EmailAddress", "UpdatedAt", "PreferencesRevision")
            VALUES ({accountId}, {userId}, {emailAddress}, {now}, 0)
            ON CONFLICT ("AccountId") DO UPDATE SET "UserId" = EXCLUDED."UserId", "EmailAddress" = EXCLUDED."EmailAddress", "UpdatedAt" = EXCLUDED."UpdatedAt"
            """, cancellationToken);
    }

    /// <summary>The owner of <paramref name="accountId"/>, or null when no user has such an account.</summary>
    public async Task<Guid?> OwnerOfAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var known = await db.AccountOwners.AsNoTracking().Where(o => o.AccountId == accountId).Select(o => (Guid?)o.UserId).SingleOrDefaultAsync(cancellationToken);
        if (known is not null)
        {
            return known;
        }

        var client = httpClientFactory.CreateClient(AuthServiceClientName);
        using var response = await client.GetAsync(new Uri($"http://{PublicRoutes.AuthService}/internal/accounts/{accountId}"), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new ExternalServiceException(PublicRoutes.AuthService, "The account's owner could not be looked up", (int)response.StatusCode);
        }

        var account = await response.Content.ReadFromJsonAsync<InternalAccount>(cancellationToken)
            ?? throw new ExternalServiceException(PublicRoutes.AuthService, "The account lookup answered without a body");
        await RecordAsync(account.Id, account.UserId, account.EmailAddress, cancellationToken);
        LogLearned(accountId);
        return account.UserId;
    }

    /// <summary>Throws 404 unless <paramref name="userId"/> owns <paramref name="accountId"/> (someone else's account looks like no account).</summary>
    public async Task RequireOwnedAsync(Guid userId, Guid accountId, CancellationToken cancellationToken)
    {
        if (await OwnerOfAsync(accountId, cancellationToken) != userId)
        {
            throw new NotFoundException("Account", accountId.ToString());
        }
    }

    private sealed record InternalAccount(Guid Id, Guid UserId, string EmailAddress);

    [LoggerMessage(Level = LogLevel.Information, Message = "Learned the owner of account {AccountId} from the auth-service")]
    private partial void LogLearned(Guid accountId);
}
