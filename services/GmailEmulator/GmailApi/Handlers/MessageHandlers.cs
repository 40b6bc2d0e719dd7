using GmailAutomation.GmailEmulator.Mailboxes;
using GmailAutomation.GmailEmulator.Mailboxes.Search;

namespace GmailAutomation.GmailEmulator.GmailApi.Handlers;

/// <summary>users.messages.* (API-SUBSET §2–4, §7).</summary>
public static class MessageHandlers
{
    public static ValueTask<GmailResult> List(GmailCall call)
    {
        var page = call.Mailbox.ListMessages(ReadListOptions(call));
        return ValueTask.FromResult(GmailResult.Ok(new MessageListJson
        {
            Messages = page.Items.Count == 0 ? null : page.Items.Select(m => MessageRenderer.Reference(m.Id, m.ThreadId)).ToArray(),
            NextPageToken = page.NextPageToken,
            ResultSizeEstimate = page.ResultSizeEstimate,
        }));
    }

    public static ValueTask<GmailResult> Get(GmailCall call)
    {
        var format = ReadFormat(call);
        var message = call.Mailbox.GetMessage(call.Route("id"));
        return ValueTask.FromResult(GmailResult.Ok(MessageRenderer.Render(message, format, call.QueryAll("metadataHeaders"))));
    }

    public static ValueTask<GmailResult> GetAttachment(GmailCall call)
    {
        var message = call.Mailbox.GetMessage(call.Route("messageId"));
        var bytes = MessageRenderer.FindAttachment(message.Content.Raw, call.Route("id")) ?? throw GmailApiException.NotFound();
        return ValueTask.FromResult(GmailResult.Ok(new MessagePartBodyJson { Size = bytes.Length, Data = Base64Url.Encode(bytes) }));
    }

    public static ValueTask<GmailResult> Modify(GmailCall call)
    {
        var request = call.ReadJson<ModifyMessageRequest>("modify request");
        var message = call.Mailbox.Modify(call.Route("id"), request.AddLabelIds ?? [], request.RemoveLabelIds ?? []);
        return ValueTask.FromResult(GmailResult.Ok(MessageRenderer.WithLabels(message)));
    }

    public static ValueTask<GmailResult> BatchModify(GmailCall call)
    {
        var request = call.ReadJson<BatchModifyRequest>("batchModify request");
        call.Mailbox.BatchModify(request.Ids ?? [], request.AddLabelIds ?? [], request.RemoveLabelIds ?? []);
        return ValueTask.FromResult(GmailResult.NoContent);
    }

    public static ValueTask<GmailResult> BatchDelete(GmailCall call)
    {
        var request = call.ReadJson<BatchModifyRequest>("batchDelete request");
        foreach (var id in request.Ids ?? [])
        {
            if (call.Mailbox.FindMessage(Mailbox.ParseId(id)) is not null)
            {
                call.Mailbox.DeleteMessage(id);
            }
        }

        return ValueTask.FromResult(GmailResult.NoContent);
    }

    public static ValueTask<GmailResult> Delete(GmailCall call)
    {
        call.Mailbox.DeleteMessage(call.Route("id"));
        return ValueTask.FromResult(GmailResult.NoContent);
    }

    public static ValueTask<GmailResult> Trash(GmailCall call) =>
        ValueTask.FromResult(GmailResult.Ok(MessageRenderer.WithLabels(call.Mailbox.Trash(call.Route("id")))));

    public static ValueTask<GmailResult> Untrash(GmailCall call) =>
        ValueTask.FromResult(GmailResult.Ok(MessageRenderer.WithLabels(call.Mailbox.Untrash(call.Route("id")))));

    /// <summary>messages.send: SENT, Gmail's threading rule, Bcc stripped from the stored copy.</summary>
    public static ValueTask<GmailResult> Send(GmailCall call)
    {
        var (raw, metadata, _) = MessageInput.Read(call, draft: false);
        if (raw is null)
        {
            throw GmailApiException.InvalidArgument("'raw' RFC822 payload message string or uploading message via /upload/* URL required");
        }

        OutgoingMessages.RequireRecipient(raw);
        var content = OutgoingMessages.Prepare(raw, call.Mailbox.Email, call.Time.GetUtcNow(), sending: true);
        var sent = call.Mailbox.Send(content, MessageInput.ThreadId(metadata));
        return ValueTask.FromResult(GmailResult.Ok(MessageRenderer.WithLabels(sent)));
    }

    /// <summary>messages.insert: stored as given (no sending), with the requested labels.</summary>
    public static ValueTask<GmailResult> Insert(GmailCall call) => Store(call, defaultFromDateHeader: false);

    /// <summary>messages.import: like receiving the message; internalDate from the Date header by default.</summary>
    public static ValueTask<GmailResult> Import(GmailCall call) => Store(call, defaultFromDateHeader: true);

    private static ValueTask<GmailResult> Store(GmailCall call, bool defaultFromDateHeader)
    {
        var (raw, metadata, _) = MessageInput.Read(call, draft: false);
        if (raw is null)
        {
            throw GmailApiException.InvalidArgument("'raw' RFC822 payload message string or uploading message via /upload/* URL required");
        }

        var labels = (metadata?.LabelIds ?? []).ToArray();
        var known = call.Mailbox.ListLabels().Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var label in labels)
        {
            if (!known.Contains(label))
            {
                throw GmailApiException.InvalidArgument($"Invalid label: {label}");
            }
        }

        var content = ParsedMessage.Parse(raw);
        var source = call.Query("internalDateSource") ?? (defaultFromDateHeader ? "dateHeader" : "receivedTime");
        var internalDate = source == "dateHeader" && content.Date is { } date ? date : call.Time.GetUtcNow();
        var threadId = MessageInput.ThreadId(metadata);
        var stored = call.Mailbox.AddMessage(
            content, labels, internalDate.ToUnixTimeMilliseconds(), threadId,
            threadId is null ? ThreadingMode.Inbound : ThreadingMode.Requested, notify: true);
        return ValueTask.FromResult(GmailResult.Ok(MessageRenderer.WithLabels(stored)));
    }

    internal static ListOptions ReadListOptions(GmailCall call)
    {
        var q = call.Query("q");
        if (!string.IsNullOrWhiteSpace(q) && call.MetadataOnly)
        {
            throw new GmailApiException(403, "Metadata scope does not support 'q' parameter", "forbidden", "PERMISSION_DENIED");
        }

        return new ListOptions(call.QueryAll("labelIds"), GmailQuery.Parse(q), call.QueryBool("includeSpamTrash"), call.MaxResults(), call.Query("pageToken"));
    }

    internal static string ReadFormat(GmailCall call)
    {
        var format = (call.Query("format") ?? MessageRenderer.Full).ToLowerInvariant();
        if (format is not (MessageRenderer.Minimal or MessageRenderer.Metadata or MessageRenderer.Full or MessageRenderer.RawFormat))
        {
            throw GmailApiException.InvalidArgument($"Invalid value at 'format' (type.googleapis.com/google.apps.gmail.v1.Format), \"{call.Query("format")}\"");
        }

        if (call.MetadataOnly && format is MessageRenderer.Full or MessageRenderer.RawFormat)
        {
            throw new GmailApiException(403, $"Metadata scope doesn't allow format {format.ToUpperInvariant()}", "forbidden", "PERMISSION_DENIED");
        }

        return format;
    }
}
