using System.Globalization;
using System.Text;
using MimeKit;

namespace GmailAutomation.GmailEmulator.Seeding;

/// <summary>
/// Mail of kinds the corpus has none of (it is all 2000–2005, and never addressed to the mailbox's owner): calendar
/// invitations with text/calendar parts, purchase receipts, automated notifications, and people writing to the
/// owner directly with a question or proposed meeting times, in English, German and Spanish (the mail that needs a
/// reply, so the demo shows drafts). Every message says it was generated (<c>X-Emulator-Generated: true</c>) and
/// uses example.com-style domains.
/// </summary>
public sealed class GeneratedMail(Random random, string recipient)
{
    public const string GeneratedHeader = "X-Emulator-Generated";

    private static readonly string[] Meetings = ["Quarterly planning", "Design review", "1:1 catch-up", "Incident retrospective", "Budget sync", "Team lunch"];
    private static readonly string[] Stores = ["Northwind Outfitters", "Contoso Books", "Fabrikam Electronics", "Tailspin Coffee", "Adventure Works"];
    private static readonly string[] Items = ["USB-C cable", "Paperback novel", "Coffee beans 1kg", "Wireless mouse", "Hiking socks", "Desk lamp"];

    private static readonly (string Name, string Address)[] People =
    [
        ("Maria Lopez", "maria.lopez@partner.example.org"), ("Jonas Weber", "jonas.weber@example.de"),
        ("Priya Natarajan", "priya@design.example.com"), ("Lucía Fernández", "lucia.fernandez@example.es"),
        ("Tom Becker", "tom.becker@client.example.net"),
    ];

    private static readonly (string Subject, string Text)[] Questions =
    [
        ("Slides for Thursday?", "Hi,\n\nCould you send me the slides from the kickoff before Thursday? I would like to share them with the team.\n\nThanks,\n{0}\n"),
        ("Contract renewal", "Hello,\n\nour contract runs out at the end of the month. Can you confirm whether you want to renew it for another year?\n\nBest regards,\n{0}\n"),
        ("Zahlen für den Bericht", "Hallo,\n\nkannst du mir bis Freitag die Zahlen für den Quartalsbericht schicken? Ich brauche sie für die Präsentation.\n\nViele Grüße\n{0}\n"),
        ("¿Revisas el presupuesto?", "Hola,\n\n¿puedes revisar el presupuesto que te envié y decirme si está bien? Necesito una respuesta esta semana.\n\nUn saludo,\n{0}\n"),
    ];

    /// <summary>
    /// The <paramref name="index"/>th generated message and its category (Calendar, Receipt, Notification, Question,
    /// Scheduling).
    /// </summary>
    public (byte[] Raw, string Category) Next(int index, DateTimeOffset date) => (index % 5) switch
    {
        0 => (Calendar(date), "Calendar"),
        1 => (Receipt(date), "Receipt"),
        2 => (Notification(date), "Notification"),
        3 => (Question(index / 5, date), "Question"),
        _ => (Scheduling(date), "Scheduling"),
    };

    /// <summary>A person asking the owner for something, directly: a message that needs a reply.</summary>
    private byte[] Question(int turn, DateTimeOffset date)
    {
        var (name, address) = People[random.Next(People.Length)];
        var (subject, text) = Questions[turn % Questions.Length];
        var body = new TextPart("plain") { Text = string.Format(CultureInfo.InvariantCulture, text, name.Split(' ')[0]) };
        return Build(new MailboxAddress(name, address), subject, body, date);
    }

    /// <summary>A person proposing times to meet: the offline provider answers with the times it found.</summary>
    private byte[] Scheduling(DateTimeOffset date)
    {
        var (name, address) = People[random.Next(People.Length)];
        var first = date.AddDays(random.Next(2, 6)).Date.AddHours(10);
        var second = first.AddDays(1).AddHours(5).AddMinutes(30);
        var text = $"Hi,\n\nwould {first.ToString("dddd, MMMM d", CultureInfo.InvariantCulture)} at 10:00 or "
            + $"{second.ToString("dddd, MMMM d", CultureInfo.InvariantCulture)} at 3:30pm work for a 30-minute call about the project plan? "
            + $"Let me know which suits you.\n\nThanks,\n{name.Split(' ')[0]}\n";
        return Build(new MailboxAddress(name, address), "Quick call about the project plan?", new TextPart("plain") { Text = text }, date);
    }

    private byte[] Calendar(DateTimeOffset date)
    {
        var title = Meetings[random.Next(Meetings.Length)];
        var start = date.AddDays(random.Next(1, 14)).Date.AddHours(9 + random.Next(0, 8));
        var end = start.AddHours(1);
        var organizer = new MailboxAddress("Alex Organizer", "alex.organizer@calendar.example.com");
        var uid = Guid.NewGuid().ToString("N") + "@calendar.example.com";
        var ics = new StringBuilder()
            .Append("BEGIN:VCALENDAR\r\nPRODID:-//Gmail Emulator//Generated//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n")
            .Append("BEGIN:VEVENT\r\n")
            .Append("DTSTART:").Append(start.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("DTEND:").Append(end.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("DTSTAMP:").Append(date.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("ORGANIZER;CN=Alex Organizer:mailto:").Append(organizer.Address).Append("\r\n")
            .Append("UID:").Append(uid).Append("\r\n")
            .Append("ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:").Append(recipient).Append("\r\n")
            .Append("SUMMARY:").Append(title).Append("\r\n")
            .Append("LOCATION:Room 4B / video call\r\n")
            .Append("END:VEVENT\r\nEND:VCALENDAR\r\n")
            .ToString();

        var when = start.ToString("ddd MMM d, yyyy h tt", CultureInfo.InvariantCulture);
        var text = new TextPart("plain") { Text = $"You have been invited to the following event.\n\n{title}\nWhen: {when} (UTC)\nOrganizer: {organizer.Address}\n\nGoing? Yes - Maybe - No\n" };
        var calendar = new TextPart("calendar") { Text = ics };
        calendar.ContentType.Parameters.Add("method", "REQUEST");
        var invite = new MimePart("application", "ics")
        {
            Content = new MimeContent(new MemoryStream(Encoding.UTF8.GetBytes(ics))),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = "invite.ics",
        };
        var body = new Multipart("mixed") { new Multipart("alternative") { text, calendar }, invite };
        return Build(organizer, $"Invitation: {title} @ {when}", body, date);
    }

    private byte[] Receipt(DateTimeOffset date)
    {
        var store = Stores[random.Next(Stores.Length)];
        var item = Items[random.Next(Items.Length)];
        var quantity = random.Next(1, 4);
        var price = random.Next(499, 9999) / 100m;
        var total = (price * quantity).ToString("0.00", CultureInfo.InvariantCulture);
        var order = random.Next(100000, 999999).ToString(CultureInfo.InvariantCulture);
        var from = new MailboxAddress(store, "receipts@" + store.ToLowerInvariant().Replace(' ', '-') + ".example.com");
        var builder = new BodyBuilder
        {
            TextBody = $"Thank you for your order #{order}.\n\n{quantity} x {item} @ ${price.ToString("0.00", CultureInfo.InvariantCulture)}\nTotal charged: ${total}\n\nKeep this receipt for your records.\n",
            HtmlBody = $"<html><body><h1>Thank you for your order</h1><p>Order <b>#{order}</b></p><table><tr><td>{quantity} x {item}</td><td>${price.ToString("0.00", CultureInfo.InvariantCulture)}</td></tr><tr><td>Total charged</td><td>${total}</td></tr></table></body></html>",
        };
        return Build(from, $"Your receipt from {store} (order #{order})", builder.ToMessageBody(), date);
    }

    private byte[] Notification(DateTimeOffset date)
    {
        var build = random.Next(1000, 9999).ToString(CultureInfo.InvariantCulture);
        (string Sender, string Subject, string Text)[] kinds =
        [
            ("builds@ci.example.com", $"[ci] Build #{build} passed on main", $"Build #{build} of main passed in {random.Next(2, 30)} minutes.\nView the run: https://ci.example.com/runs/{build}\n"),
            ("no-reply@accounts.example.com", "Security alert: new sign-in to your account", "We noticed a new sign-in to your account from Firefox on Linux.\nIf this was you, you don't need to do anything.\n"),
            ("shipping@parcels.example.com", $"Your package has shipped (tracking {build}XZ)", $"Your package is on its way. Tracking number: {build}XZ.\nEstimated delivery: in {random.Next(1, 6)} days.\n"),
            ("notifications@forum.example.com", "New reply in a thread you follow", "Sam replied to \"Best practices for retries\":\n\n> Exponential backoff with jitter works well.\n\nUnsubscribe from these notifications in your settings.\n"),
        ];
        var (sender, subject, text) = kinds[random.Next(kinds.Length)];
        var message = Build(new MailboxAddress(string.Empty, sender), subject, new TextPart("plain") { Text = text }, date, automated: true);
        return message;
    }

    private byte[] Build(MailboxAddress from, string subject, MimeEntity body, DateTimeOffset date, bool automated = false)
    {
        var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(recipient));
        message.Subject = subject;
        message.Date = date;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("generated.gmail-emulator.local");
        message.Headers.Add(GeneratedHeader, "true");
        if (automated)
        {
            message.Headers.Add("Auto-Submitted", "auto-generated");
            message.Headers.Add("List-Unsubscribe", "<mailto:unsubscribe@example.com>");
        }

        message.Body = body;
        using var output = new MemoryStream();
        message.WriteTo(output);
        return output.ToArray();
    }
}
