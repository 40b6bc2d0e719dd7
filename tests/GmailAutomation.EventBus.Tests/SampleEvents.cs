using GmailAutomation.IntegrationEvents;

namespace GmailAutomation.EventBus.Tests;

internal static class SampleEvents
{
    public static EmailReceived EmailReceived() => new()
    {
        AccountId = Guid.NewGuid(),
        GmailMessageId = "18c2f0a9b7d3e401",
        ThreadId = "18c2f0a9b7d3e400",
        HistoryId = 987654321012,
        InternalDate = new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.Zero),
        From = new MailAddress("ana@example.org", "Ana Lima"),
        To = [new MailAddress("me@example.com")],
        Cc = [new MailAddress("team@example.com", "Team")],
        ReplyTo = [new MailAddress("ana+reply@example.org")],
        Subject = "Quarterly numbers — can you review?",
        MessageIdHeader = "<CAF=abc123@mail.example.org>",
        References = ["<root@mail.example.org>", "<CAF=prev@mail.example.org>"],
        InReplyTo = "<CAF=prev@mail.example.org>",
        ListUnsubscribe = null,
        LabelIds = ["INBOX", "UNREAD"],
        Snippet = "Hi, attached are the numbers",
        BodyText = "Hi,\nattached are the numbers for Q3. Can you review them by Friday?\nAna",
        BodyTruncated = true,
        Attachments = [new EmailAttachment("q3.xlsx", 48213, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")],
        MalformedParts = [MalformedPartKinds.BodyEncoding],
    };

    public static EmailClassified EmailClassified(Guid accountId, string messageId) => new()
    {
        AccountId = accountId,
        GmailMessageId = messageId,
        ThreadId = "t-" + messageId,
        Category = "Work",
        Confidence = 0.93,
        NeedsReply = true,
        NeedsReplyReason = "Direct question to the recipient",
        DecidedBy = ClassificationDecision.Model("sdca-2026-11-01"),
        LabelsApplied = ["Label_12"],
    };
}
