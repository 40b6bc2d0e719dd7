using System.Text.Json;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Pipeline;

/// <summary>
/// The rule-relevant features of a processed message, kept so that a dry-run can run rules over it again:
/// addresses, subject, the headers the message carried, attachment names and structure flags. The body is
/// never stored; only its length is.
/// </summary>
public sealed record StoredFeatures
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public StoredAddress? From { get; init; }

    public IReadOnlyList<StoredAddress> To { get; init; } = [];

    public IReadOnlyList<StoredAddress> Cc { get; init; } = [];

    public IReadOnlyList<StoredAddress> ReplyTo { get; init; } = [];

    public string Subject { get; init; } = string.Empty;

    public Dictionary<string, List<string>> Headers { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<string> AttachmentNames { get; init; } = [];

    public bool HasCalendarPart { get; init; }

    public IReadOnlyList<string> MalformedParts { get; init; } = [];

    public int BodyLength { get; init; }

    public static StoredFeatures Of(MessageFeatures message) => new()
    {
        From = message.From is { } from ? new StoredAddress(from.Address, from.Name) : null,
        To = [.. message.To.Select(StoredAddress.Of)],
        Cc = [.. message.Cc.Select(StoredAddress.Of)],
        ReplyTo = [.. message.ReplyTo.Select(StoredAddress.Of)],
        Subject = message.Subject,
        Headers = message.Headers
            .Where(h => !StoredHeaderExclusions.Contains(h.Key))
            .ToDictionary(h => h.Key, h => h.Value.Select(v => v.Length > 1000 ? v[..1000] : v).ToList(), StringComparer.OrdinalIgnoreCase),
        AttachmentNames = message.AttachmentNames,
        HasCalendarPart = message.HasCalendarPart,
        MalformedParts = message.MalformedParts,
        BodyLength = message.BodyText.Length,
    };

    /// <summary>Features for the rule engine; the body is empty because it was not kept.</summary>
    public MessageFeatures ToMessageFeatures()
    {
        var features = new MessageFeatures
        {
            From = From?.ToMailbox(),
            To = [.. To.Select(a => a.ToMailbox())],
            Cc = [.. Cc.Select(a => a.ToMailbox())],
            ReplyTo = [.. ReplyTo.Select(a => a.ToMailbox())],
            Subject = Subject,
            AttachmentCount = AttachmentNames.Count,
            AttachmentNames = AttachmentNames,
            HasCalendarPart = HasCalendarPart,
            MalformedParts = MalformedParts,
        };
        foreach (var (name, values) in Headers)
        {
            foreach (var value in values)
            {
                features.WithHeader(name, value);
            }
        }

        return features;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static StoredFeatures FromJson(string json) => JsonSerializer.Deserialize<StoredFeatures>(json, Json) ?? new StoredFeatures();

    // Headers that may carry secrets or bulky routing data and that no rule needs.
    private static readonly HashSet<string> StoredHeaderExclusions = new(StringComparer.OrdinalIgnoreCase)
    {
        "Received", "DKIM-Signature", "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results",
        "Authentication-Results", "X-Google-DKIM-Signature", "X-Gm-Message-State", "X-Received",
    };
}

public sealed record StoredAddress(string Address, string? Name)
{
    public static StoredAddress Of(Mailbox mailbox) => new(mailbox.Address, mailbox.Name);

    public Mailbox ToMailbox() => new(Address, Name);
}

/// <summary>Builds <see cref="MessageFeatures"/> from an <see cref="EmailReceived"/> event (no second Gmail fetch).</summary>
public static class EventFeatures
{
    public static MessageFeatures From(EmailReceived message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var attachments = message.Attachments ?? [];
        var features = new MessageFeatures
        {
            From = message.From is { } from ? Mailbox(from) : null,
            To = [.. (message.To ?? []).Select(Mailbox)],
            Cc = [.. (message.Cc ?? []).Select(Mailbox)],
            ReplyTo = [.. (message.ReplyTo ?? []).Select(Mailbox)],
            Subject = message.Subject ?? string.Empty,
            BodyText = message.BodyText ?? string.Empty,
            BodyTruncated = message.BodyTruncated,
            AttachmentCount = attachments.Count,
            AttachmentNames = [.. attachments.Select(a => a.FileName)],
            HasCalendarPart = attachments.Any(a =>
                a.MimeType.StartsWith("text/calendar", StringComparison.OrdinalIgnoreCase)
                || a.FileName.EndsWith(".ics", StringComparison.OrdinalIgnoreCase)),
            MalformedParts = message.MalformedParts ?? [],
        };
        features
            .WithHeader("Subject", message.Subject)
            .WithHeader("From", message.From is { } f ? Mailbox(f).ToString() : null)
            .WithHeader("To", Join(message.To))
            .WithHeader("Cc", Join(message.Cc))
            .WithHeader("Reply-To", Join(message.ReplyTo))
            .WithHeader("Message-ID", message.MessageIdHeader)
            .WithHeader("In-Reply-To", message.InReplyTo)
            .WithHeader("References", message.References is { Count: > 0 } refs ? string.Join(' ', refs) : null)
            .WithHeader("List-Id", message.ListId)
            .WithHeader("List-Unsubscribe", message.ListUnsubscribe)
            .WithHeader("Auto-Submitted", message.AutoSubmitted)
            .WithHeader("Precedence", message.Precedence);
        return features;
    }

    private static Mailbox Mailbox(MailAddress address) =>
        new((address.Address ?? string.Empty).Trim().ToLowerInvariant(), string.IsNullOrWhiteSpace(address.Name) ? null : address.Name);

    private static string? Join(IReadOnlyList<MailAddress>? addresses) =>
        addresses is { Count: > 0 } ? string.Join(", ", addresses.Select(a => Mailbox(a).ToString())) : null;
}
