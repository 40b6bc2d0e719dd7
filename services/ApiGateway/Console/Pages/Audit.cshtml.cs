using System.Globalization;
using GmailAutomation.ApiGateway.Audit;
using GmailAutomation.ApiGateway.Identity;
using GmailAutomation.Common.Errors;
using Microsoft.AspNetCore.Mvc;

namespace GmailAutomation.ApiGateway.Console.Pages;

/// <summary>The account's audit log, newest first, filtered by action, message and time (read in-process: the gateway owns auditdb).</summary>
public sealed class AuditModel(AuditLog log, AccountOwnership owners) : ConsolePageModel
{
    public static IReadOnlyList<string> Actions => AuditActions.All;

    [BindProperty(SupportsGet = true)]
    public string? Action { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? MessageId { get; set; }

    /// <summary>From/to as the browser's datetime-local sends them, read as UTC.</summary>
    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public long? Before { get; set; }

    public AuditPage Entries { get; private set; } = new([], null);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAccountsAsync(cancellationToken);
        if (Account is null)
        {
            return;
        }

        var from = Time("from", From);
        var to = Time("to", To);
        if (FieldErrors.Count > 0)
        {
            return;
        }

        try
        {
            await owners.RequireOwnedAsync(GatewayCaller.Require(User).UserId, Account.Id, cancellationToken);
            Entries = await log.QueryAsync(
                Account.Id, new AuditQuery(string.IsNullOrWhiteSpace(Action) ? null : Action, string.IsNullOrWhiteSpace(MessageId) ? null : MessageId.Trim(), from, to, Before, 50), cancellationToken);
        }
        catch (ValidationException invalid)
        {
            Problem = invalid.Message;
            foreach (var (field, messages) in invalid.Errors)
            {
                FieldErrors[field] = string.Join(" ", messages);
            }
        }
        catch (NotFoundException)
        {
            Problem = "This account's audit log is not available yet; its first entry appears when it is connected.";
        }
    }

    public string NextLink(long before) =>
        $"/audit?{AccountQuery}&action={Uri.EscapeDataString(Action ?? string.Empty)}&messageId={Uri.EscapeDataString(MessageId ?? string.Empty)}"
        + $"&from={Uri.EscapeDataString(From ?? string.Empty)}&to={Uri.EscapeDataString(To ?? string.Empty)}&before={before}";

    public static string Summary(System.Text.Json.JsonElement? value) =>
        value is { } json ? (json.GetRawText() is { Length: > 300 } long_ ? long_[..300] + "…" : json.GetRawText()) : string.Empty;

    private DateTimeOffset? Time(string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return new DateTimeOffset(at, TimeSpan.Zero);
        }

        FieldErrors[field] = "Enter a date and time such as 2026-12-03T18:00.";
        Problem = "The time filter is not a date.";
        return null;
    }
}
