using System.Text;

namespace GmailAutomation.ClassificationService.Tests.Service;

/// <summary>Known messages and the labels the pipeline must give them (generated here, not from the corpus).</summary>
internal static class Samples
{
    public const string BigCorpRuleLabel = "Clients/BigCorp";

    public static byte[] Bytes(string raw) => Encoding.UTF8.GetBytes(raw);

    /// <summary>(name, raw message, the labels it must carry afterwards — null when the model decides and any single category label is right).</summary>
    public static IReadOnlyList<(string Name, byte[] Raw, string[]? Labels)> Known(string mailbox) =>
    [
        ("newsletter", Bytes(TestMail.Raw(
            from: "Weekly Digest <digest@lists.example.net>", to: mailbox, subject: "This week in gardening",
            body: "Ten things to plant in spring.", headers: ["List-Id: <gardening.lists.example.net>", "List-Unsubscribe: <mailto:leave@lists.example.net>"])),
            ["Automation/Newsletter"]),
        ("receipt", Bytes(TestMail.Raw(
            from: "Shop <orders@shop.example>", to: mailbox, subject: "Your order #12345 has shipped", body: "Your parcel is on its way.")),
            ["Automation/Receipt"]),
        ("no-reply", Bytes(TestMail.Raw(
            from: "Service <no-reply@service.example>", to: mailbox, subject: "Your weekly summary", body: "You had 3 new followers.")),
            ["Automation/Notification"]),
        ("auto-submitted", Bytes(TestMail.Raw(
            from: "Monitor <monitor@ops.example>", to: mailbox, subject: "Disk usage at 91%", body: "Host db-2 crossed the threshold.",
            headers: ["Auto-Submitted: auto-generated"])),
            ["Automation/Notification"]),
        ("user-rule", Bytes(TestMail.Raw(
            from: "Bob Builder <bob@bigcorp.example>", to: mailbox, subject: "Q3 plan", body: "Attached are my notes on the plan.")),
            ["Automation/Work", BigCorpRuleLabel]),
        ("invitation", Bytes(Invitation(mailbox)), ["Automation/Meeting"]),
        ("personal", Bytes(TestMail.Raw(
            from: "Carol <carol@friends.example>", to: mailbox, subject: "dinner on saturday?",
            body: "Hey! Are you free for dinner on Saturday? We could try the new place downtown.")),
            null),
    ];

    /// <summary>Mail that is broken in the ways real mailboxes are: each must be classified or marked Other with a reason.</summary>
    public static IReadOnlyList<(string Name, byte[] Raw)> Malformed(string mailbox) =>
    [
        ("broken-mime", Bytes(
            $"From: Someone <someone@example.org>\r\nTo: {mailbox}\r\nSubject: broken multipart\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: multipart/mixed\r\n\r\n--nothing\r\nContent-Type: text/plain\r\n\r\nthe boundary parameter is missing\r\n")),
        ("empty-body", Bytes($"From: Someone <someone@example.org>\r\nTo: {mailbox}\r\nSubject: \r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n")),
        ("huge-body", Bytes(TestMail.Raw(
            from: "Big <big@example.org>", to: mailbox, subject: "the whole archive",
            body: string.Concat(Enumerable.Repeat("All work and no play makes a very long message. ", 60_000))))),
        ("unknown-charset", Encoding.Latin1.GetBytes(
            $"From: Someone <someone@example.org>\r\nTo: {mailbox}\r\nSubject: =?x-unknown-42?Q?caf=E9?=\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=x-unknown-42\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCaf\u00e9 cr\u00e8me br\u00fbl\u00e9e\r\n")),
        ("not-mime-at-all", [0x00, 0x01, 0xFF, 0xFE, .. Encoding.ASCII.GetBytes("\r\n\r\n<<<>>> binary junk without headers"), 0x00]),
    ];

    private static string Invitation(string mailbox) =>
        "From: Dana <dana@partner.example>\r\n" +
        $"To: {mailbox}\r\n" +
        "Subject: Invitation: project sync\r\n" +
        "Date: Mon, 02 Jun 2025 10:00:00 +0000\r\n" +
        $"Message-ID: <{Guid.NewGuid():N}@partner.example>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYou are invited to the project sync.\r\n" +
        "--b1\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\nContent-Disposition: attachment; filename=\"invite.ics\"\r\n\r\n" +
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Project sync\r\nDTSTART:20250603T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n" +
        "--b1--\r\n";
}
