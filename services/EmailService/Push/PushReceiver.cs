using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GmailAutomation.Common.Errors;
using GmailAutomation.EmailService.Data;
using GmailAutomation.EmailService.Sync;
using GmailAutomation.GmailClient.Json;
using GmailAutomation.GmailClient.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmailAutomation.EmailService.Push;

/// <summary>A Pub/Sub push request body.</summary>
public sealed record PushEnvelope(PushMessage? Message, string? Subscription);

public sealed record PushMessage(string? Data, string? MessageId, DateTimeOffset? PublishTime);

/// <summary>
/// Checks a Gmail push notification (secret token from the push URL, Pub/Sub envelope, Gmail's JSON inside) and
/// wakes the account's sync loop on whichever replica holds it. Many notifications in a burst wake it once: the
/// loop reads all history since its cursor in one go.
/// </summary>
public sealed class PushReceiver(EmailDbContext db, AccountSignals signals, EmailServiceMetrics metrics, IOptions<EmailSyncOptions> options)
{
    public async Task AcceptAsync(string? token, PushEnvelope? envelope, CancellationToken cancellationToken)
    {
        if (!TokenMatches(token))
        {
            metrics.PushReceived("unauthorized");
            throw new AuthenticationException("The push token is missing or wrong.");
        }

        var notification = Decode(envelope);
        if (notification is null)
        {
            metrics.PushReceived("malformed");
            throw new ValidationException("message.data", "The envelope carries no Gmail notification (base64 JSON with emailAddress and historyId).");
        }

        var email = notification.EmailAddress!;
        var account = await db.Accounts.AsNoTracking()
            .Where(a => a.EmailAddress == email.ToLowerInvariant() && a.Connected)
            .Select(a => new { a.Id, a.HistoryId })
            .FirstOrDefaultAsync(cancellationToken);
        if (account is null)
        {
            metrics.PushReceived("unknown-account");
            throw new NotFoundException("Account", email);
        }

        if (account.HistoryId is { } cursor && (ulong)cursor >= notification.HistoryId)
        {
            // Already synced past this change (a late or repeated notification).
            metrics.PushReceived("stale");
            return;
        }

        metrics.PushReceived("accepted");
        await signals.WakeAsync(account.Id);
    }

    private bool TokenMatches(string? token)
    {
        var expected = options.Value.PushToken;
        if (!options.Value.PushEnabled || string.IsNullOrEmpty(expected) || string.IsNullOrEmpty(token))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(expected));
    }

    private static GmailPushNotification? Decode(PushEnvelope? envelope)
    {
        if (envelope?.Message?.Data is not { Length: > 0 } data)
        {
            return null;
        }

        try
        {
            var json = Convert.FromBase64String(data);
            var notification = JsonSerializer.Deserialize<GmailPushNotification>(json, GmailJson.Options);
            return notification is { EmailAddress: { Length: > 0 }, HistoryId: > 0 } ? notification : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }
}
