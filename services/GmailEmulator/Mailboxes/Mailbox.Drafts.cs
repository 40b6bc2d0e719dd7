using GmailAutomation.GmailEmulator.GmailApi;

namespace GmailAutomation.GmailEmulator.Mailboxes;

public sealed partial class Mailbox
{
    /// <summary>messages.send: the message carries SENT (and INBOX/UNREAD too when addressed to this mailbox).</summary>
    public MessageView Send(ParsedMessage content, ulong? requestedThreadId)
    {
        List<(ulong, IReadOnlyCollection<string>)> pending;
        MessageView view;
        lock (_gate)
        {
            view = AddCore(content, SentLabels(content), _time.GetUtcNow().ToUnixTimeMilliseconds(), requestedThreadId, ThreadingMode.Requested, notify: true).View();
            pending = TakePending();
        }

        Publish(pending);
        return view;
    }

    public DraftView CreateDraft(ParsedMessage content, ulong? requestedThreadId)
    {
        List<(ulong, IReadOnlyCollection<string>)> pending;
        DraftView view;
        lock (_gate)
        {
            var message = AddCore(content, [SystemLabels.Draft], _time.GetUtcNow().ToUnixTimeMilliseconds(), requestedThreadId, ThreadingMode.Requested, notify: true);
            var draft = new DraftState(GmailIds.NewDraftId(), message);
            _drafts[draft.Id] = draft;
            _draftByMessage[message.Id] = draft.Id;
            view = new DraftView(draft.Id, message.View());
            pending = TakePending();
        }

        Publish(pending);
        return view;
    }

    /// <summary>drafts.update: a new message replaces the old one (messageDeleted, then messageAdded); the draft id stays.</summary>
    public DraftView UpdateDraft(string draftId, ParsedMessage content, ulong? requestedThreadId)
    {
        List<(ulong, IReadOnlyCollection<string>)> pending;
        DraftView view;
        lock (_gate)
        {
            var draft = _drafts.GetValueOrDefault(draftId) ?? throw GmailApiException.NotFound();
            _draftByMessage.Remove(draft.Message.Id);
            RemoveCore(draft.Message, notify: true);
            var message = AddCore(content, [SystemLabels.Draft], _time.GetUtcNow().ToUnixTimeMilliseconds(), requestedThreadId, ThreadingMode.Requested, notify: true);
            draft.Message = message;
            _draftByMessage[message.Id] = draft.Id;
            view = new DraftView(draft.Id, message.View());
            pending = TakePending();
        }

        Publish(pending);
        return view;
    }

    public DraftView GetDraft(string draftId)
    {
        lock (_gate)
        {
            var draft = _drafts.GetValueOrDefault(draftId) ?? throw GmailApiException.NotFound();
            return new DraftView(draft.Id, draft.Message.View());
        }
    }

    public ListPage<DraftView> ListDrafts(ListOptions options)
    {
        var after = DecodeListToken(options.PageToken, "d");
        lock (_gate)
        {
            var predicate = BuildPredicate(options with { LabelIds = [] });
            var matches = _drafts.Values
                .Where(d => predicate(d.Message))
                .OrderBy(d => d.Message.Key)
                .ToList();
            var remaining = after is { } position ? matches.Where(d => d.Message.Key.CompareTo(position) > 0).ToList() : matches;
            var page = remaining.Take(options.MaxResults).ToList();
            var next = remaining.Count > page.Count ? PageTokens.Encode("d", page[^1].Message.InternalDate, page[^1].Message.Id) : null;
            return new ListPage<DraftView>(page.Select(d => new DraftView(d.Id, d.Message.View())).ToArray(), next, matches.Count);
        }
    }

    public void DeleteDraft(string draftId)
    {
        List<(ulong, IReadOnlyCollection<string>)> pending;
        lock (_gate)
        {
            var draft = _drafts.GetValueOrDefault(draftId) ?? throw GmailApiException.NotFound();
            _drafts.Remove(draftId);
            _draftByMessage.Remove(draft.Message.Id);
            RemoveCore(draft.Message, notify: true);
            pending = TakePending();
        }

        Publish(pending);
    }

    /// <summary>
    /// drafts.send: the draft goes away (its message deleted) and a SENT message joins the draft's thread.
    /// <paramref name="prepare"/> turns the draft's stored content into what is sent (date, Bcc stripped); it runs
    /// under the lock so a concurrent update cannot slip in between.
    /// </summary>
    public MessageView SendDraft(string draftId, Func<ParsedMessage, ParsedMessage> prepare)
    {
        List<(ulong, IReadOnlyCollection<string>)> pending;
        MessageView view;
        lock (_gate)
        {
            var draft = _drafts.GetValueOrDefault(draftId) ?? throw GmailApiException.NotFound();
            var content = prepare(draft.Message.Content);
            var threadId = draft.Message.ThreadId;
            _drafts.Remove(draftId);
            _draftByMessage.Remove(draft.Message.Id);
            RemoveCore(draft.Message, notify: true);

            // The draft already passed the threading rule when it was saved: the sent message stays in its thread.
            view = AddCore(content, SentLabels(content), _time.GetUtcNow().ToUnixTimeMilliseconds(), threadId, ThreadingMode.Forced, notify: true).View();
            pending = TakePending();
        }

        Publish(pending);
        return view;
    }

    private string[] SentLabels(ParsedMessage content)
    {
        var toSelf = $"{content.To},{content.Cc},{content.Bcc}".Contains(Email, StringComparison.OrdinalIgnoreCase);
        return toSelf ? [SystemLabels.Sent, SystemLabels.Inbox, SystemLabels.Unread] : [SystemLabels.Sent];
    }
}
