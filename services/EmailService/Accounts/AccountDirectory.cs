using System.Net;
using System.Net.Http.Json;
using GmailAutomation.AuthClient;
using GmailAutomation.Common.Errors;
using GmailAutomation.EmailService.Data;
using Microsoft.Extensions.Options;

namespace GmailAutomation.EmailService.Accounts;

/// <summary>
/// Reads an account's owner, status and sync preferences from the auth-service (<c>GET /internal/accounts/{id}</c>,
/// service key), since the events carry only part of them.
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

/// <summary>The parts of the auth-service's internal account view the sync uses.</summary>
public sealed record InternalAccount(Guid Id, Guid UserId, string EmailAddress, string Status, InternalPreferences Preferences)
{
    public void ApplyTo(SyncAccount account)
    {
        account.UserId = UserId;
        account.EmailAddress = EmailAddress.ToLowerInvariant();
        account.Connected = Status != "Disconnected";
        account.ReconnectRequired = Status == "ReconnectRequired";
        if (Preferences.Revision >= account.PreferencesRevision)
        {
            account.Paused = Preferences.Paused;
            account.WindowDays = Math.Clamp(Preferences.SyncWindowDays, 7, 90);
            account.BatchSize = Math.Clamp(Preferences.SyncBatchSize, 10, 500);
            account.PollingIntervalSeconds = Preferences.PollingIntervalSeconds;
            account.AdaptivePolling = Preferences.AdaptivePolling;
            account.PreferencesRevision = Preferences.Revision;
        }
    }
}

public sealed record InternalPreferences(int SyncWindowDays, int SyncBatchSize, int PollingIntervalSeconds, bool AdaptivePolling, bool Paused, long Revision);
