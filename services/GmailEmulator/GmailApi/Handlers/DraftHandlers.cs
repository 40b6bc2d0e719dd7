using GmailAutomation.GmailEmulator.Mailboxes;

namespace GmailAutomation.GmailEmulator.GmailApi.Handlers;

/// <summary>users.drafts.* (API-SUBSET §7). A draft's message carries only DRAFT; updating changes its id.</summary>
public static class DraftHandlers
{
    public static ValueTask<GmailResult> Create(GmailCall call)
    {
        var (raw, metadata, _) = MessageInput.Read(call, draft: true);
        var content = PrepareDraft(call, raw);
        var draft = call.Mailbox.CreateDraft(content, MessageInput.ThreadId(metadata));
        return ValueTask.FromResult(GmailResult.Ok(Summary(draft)));
    }

    public static ValueTask<GmailResult> Update(GmailCall call)
    {
        var (raw, metadata, _) = MessageInput.Read(call, draft: true);
        var content = PrepareDraft(call, raw);
        var draft = call.Mailbox.UpdateDraft(call.Route("id"), content, MessageInput.ThreadId(metadata));
        return ValueTask.FromResult(GmailResult.Ok(Summary(draft)));
    }

    public static ValueTask<GmailResult> Get(GmailCall call)
    {
        var format = MessageHandlers.ReadFormat(call);
        var draft = call.Mailbox.GetDraft(call.Route("id"));
        return ValueTask.FromResult(GmailResult.Ok(new DraftJson
        {
            Id = draft.Id,
            Message = MessageRenderer.Render(draft.Message, format, call.QueryAll("metadataHeaders")),
        }));
    }

    public static ValueTask<GmailResult> List(GmailCall call)
    {
        var page = call.Mailbox.ListDrafts(MessageHandlers.ReadListOptions(call));
        return ValueTask.FromResult(GmailResult.Ok(new DraftListJson
        {
            Drafts = page.Items.Count == 0
                ? null
                : page.Items.Select(d => new DraftJson { Id = d.Id, Message = MessageRenderer.Reference(d.Message.Id, d.Message.ThreadId) }).ToArray(),
            NextPageToken = page.NextPageToken,
            ResultSizeEstimate = page.ResultSizeEstimate,
        }));
    }

    public static ValueTask<GmailResult> Delete(GmailCall call)
    {
        call.Mailbox.DeleteDraft(call.Route("id"));
        return ValueTask.FromResult(GmailResult.NoContent);
    }

    /// <summary>drafts.send: body <c>{"id"}</c>, optionally with a new message that replaces the draft's first.</summary>
    public static ValueTask<GmailResult> Send(GmailCall call)
    {
        var (raw, metadata, draftId) = MessageInput.Read(call, draft: true);
        if (string.IsNullOrEmpty(draftId))
        {
            throw GmailApiException.InvalidArgument("Invalid draft: missing id");
        }

        if (raw is not null)
        {
            call.Mailbox.UpdateDraft(draftId, PrepareDraft(call, raw), MessageInput.ThreadId(metadata));
        }

        var now = call.Time.GetUtcNow();
        var sent = call.Mailbox.SendDraft(draftId, draft =>
        {
            OutgoingMessages.RequireRecipient(draft.Raw);
            return OutgoingMessages.Prepare(draft.Raw, call.Mailbox.Email, now, sending: true);
        });
        return ValueTask.FromResult(GmailResult.Ok(MessageRenderer.WithLabels(sent)));
    }

    private static ParsedMessage PrepareDraft(GmailCall call, byte[]? raw)
    {
        if (raw is null)
        {
            throw GmailApiException.InvalidArgument("Invalid draft: 'message.raw' is required");
        }

        return OutgoingMessages.Prepare(raw, call.Mailbox.Email, call.Time.GetUtcNow(), sending: false);
    }

    private static DraftJson Summary(DraftView draft) => new() { Id = draft.Id, Message = MessageRenderer.WithLabels(draft.Message) };
}
