using System.Text.Json.Nodes;

namespace GmailAutomation.IntegrationTests;

/// <summary>
/// Mail whose category a built-in rule decides (so the expected label is known before it is sent) and the check
/// the end-to-end runs make: exactly the expected category label, once, and exactly one reply draft for the
/// invitation (the only kind that needs a reply), none for the others. Drafts are tied to what they answer by
/// In-Reply-To, since each message has its own Message-ID.
/// </summary>
internal static class PipelineEndState
{
    public const string ReceiptLabel = "Automation/Receipt";
    public const string MeetingLabel = "Automation/Meeting";

    /// <summary>A receipt (Receipt, no reply) or an invitation with an .ics file (Meeting, needs a reply).</summary>
    public static (string Raw, string MessageId) Compose(string mailbox, int n, bool invitation, string bodyText)
    {
        var messageId = $"<{Guid.NewGuid():N}@it.example>";
        var head = invitation
            ? $"From: Carol <carol@friends.example>\r\nSubject: Planning meeting {n}\r\n"
            : $"From: Shop <orders@shop.example>\r\nSubject: Your order #{n} has shipped\r\n";
        head += $"To: {mailbox}\r\nDate: {DateTimeOffset.UtcNow:R}\r\nMessage-ID: {messageId}\r\nMIME-Version: 1.0\r\n";
        var text = $"Hello, this is message {n}. {bodyText} Could you have a look before Friday?\r\n";
        if (!invitation)
        {
            return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text, messageId);
        }

        var start = DateTimeOffset.UtcNow.AddDays(3);
        var ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n" +
            $"UID:{Guid.NewGuid():N}@it.example\r\nDTSTART:{start:yyyyMMdd'T'HHmmss'Z'}\r\nDTEND:{start.AddHours(1):yyyyMMdd'T'HHmmss'Z'}\r\n" +
            $"SUMMARY:Planning meeting {n}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        return (head + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text +
            "--b1\r\nContent-Type: application/ics; name=\"invite.ics\"\r\nContent-Disposition: attachment; filename=\"invite.ics\"\r\n\r\n" + ics +
            "--b1--\r\n", messageId);
    }

    /// <summary>Problems with the mailbox's end state, one line each; empty when every message is as it must be.</summary>
    public static List<string> Problems(JsonNode mailbox, IEnumerable<(string GmailId, string MessageId, bool Invitation)> sent)
    {
        var messages = mailbox["messages"]!.AsArray().ToDictionary(m => m!["id"]!.GetValue<string>(), m => m!, StringComparer.Ordinal);
        var drafts = mailbox["drafts"]!.AsArray()
            .GroupBy(d => d!["headers"]?["In-Reply-To"]?.GetValue<string>() ?? string.Empty, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (gmailId, messageId, invitation) in sent)
        {
            if (!messages.TryGetValue(gmailId, out var message))
            {
                problems.Add($"{gmailId}: gone from the mailbox");
                continue;
            }

            var expected = invitation ? MeetingLabel : ReceiptLabel;
            var category = message["labelNames"]!.AsArray().Select(l => l!.GetValue<string>()).Where(l => l.StartsWith("Automation/", StringComparison.Ordinal)).ToList();
            if (category.Count != 1 || category[0] != expected)
            {
                problems.Add($"{gmailId}: category labels [{string.Join(", ", category)}], expected {expected}");
            }

            var count = drafts.GetValueOrDefault(messageId);
            if (count != (invitation ? 1 : 0))
            {
                problems.Add($"{gmailId}: {count} drafts, expected {(invitation ? 1 : 0)}");
            }
        }

        return problems;
    }
}
