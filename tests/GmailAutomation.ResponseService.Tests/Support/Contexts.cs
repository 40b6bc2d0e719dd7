using GmailAutomation.ResponseService.Data;
using GmailAutomation.ResponseService.Replies;

namespace GmailAutomation.ResponseService.Tests.Support;

/// <summary>Reply contexts as <see cref="MailContextReader"/> builds them, for tests that start at the provider chain.</summary>
public static class Contexts
{
    public const string Owner = "owner@example.com";
    public const string Sender = "alice@example.com";

    public static ReplyContext For(
        string body,
        string category = "Work",
        string subject = "Quarterly report",
        string? signature = "Bob Owner\nExample Ltd.",
        string? language = null,
        string tone = "friendly")
    {
        var detected = LanguageDetector.Detect(subject + "\n" + body);
        return new ReplyContext
        {
            AccountId = Guid.NewGuid(),
            GmailMessageId = "m" + Guid.NewGuid().ToString("N")[..15],
            ThreadId = "t" + Guid.NewGuid().ToString("N")[..15],
            AccountEmail = Owner,
            Category = category,
            SenderName = "Alice Example",
            SenderAddress = Sender,
            Subject = subject,
            BodyText = body,
            KnownAddresses = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Owner, Sender },
            DetectedLanguage = detected,
            ReplyLanguage = language ?? detected,
            Tone = tone,
            Signature = signature,
            ProposedTimes = ProposedTimes.Find(subject + "\n" + body),
        };
    }

    public static ReplyAccount Account(ReplyContext context, string provider = "", string? model = null, decimal cap = 5m) => new()
    {
        Id = context.AccountId,
        EmailAddress = Owner,
        AiProvider = provider,
        AiModel = model,
        DailyAiSpendCapUsd = cap,
        Signature = context.Signature,
        Tone = context.Tone,
    };
}
