using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using GmailAutomation.AuthClient;
using GmailAutomation.ClassificationService.Data;
using GmailAutomation.Common.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmailAutomation.ClassificationService.Pipeline;

/// <summary>
/// Who owns an account and what its Gmail address is. Asked once of the auth-service
/// (<c>GET /internal/accounts/{id}</c> with the service key, as the email-service does), then kept in
/// classificationdb and in memory: an account's owner and address never change.
/// </summary>
public sealed class AccountDirectory(
    HttpClient http,
    IOptions<AuthServiceClientOptions> options,
    IServiceScopeFactory scopes,
    TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, KnownAccount> _known = new();

    /// <summary>The account, or null when the auth-service does not know it.</summary>
    public async Task<KnownAccount?> FindAsync(Guid accountId, CancellationToken cancellationToken)
    {
        if (_known.TryGetValue(accountId, out var cached))
        {
            return cached;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClassificationDbContext>();
        var stored = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (stored is null)
        {
            var remote = await FetchAsync(accountId, cancellationToken);
            if (remote is null)
            {
                return null;
            }

            stored = new KnownAccount
            {
                Id = remote.Id,
                UserId = remote.UserId,
                EmailAddress = remote.EmailAddress.Trim().ToLowerInvariant(),
                FirstSeenAt = time.GetUtcNow(),
            };

            // Two replicas may learn the same account at once: the first insert wins, both hold the same facts.
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"""INSERT INTO accounts ("Id", "UserId", "EmailAddress", "FirstSeenAt") VALUES ({stored.Id}, {stored.UserId}, {stored.EmailAddress}, {stored.FirstSeenAt}) ON CONFLICT ("Id") DO NOTHING""",
                cancellationToken);
        }

        _known[accountId] = stored;
        return stored;
    }

    /// <summary>The account when <paramref name="userId"/> owns it; otherwise 404 (someone else's account looks like no account).</summary>
    public async Task<KnownAccount> OwnedAsync(Guid accountId, Guid userId, CancellationToken cancellationToken)
    {
        var account = await FindAsync(accountId, cancellationToken);
        return account is not null && account.UserId == userId ? account : throw new NotFoundException("Account", accountId.ToString());
    }

    private async Task<RemoteAccount?> FetchAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var baseUrl = options.Value.BaseUrl.ToString();
        var uri = new Uri(new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/"), $"internal/accounts/{accountId}");
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(uri, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ExternalServiceException("auth-service", "the auth-service could not be reached", innerException: ex);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new ExternalServiceException("auth-service", $"reading account {accountId} answered {(int)response.StatusCode}", (int)response.StatusCode);
            }

            return await response.Content.ReadFromJsonAsync<RemoteAccount>(cancellationToken)
                ?? throw new ExternalServiceException("auth-service", "the account answer was empty");
        }
    }

    private sealed record RemoteAccount(Guid Id, Guid UserId, string EmailAddress, string Status);
}
