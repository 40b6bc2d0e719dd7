using System.Globalization;
using System.Net.Mail;
using GmailAutomation.Common.Errors;
using GmailAutomation.GmailEmulator.GmailApi;
using GmailAutomation.GmailEmulator.Hosting;
using GmailAutomation.GmailEmulator.Mailboxes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GmailAutomation.GmailEmulator.Admin;

/// <summary>
/// The emulator's own admin API (not Google's): create mailboxes, import or deliver RFC 822 messages, look at
/// what a mailbox holds, reset everything. Tests and benchmarks rely on these paths staying stable.
/// </summary>
public static class MailboxAdminApi
{
    public static IEndpointRouteBuilder MapEmulatorAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/emulator").WithTags("Emulator admin: mailboxes");

        admin.MapPost("/mailboxes", CreateMailbox).WithName("CreateMailbox")
            .WithSummary("Creates a mailbox: 201 when new, 200 when it already exists (idempotent).");
        admin.MapGet("/mailboxes", ListMailboxes).WithName("ListMailboxes").WithSummary("Every mailbox with its counts.");
        admin.MapGet("/mailboxes/{email}", GetMailbox).WithName("GetMailbox")
            .WithSummary("What a mailbox holds: messages with labels, drafts, labels, history id.");
        admin.MapPost("/mailboxes/{email}/messages", ImportMessage).WithName("ImportMessage")
            .WithSummary("Imports an RFC 822 message (body message/rfc822) as existing mail: labels as given, no push.");
        admin.MapPost("/mailboxes/{email}/deliver", DeliverMessage).WithName("DeliverMessage")
            .WithSummary("Delivers an RFC 822 message (body message/rfc822) as newly arriving mail: INBOX + UNREAD, a history record and a push notification.");
        admin.MapPost("/reset", Reset).WithName("ResetEmulator")
            .WithSummary("Deletes every mailbox and returns OAuth, quota, faults and push to their start-up state.");
        return app;
    }

    public static Results<Created<MailboxSummary>, Ok<MailboxSummary>> CreateMailbox(CreateMailboxRequest request, MailboxStore store)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || !MailAddress.TryCreate(request.Email.Trim(), out _))
        {
            throw new ValidationException("email", "email must be an email address.");
        }

        var (mailbox, created) = store.GetOrCreate(request.Email);
        var summary = MailboxSummary.Of(mailbox);
        return created
            ? TypedResults.Created($"/emulator/mailboxes/{Uri.EscapeDataString(mailbox.Email)}", summary)
            : TypedResults.Ok(summary);
    }

    public static Ok<MailboxSummary[]> ListMailboxes(MailboxStore store) =>
        TypedResults.Ok(store.All().Select(MailboxSummary.Of).ToArray());

    public static Ok<MailboxContents> GetMailbox(string email, MailboxStore store)
    {
        var mailbox = store.Find(email) ?? throw new NotFoundException("Mailbox", email);
        return TypedResults.Ok(MailboxContents.Of(mailbox.Snapshot()));
    }

    /// <param name="labelIds">System label ids, user label ids or user label names; unknown names are created as user labels.</param>
    /// <param name="internalDate">Epoch milliseconds; default the Date header, else now.</param>
    /// <param name="threadId">Join this thread if Gmail's threading rule allows; default: thread by References/In-Reply-To.</param>
    public static async Task<Created<ImportedMessage>> ImportMessage(
        string email, HttpRequest request, MailboxStore store, TimeProvider time,
        [FromQuery] string[]? labelIds, [FromQuery] long? internalDate, [FromQuery] string? threadId)
    {
        var mailbox = store.Find(email) ?? throw new NotFoundException("Mailbox", email);
        var content = ParsedMessage.Parse(await ReadRawAsync(request));
        var labels = ResolveLabels(mailbox, labelIds);
        var date = internalDate ?? (content.Date ?? time.GetUtcNow()).ToUnixTimeMilliseconds();
        var message = mailbox.AddMessage(content, labels, date, ParseThread(threadId), ThreadMode(threadId), notify: false);
        return TypedResults.Created(MessagePath(mailbox, message), ImportedMessage.Of(message));
    }

    public static async Task<Created<ImportedMessage>> DeliverMessage(
        string email, HttpRequest request, MailboxStore store, TimeProvider time,
        [FromQuery] string[]? labelIds, [FromQuery] long? internalDate, [FromQuery] string? threadId)
    {
        var mailbox = store.Find(email) ?? throw new NotFoundException("Mailbox", email);
        var content = ParsedMessage.Parse(await ReadRawAsync(request));
        var labels = new[] { SystemLabels.Inbox, SystemLabels.Unread }.Concat(ResolveLabels(mailbox, labelIds)).ToArray();
        var date = internalDate ?? time.GetUtcNow().ToUnixTimeMilliseconds();
        var message = mailbox.AddMessage(content, labels, date, ParseThread(threadId), ThreadMode(threadId), notify: true);
        return TypedResults.Created(MessagePath(mailbox, message), ImportedMessage.Of(message));
    }

    public static NoContent Reset(IEnumerable<IEmulatorResettable> resettables)
    {
        foreach (var resettable in resettables)
        {
            resettable.Reset();
        }

        return TypedResults.NoContent();
    }

    private static async Task<byte[]> ReadRawAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        if (buffer.Length == 0)
        {
            throw new ValidationException("body", "The request body must be an RFC 822 message (Content-Type: message/rfc822).");
        }

        return buffer.ToArray();
    }

    private static string[] ResolveLabels(Mailbox mailbox, string[]? labelIds)
    {
        try
        {
            return (labelIds ?? []).Where(l => l.Length > 0).Select(mailbox.ResolveOrCreateLabel).ToArray();
        }
        catch (GmailApiException error)
        {
            // A name Gmail would refuse as a label (reserved, too long): the admin caller's mistake.
            throw new ValidationException("labelIds", error.Message);
        }
    }

    private static ulong? ParseThread(string? threadId) =>
        threadId is null ? null : GmailIds.TryParse(threadId, out var id) ? id : throw new ValidationException("threadId", "threadId must be a Gmail thread id.");

    private static ThreadingMode ThreadMode(string? threadId) => threadId is null ? ThreadingMode.Inbound : ThreadingMode.Requested;

    private static string MessagePath(Mailbox mailbox, MessageView message) =>
        $"/gmail/v1/users/{Uri.EscapeDataString(mailbox.Email)}/messages/{GmailIds.Format(message.Id)}";
}

public sealed record CreateMailboxRequest(string? Email);

public sealed record MailboxSummary(string Email, string HistoryId, int MessagesTotal, int ThreadsTotal)
{
    public static MailboxSummary Of(Mailbox mailbox)
    {
        var profile = mailbox.Profile();
        return new MailboxSummary(profile.Email, profile.HistoryId.ToString(CultureInfo.InvariantCulture), profile.MessagesTotal, profile.ThreadsTotal);
    }
}

public sealed record ImportedMessage(string Id, string ThreadId, string HistoryId)
{
    public static ImportedMessage Of(MessageView message) =>
        new(GmailIds.Format(message.Id), GmailIds.Format(message.ThreadId), message.HistoryId.ToString(CultureInfo.InvariantCulture));
}

public sealed record AdminLabel(string Id, string Name, string Type);

public sealed record AdminMessage(
    string Id, string ThreadId, string InternalDate, IReadOnlyList<string> LabelIds, IReadOnlyList<string> LabelNames,
    string Subject, string From, string To, string MessageId, string InReplyTo, string HistoryId);

public sealed record AdminDraft(string Id, string MessageId, string ThreadId, IReadOnlyDictionary<string, string> Headers);

public sealed record MailboxContents(
    string Email, string HistoryId, IReadOnlyList<AdminMessage> Messages, IReadOnlyList<AdminDraft> Drafts, IReadOnlyList<AdminLabel> Labels)
{
    public static MailboxContents Of(MailboxSnapshot snapshot)
    {
        var names = snapshot.Labels.ToDictionary(l => l.Id, l => l.Name, StringComparer.Ordinal);
        return new MailboxContents(
            snapshot.Email,
            snapshot.HistoryId.ToString(CultureInfo.InvariantCulture),
            snapshot.Messages.Select(m => new AdminMessage(
                GmailIds.Format(m.Id),
                GmailIds.Format(m.ThreadId),
                m.InternalDate.ToString(CultureInfo.InvariantCulture),
                m.LabelIds,
                m.LabelIds.Select(id => names.GetValueOrDefault(id, id)).ToArray(),
                m.Content.Subject,
                m.Content.From,
                m.Content.To,
                m.Content.MessageId,
                m.Content.InReplyTo,
                m.HistoryId.ToString(CultureInfo.InvariantCulture))).ToArray(),
            snapshot.Drafts.Select(d => new AdminDraft(
                d.Id,
                GmailIds.Format(d.Message.Id),
                GmailIds.Format(d.Message.ThreadId),
                DraftHeaders(d.Message.Content))).ToArray(),
            snapshot.Labels.Select(l => new AdminLabel(l.Id, l.Name, l.IsSystem ? "system" : "user")).ToArray());
    }

    private static Dictionary<string, string> DraftHeaders(ParsedMessage content)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Subject"] = content.Subject,
            ["From"] = content.From,
            ["To"] = content.To,
            ["Message-ID"] = content.MessageId,
            ["In-Reply-To"] = content.InReplyTo,
            ["References"] = string.Join(' ', content.References),
        };
        if (content.Cc.Length > 0)
        {
            headers["Cc"] = content.Cc;
        }

        return headers;
    }
}
