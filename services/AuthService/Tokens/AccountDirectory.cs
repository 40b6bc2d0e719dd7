using System.Collections.Concurrent;
using GmailAutomation.AuthService.Accounts;
using GmailAutomation.AuthService.Google;

namespace GmailAutomation.AuthService.Tokens;

/// <summary>An account's identity: its id and Gmail address, which never change once the account exists.</summary>
public sealed record AccountRef(Guid Id, string EmailAddress);

/// <summary>
/// Remembers which id belongs to which address, so a warm token request is one Redis read and no database
/// query. Safe to cache for the life of the process: both are fixed for an account's lifetime, and whether the
/// account may get tokens is decided by the token store (tokens are deleted on disconnect and on revocation).
/// </summary>
public sealed class AccountDirectory
{
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<string, AccountRef> _byKey = new(StringComparer.Ordinal);

    public async Task<AccountRef> ResolveAsync(string idOrAddress, AccountService accounts, CancellationToken cancellationToken)
    {
        var key = Guid.TryParse(idOrAddress, out var id) ? id.ToString("N") : GoogleOAuthClient.Normalize(idOrAddress);
        if (_byKey.TryGetValue(key, out var known))
        {
            return known;
        }

        var account = await accounts.FindAsync(idOrAddress, cancellationToken);
        var found = new AccountRef(account.Id, account.EmailAddress);
        if (_byKey.Count < MaxEntries)
        {
            _byKey[account.Id.ToString("N")] = found;
            _byKey[account.EmailAddress] = found;
        }

        return found;
    }
}
