using GmailAutomation.GmailEmulator.GmailApi;

namespace GmailAutomation.GmailEmulator.Mailboxes;

public sealed partial class Mailbox
{
    /// <summary>
    /// history.list: records after <paramref name="startHistoryId"/>, oldest first. A start id older than the
    /// retained history, or newer than the mailbox, is stale: 404 (the client must full-sync).
    /// </summary>
    public HistoryPage ListHistory(ulong startHistoryId, IReadOnlySet<HistoryKind>? kinds, string? labelId, int maxResults, string? pageToken)
    {
        var after = startHistoryId;
        if (!string.IsNullOrEmpty(pageToken))
        {
            if (!PageTokens.TryDecode(pageToken, "h", out var tokenStart, out var lastReturned) || (ulong)tokenStart != startHistoryId)
            {
                throw GmailApiException.InvalidArgument("Invalid pageToken");
            }

            after = lastReturned;
        }

        lock (_gate)
        {
            PruneHistory(_time.GetUtcNow());
            if (startHistoryId < _expiredThrough || startHistoryId > _historyId)
            {
                throw GmailApiException.NotFound();
            }

            var records = new List<HistoryRecord>();
            var more = false;
            for (var i = FirstRecordAfter(after); i < _history.Count; i++)
            {
                var record = _history[i];
                if ((kinds is not null && !kinds.Contains(record.Kind))
                    || (labelId is not null && !record.MessageLabels.Contains(labelId) && !record.ChangedLabels.Contains(labelId)))
                {
                    continue;
                }

                if (records.Count == maxResults)
                {
                    more = true;
                    break;
                }

                records.Add(record);
            }

            var next = more ? PageTokens.Encode("h", (long)startHistoryId, records[^1].Id) : null;
            return new HistoryPage(records, next, _historyId);
        }
    }

    private int FirstRecordAfter(ulong historyId)
    {
        int low = _historyStart, high = _history.Count;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (_history[mid].Id <= historyId)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
