using System.Net;
using System.Net.Http.Json;
using GmailAutomation.AuthClient;
using GmailAutomation.Common.Errors;
using GmailAutomation.DraftService.Data;
using Microsoft.Extensions.Options;

namespace GmailAutomation.DraftService.Accounts;

/// <summary>
/// Reads an account's owner, address, status and reply preferences from the auth-service
/// (<c>GET /internal/accounts/{id}</c>, service key), for accounts whose events have not all reached this service.
/// </summary>
public sealed class AccountDirectory(HttpClient http, IOptions<AuthServiceClientOptions> options)
{
    public async Task<InternalAccount?> GetAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var baseUrl = options.Value.BaseUrl.ToString();
        var uri = new Uri(new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/"), $"internal/accounts/{accountId}");
        using var response = await http.GetAsync(uri, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new ExternalServiceException("auth-service", $"reading account {accountId} answered {(int)response.StatusCode}", (int)response.StatusCode);
        }

        return await response.Content.ReadFromJsonAsync<InternalAccount>(cancellationToken)
            ?? throw new ExternalServiceException("auth-service", "the account answer was empty");
    }
}

/// <summary>The parts of the auth-service's internal account view the draft-service uses.</summary>
public sealed record InternalAccount(Guid Id, Guid UserId, string EmailAddress, string Status, InternalPreferences Preferences)
{
    public void ApplyTo(DraftAccount account)
    {
        account.UserId = UserId;
        account.EmailAddress = EmailAddress.ToLowerInvariant();
        account.Connected = Status != "Disconnected";
        if (Preferences.Revision > account.PreferencesRevision)
        {
            account.ReplyMode = Preferences.ReplyMode == ReplyModes.ReplyAll ? ReplyModes.ReplyAll : ReplyModes.Reply;
            account.DraftRepliesEnabled = Preferences.DraftRepliesEnabled;
            account.Paused = Preferences.Paused;
            account.PreferencesRevision = Preferences.Revision;
        }
    }
}

public sealed record InternalPreferences(string? ReplyMode, bool DraftRepliesEnabled, bool Paused, long Revision);
