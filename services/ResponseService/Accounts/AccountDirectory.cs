using System.Net;
using System.Net.Http.Json;
using GmailAutomation.AuthClient;
using GmailAutomation.Common.Errors;
using GmailAutomation.ResponseService.Data;
using Microsoft.Extensions.Options;

namespace GmailAutomation.ResponseService.Accounts;

/// <summary>
/// Reads an account's owner, address, status and preferences from the auth-service (<c>GET /internal/accounts/{id}</c>,
/// service key) for an account the events have not fully described yet.
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

/// <summary>The parts of the auth-service's internal account view the response-service uses.</summary>
public sealed record InternalAccount(Guid Id, Guid UserId, string EmailAddress, string Status, InternalPreferences Preferences)
{
    public void ApplyTo(ReplyAccount account)
    {
        account.UserId = UserId;
        account.EmailAddress = EmailAddress.ToLowerInvariant();
        account.Connected = Status != "Disconnected";
        if (Preferences.Revision > account.PreferencesRevision)
        {
            account.DraftRepliesEnabled = Preferences.DraftRepliesEnabled;
            account.ReplyCategories = [.. Preferences.DraftCategories ?? ["*"]];
            account.AiProvider = Preferences.AiProvider ?? string.Empty;
            account.AiModel = Preferences.AiModel;
            account.Tone = Preferences.Tone ?? "friendly";
            account.Language = Preferences.ReplyLanguage ?? "auto";
            account.Signature = Preferences.Signature;
            account.DailyAiSpendCapUsd = Preferences.DailyAiSpendCapUsd;
            account.Paused = Preferences.Paused;
            account.PreferencesRevision = Preferences.Revision;
        }
    }
}

public sealed record InternalPreferences(
    IReadOnlyList<string>? DraftCategories,
    bool DraftRepliesEnabled,
    string? AiProvider,
    string? AiModel,
    string? Tone,
    string? ReplyLanguage,
    string? Signature,
    decimal DailyAiSpendCapUsd,
    bool Paused,
    long Revision);
