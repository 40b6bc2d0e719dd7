using GmailAutomation.IntegrationEvents;
using GmailAutomation.ResponseService.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GmailAutomation.ResponseService.Accounts;

/// <summary>
/// responsedb's view of accounts, kept current by the account events; an account the events have not described yet
/// (no address known) is read from the auth-service when <c>Responses:UseAuthServiceDirectory</c> is on.
/// </summary>
public sealed class AccountStore(ResponseDbContext db, IServiceProvider services, TimeProvider time)
{
    /// <summary>The account with its preferences, or null when it is unknown (no event and no directory answer).</summary>
    public async Task<ReplyAccount?> FindAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is { EmailAddress.Length: > 0, UserId: not null })
        {
            return account;
        }

        if (services.GetService<AccountDirectory>() is not { } directory
            || await directory.GetAsync(accountId, cancellationToken) is not { } details)
        {
            return account is { EmailAddress.Length: > 0 } ? account : null;
        }

        account ??= db.Accounts.Add(new ReplyAccount { Id = accountId }).Entity;
        details.ApplyTo(account);
        account.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return account;
    }

    /// <summary>
    /// Creates or changes the account's row. Handlers run concurrently (and on several replicas): a concurrent change
    /// of the same row (row version) or a racing insert (key) makes this re-read the row and apply the change again.
    /// </summary>
    public async Task UpsertAsync(Guid accountId, Action<ReplyAccount> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);
            account ??= db.Accounts.Add(new ReplyAccount { Id = accountId }).Entity;
            change(account);
            if (account.UserId is null && services.GetService<AccountDirectory>() is { } directory
                && await directory.GetAsync(accountId, cancellationToken) is { } details)
            {
                details.ApplyTo(account);
            }

            account.UpdatedAt = time.GetUtcNow();
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return;
            }
            catch (DbUpdateException ex) when (attempt < 5 && (ex is DbUpdateConcurrencyException || ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }))
            {
                // Someone else changed or created the row first: start again from what they wrote.
            }
        }
    }

    /// <summary>Applies a preference snapshot unless a newer one is already stored.</summary>
    public static void Apply(ReplyAccount account, AccountPreferences preferences, long revision)
    {
        if (revision < account.PreferencesRevision)
        {
            return;
        }

        account.DraftRepliesEnabled = preferences.DraftRepliesEnabled;
        account.ReplyCategories = [.. preferences.ReplyCategories];
        account.AiProvider = preferences.AiProvider;
        account.AiModel = preferences.AiModel;
        account.Tone = preferences.Tone;
        account.Language = preferences.Language;
        account.Signature = preferences.Signature;
        account.DailyAiSpendCapUsd = preferences.DailyAiSpendCapUsd;
        account.Paused = preferences.Paused;
        account.PreferencesRevision = revision;
    }
}
