using GmailAutomation.GmailEmulator.GmailApi;

namespace GmailAutomation.GmailEmulator.Mailboxes;

public sealed partial class Mailbox
{
    public ThreadView GetThread(string id)
    {
        var threadId = ParseId(id);
        lock (_gate)
        {
            var thread = _threads.GetValueOrDefault(threadId) ?? throw GmailApiException.NotFound();
            return ViewOf(thread);
        }
    }

    /// <summary>threads.list: threads ordered by their newest matching message, with that message's snippet.</summary>
    public ListPage<ThreadSummary> ListThreads(ListOptions options)
    {
        var after = DecodeListToken(options.PageToken, "t");
        lock (_gate)
        {
            var predicate = BuildPredicate(options);
            var seen = new HashSet<ulong>();
            var page = new List<ThreadSummary>();
            OrderKey? lastOnPage = null;
            var more = false;
            foreach (var key in Candidates(options.LabelIds))
            {
                var message = _messages[key.Id];
                if (!predicate(message) || !seen.Add(message.ThreadId))
                {
                    continue;
                }

                // First sighting = the thread's newest match; threads whose newest match came before the
                // token were on earlier pages.
                if (after is { } position && key.CompareTo(position) <= 0)
                {
                    continue;
                }

                if (page.Count < options.MaxResults)
                {
                    var thread = _threads[message.ThreadId];
                    page.Add(new ThreadSummary(thread.Id, message.Content.Snippet, thread.Messages.Max(m => m.HistoryId)));
                    lastOnPage = key;
                }
                else
                {
                    more = true;
                }
            }

            var next = more && lastOnPage is { } last ? PageTokens.Encode("t", last.InternalDate, last.Id) : null;
            return new ListPage<ThreadSummary>(page, next, seen.Count);
        }
    }

    /// <summary>threads.modify: applies to the thread's current messages only.</summary>
    public ThreadView ModifyThread(string id, IReadOnlyList<string> add, IReadOnlyList<string> remove) =>
        ChangeThread(id, thread =>
        {
            ValidateModifyLabels(add, remove);
            foreach (var message in thread.Messages.ToArray())
            {
                ApplyLabels(message, add, remove);
            }
        });

    public ThreadView TrashThread(string id) =>
        ChangeThread(id, thread => thread.Messages.ToList().ForEach(m => ApplyLabels(m, [SystemLabels.Trash], [])));

    public ThreadView UntrashThread(string id) =>
        ChangeThread(id, thread => thread.Messages.ToList().ForEach(m => ApplyLabels(m, [], [SystemLabels.Trash])));

    public void DeleteThread(string id) =>
        ChangeThread(id, thread =>
        {
            foreach (var message in thread.Messages.ToArray())
            {
                if (_draftByMessage.Remove(message.Id, out var draftId))
                {
                    _drafts.Remove(draftId);
                }

                RemoveCore(message, notify: true);
            }
        });

    private ThreadView ChangeThread(string id, Action<ThreadState> change)
    {
        var threadId = ParseId(id);
        List<(ulong, IReadOnlyCollection<string>)> pending;
        ThreadView view;
        lock (_gate)
        {
            var thread = _threads.GetValueOrDefault(threadId) ?? throw GmailApiException.NotFound();
            change(thread);
            view = ViewOf(thread);
            pending = TakePending();
        }

        Publish(pending);
        return view;
    }

    private static ThreadView ViewOf(ThreadState thread) =>
        new(thread.Id, thread.Messages.Count == 0 ? 0 : thread.Messages.Max(m => m.HistoryId), thread.Messages.Select(m => m.View()).ToArray());
}
