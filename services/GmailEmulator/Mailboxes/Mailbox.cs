using GmailAutomation.GmailEmulator.GmailApi;
using GmailAutomation.GmailEmulator.Mailboxes.Search;

namespace GmailAutomation.GmailEmulator.Mailboxes;

/// <summary>
/// One user's mailbox, in memory: messages, threads, labels, drafts and history. Every operation takes one lock
/// for a short, index-backed critical section (message lookups are dictionary hits; list order and per-label
/// membership are sorted sets), and hands out immutable views. History records are reported to the change
/// listener after the lock is released.
/// </summary>
public sealed partial class Mailbox
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _historyRetention;
    private readonly Action<string, ulong, IReadOnlyCollection<string>> _notify;

    private readonly Dictionary<ulong, StoredMessage> _messages = [];
    private readonly SortedSet<OrderKey> _order = [];
    private readonly Dictionary<string, SortedSet<OrderKey>> _byLabel = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, ThreadState> _threads = [];
    private readonly Dictionary<string, ulong> _byRfcMessageId = new(StringComparer.OrdinalIgnoreCase);

    private readonly List<LabelState> _labels = [];
    private readonly Dictionary<string, LabelState> _labelsById = new(StringComparer.Ordinal);
    private int _nextLabelNumber = 1;

    private readonly Dictionary<string, DraftState> _drafts = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, string> _draftByMessage = [];

    private readonly List<HistoryRecord> _history = [];
    private int _historyStart;
    private ulong _historyId;
    private ulong _expiredThrough;
    private List<(ulong HistoryId, IReadOnlyCollection<string> Labels)> _pending = [];

    public Mailbox(string email, TimeProvider time, TimeSpan historyRetention, Action<string, ulong, IReadOnlyCollection<string>> notify)
    {
        Email = email;
        _time = time;
        _historyRetention = historyRetention;
        _notify = notify;
        foreach (var label in SystemLabels.Create())
        {
            _labels.Add(label);
            _labelsById[label.Id] = label;
        }

        // Real mailboxes start far from zero; clients must not assume small or contiguous ids.
        _historyId = (ulong)Random.Shared.Next(1_000, 100_000);
        _expiredThrough = _historyId;
    }

    public string Email { get; }

    private sealed class ThreadState(ulong id, string subject)
    {
        public ulong Id { get; } = id;
        public string Subject { get; } = subject;

        /// <summary>Oldest first.</summary>
        public List<StoredMessage> Messages { get; } = [];
    }

    private sealed class DraftState(string id, StoredMessage message)
    {
        public string Id { get; } = id;
        public StoredMessage Message { get; set; } = message;
    }

    // ---------------------------------------------------------------- profile and messages

    public MailboxProfile Profile()
    {
        lock (_gate)
        {
            return new MailboxProfile(Email, _messages.Count, _threads.Count, _historyId);
        }
    }

    public ulong HistoryId
    {
        get
        {
            lock (_gate)
            {
                return _historyId;
            }
        }
    }

    /// <summary>Stores a message. <paramref name="notify"/> false for seeding/import (no push for old mail).</summary>
    public MessageView AddMessage(ParsedMessage content, IEnumerable<string> labelIds, long internalDate, ulong? requestedThreadId, ThreadingMode threading, bool notify)
    {
        List<(ulong, IReadOnlyCollection<string>)> pending;
        MessageView view;
        lock (_gate)
        {
            var message = AddCore(content, labelIds, internalDate, requestedThreadId, threading, notify);
            view = message.View();
            pending = TakePending();
        }

        Publish(pending);
        return view;
    }

    public MessageView? FindMessage(ulong id)
    {
        lock (_gate)
        {
            return _messages.TryGetValue(id, out var message) ? message.View() : null;
        }
    }

    public MessageView GetMessage(string id)
    {
        var parsed = ParseId(id);
        return FindMessage(parsed) ?? throw GmailApiException.NotFound();
    }

    public ListPage<MessageView> ListMessages(ListOptions options)
    {
        var after = DecodeListToken(options.PageToken, "m");
        lock (_gate)
        {
            var predicate = BuildPredicate(options);
            var candidates = Candidates(options.LabelIds);
            var page = new List<MessageView>(Math.Min(options.MaxResults, 512));
            var total = 0;
            OrderKey? lastOnPage = null;
            var more = false;
            foreach (var key in candidates)
            {
                var message = _messages[key.Id];
                if (!predicate(message))
                {
                    continue;
                }

                total++;
                if (after is { } position && key.CompareTo(position) <= 0)
                {
                    continue;
                }

                if (page.Count < options.MaxResults)
                {
                    page.Add(message.View());
                    lastOnPage = key;
                }
                else
                {
                    more = true;
                }
            }

            var next = more && lastOnPage is { } last ? PageTokens.Encode("m", last.InternalDate, last.Id) : null;
            return new ListPage<MessageView>(page, next, total);
        }
    }

    /// <summary>messages.modify: returns the message after the change.</summary>
    public MessageView Modify(string id, IReadOnlyList<string> add, IReadOnlyList<string> remove)
    {
        var messageId = ParseId(id);
        List<(ulong, IReadOnlyCollection<string>)> pending;
        MessageView view;
        lock (_gate)
        {
            ValidateModifyLabels(add, remove);
            var message = _messages.GetValueOrDefault(messageId) ?? throw GmailApiException.NotFound();
            ApplyLabels(message, add, remove);
            view = message.View();
            pending = TakePending();
        }

        Publish(pending);
        return view;
    }

    /// <summary>messages.batchModify: unknown ids are skipped, as Gmail does.</summary>
    public void BatchModify(IReadOnlyList<string> ids, IReadOnlyList<string> add, IReadOnlyList<string> remove)
    {
        if (ids.Count == 0)
        {
            throw GmailApiException.InvalidArgument("No message ids specified");
        }

        if (ids.Count > 1000)
        {
            throw GmailApiException.InvalidArgument("Too many message ids specified (limit 1000)");
        }

        var parsed = ids.Select(ParseId).ToArray();
        List<(ulong, IReadOnlyCollection<string>)> pending;
        lock (_gate)
        {
            ValidateModifyLabels(add, remove);
            foreach (var messageId in parsed)
            {
                if (_messages.TryGetValue(messageId, out var message))
                {
                    ApplyLabels(message, add, remove);
                }
            }

            pending = TakePending();
        }

        Publish(pending);
    }

    public MessageView Trash(string id) => ChangeSystemLabel(id, add: SystemLabels.Trash, remove: null);

    public MessageView Untrash(string id) => ChangeSystemLabel(id, add: null, remove: SystemLabels.Trash);

    /// <summary>messages.delete: permanent; records messageDeleted.</summary>
    public void DeleteMessage(string id)
    {
        var messageId = ParseId(id);
        List<(ulong, IReadOnlyCollection<string>)> pending;
        lock (_gate)
        {
            var message = _messages.GetValueOrDefault(messageId) ?? throw GmailApiException.NotFound();
            if (_draftByMessage.Remove(messageId, out var draftId))
            {
                _drafts.Remove(draftId);
            }

            RemoveCore(message, notify: true);
            pending = TakePending();
        }

        Publish(pending);
    }

    private MessageView ChangeSystemLabel(string id, string? add, string? remove)
    {
        var messageId = ParseId(id);
        List<(ulong, IReadOnlyCollection<string>)> pending;
        MessageView view;
        lock (_gate)
        {
            var message = _messages.GetValueOrDefault(messageId) ?? throw GmailApiException.NotFound();
            ApplyLabels(message, add is null ? [] : [add], remove is null ? [] : [remove]);
            view = message.View();
            pending = TakePending();
        }

        Publish(pending);
        return view;
    }

    // ---------------------------------------------------------------- internals shared by all mutations

    private StoredMessage AddCore(ParsedMessage content, IEnumerable<string> labelIds, long internalDate, ulong? requestedThreadId, ThreadingMode threading, bool notify)
    {
        var id = GmailIds.NewMessageId(_time);
        var thread = ResolveThread(content, requestedThreadId, threading);
        if (thread is null)
        {
            thread = new ThreadState(id, content.ThreadSubject);
            _threads[id] = thread;
        }

        var message = new StoredMessage { Id = id, ThreadId = thread.Id, InternalDate = internalDate, Content = content };
        _messages[id] = message;
        _order.Add(message.Key);
        foreach (var label in labelIds.Distinct(StringComparer.Ordinal))
        {
            AddLabelIndex(message, label);
        }

        var position = thread.Messages.FindIndex(m => m.Key.CompareTo(message.Key) < 0);
        thread.Messages.Insert(position < 0 ? thread.Messages.Count : position, message);
        if (content.MessageId.Length > 0)
        {
            _byRfcMessageId.TryAdd(content.MessageId, id);
        }

        Record(HistoryKind.MessageAdded, message, [], notify);
        return message;
    }

    private void RemoveCore(StoredMessage message, bool notify)
    {
        _messages.Remove(message.Id);
        _order.Remove(message.Key);
        foreach (var label in message.Labels)
        {
            _byLabel[label].Remove(message.Key);
        }

        if (_threads.TryGetValue(message.ThreadId, out var thread))
        {
            thread.Messages.Remove(message);
            if (thread.Messages.Count == 0)
            {
                _threads.Remove(thread.Id);
            }
        }

        if (message.Content.MessageId.Length > 0
            && _byRfcMessageId.TryGetValue(message.Content.MessageId, out var indexed) && indexed == message.Id)
        {
            _byRfcMessageId.Remove(message.Content.MessageId);
        }

        Record(HistoryKind.MessageDeleted, message, [], notify);
    }

    /// <summary>Adds then removes labels; one history record per kind of effective change, none for a no-op.</summary>
    private void ApplyLabels(StoredMessage message, IReadOnlyList<string> add, IReadOnlyList<string> remove)
    {
        var added = new List<string>();
        foreach (var label in add.Distinct(StringComparer.Ordinal))
        {
            if (!message.Labels.Contains(label) && !remove.Contains(label))
            {
                AddLabelIndex(message, label);
                added.Add(label);
            }
        }

        var removed = new List<string>();
        foreach (var label in remove.Distinct(StringComparer.Ordinal))
        {
            if (message.Labels.Contains(label))
            {
                RemoveLabelIndex(message, label);
                removed.Add(label);
            }
        }

        if (added.Count > 0)
        {
            Record(HistoryKind.LabelAdded, message, added, notify: true);
        }

        if (removed.Count > 0)
        {
            Record(HistoryKind.LabelRemoved, message, removed, notify: true);
        }
    }

    private void AddLabelIndex(StoredMessage message, string label)
    {
        message.Labels.Add(label);
        if (!_byLabel.TryGetValue(label, out var set))
        {
            set = [];
            _byLabel[label] = set;
        }

        set.Add(message.Key);
    }

    private void RemoveLabelIndex(StoredMessage message, string label)
    {
        message.Labels.Remove(label);
        if (_byLabel.TryGetValue(label, out var set))
        {
            set.Remove(message.Key);
        }
    }

    private void ValidateModifyLabels(IReadOnlyList<string> add, IReadOnlyList<string> remove)
    {
        if (add.Count == 0 && remove.Count == 0)
        {
            throw GmailApiException.InvalidArgument("No label add or removes specified");
        }

        if (add.Count > 100 || remove.Count > 100)
        {
            throw GmailApiException.InvalidArgument("Too many labels specified (limit 100)");
        }

        foreach (var label in add.Concat(remove))
        {
            var known = _labelsById.TryGetValue(label, out var state);
            if (!known || (state!.IsSystem && !SystemLabels.IsApplicable(label)))
            {
                throw GmailApiException.InvalidArgument($"Invalid label: {label}");
            }
        }
    }

    /// <summary>
    /// Gmail's threading rule: a requested thread is joined only when it exists, the message carries RFC 2822
    /// In-Reply-To/References and the subjects agree ignoring Re:/Fwd:. Incoming mail joins the thread of a
    /// message it references, again only with an agreeing subject.
    /// </summary>
    private ThreadState? ResolveThread(ParsedMessage content, ulong? requestedThreadId, ThreadingMode threading)
    {
        if (threading == ThreadingMode.Requested)
        {
            return requestedThreadId is { } wanted
                && _threads.TryGetValue(wanted, out var thread)
                && content.HasValidReplyHeaders
                && SubjectsAgree(thread, content)
                ? thread
                : null;
        }

        if (threading == ThreadingMode.Forced)
        {
            return requestedThreadId is { } forced ? _threads.GetValueOrDefault(forced) : null;
        }

        var referenced = new List<string>();
        if (ParsedMessage.IsMsgId(content.InReplyTo))
        {
            referenced.Add(content.InReplyTo);
        }

        referenced.AddRange(content.References.Reverse());
        foreach (var reference in referenced)
        {
            if (_byRfcMessageId.TryGetValue(reference, out var messageId)
                && _messages.TryGetValue(messageId, out var parent)
                && _threads.TryGetValue(parent.ThreadId, out var thread)
                && SubjectsAgree(thread, content))
            {
                return thread;
            }
        }

        return null;
    }

    private static bool SubjectsAgree(ThreadState thread, ParsedMessage content) =>
        string.Equals(thread.Subject, content.ThreadSubject, StringComparison.Ordinal);

    private void Record(HistoryKind kind, StoredMessage message, IReadOnlyList<string> changed, bool notify)
    {
        var now = _time.GetUtcNow();
        PruneHistory(now);

        // Ids grow but are not contiguous, as Gmail's are not.
        _historyId += (ulong)Random.Shared.Next(1, 4);
        message.HistoryId = _historyId;
        var labels = message.Labels.ToArray();
        _history.Add(new HistoryRecord(_historyId, now, kind, message.Id, message.ThreadId, labels, changed.ToArray()));
        if (notify)
        {
            _pending.Add((_historyId, labels.Union(changed).ToArray()));
        }
    }

    private void PruneHistory(DateTimeOffset now)
    {
        var cutoff = now - _historyRetention;
        while (_historyStart < _history.Count && _history[_historyStart].At < cutoff)
        {
            _expiredThrough = _history[_historyStart].Id;
            _historyStart++;
        }

        if (_historyStart > 1024 && _historyStart > _history.Count / 2)
        {
            _history.RemoveRange(0, _historyStart);
            _historyStart = 0;
        }
    }

    private List<(ulong, IReadOnlyCollection<string>)> TakePending()
    {
        if (_pending.Count == 0)
        {
            return _pending;
        }

        var taken = _pending;
        _pending = [];
        return taken;
    }

    private void Publish(List<(ulong HistoryId, IReadOnlyCollection<string> Labels)> pending)
    {
        foreach (var (historyId, labels) in pending)
        {
            _notify(Email, historyId, labels);
        }
    }

    private Func<StoredMessage, bool> BuildPredicate(ListOptions options)
    {
        Func<StoredMessage, bool>? query = null;
        if (options.Query is { } node)
        {
            var now = _time.GetUtcNow();
            query = QueryEvaluator.Compile(node, LabelIdForName, now);
        }

        var includeSpamTrash = options.IncludeSpamTrash
            || options.LabelIds.Contains(SystemLabels.Spam)
            || options.LabelIds.Contains(SystemLabels.Trash)
            || GmailQuery.MentionsSpamOrTrash(options.Query);
        var labels = options.LabelIds;

        return message =>
            (includeSpamTrash || !(message.Labels.Contains(SystemLabels.Spam) || message.Labels.Contains(SystemLabels.Trash)))
            && labels.All(message.Labels.Contains)
            && (query is null || query(message));
    }

    /// <summary>The smallest index that holds every match: the rarest requested label, else all messages.</summary>
    private IEnumerable<OrderKey> Candidates(IReadOnlyList<string> labelIds)
    {
        SortedSet<OrderKey>? smallest = _order;
        foreach (var label in labelIds)
        {
            if (!_byLabel.TryGetValue(label, out var set))
            {
                return [];
            }

            if (set.Count < smallest.Count)
            {
                smallest = set;
            }
        }

        return smallest;
    }

    private string? LabelIdForName(string name)
    {
        var wanted = GmailQuery.NormalizeLabelName(name);
        foreach (var label in _labels)
        {
            if (GmailQuery.NormalizeLabelName(label.Name) == wanted)
            {
                return label.Id;
            }
        }

        return null;
    }

    private static OrderKey? DecodeListToken(string? token, string kind)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        return PageTokens.TryDecode(token, kind, out var date, out var id)
            ? new OrderKey(date, id)
            : throw GmailApiException.InvalidArgument("Invalid pageToken");
    }

    public static ulong ParseId(string id) =>
        GmailIds.TryParse(id, out var parsed) ? parsed : throw GmailApiException.InvalidArgument("Invalid id value");
}
