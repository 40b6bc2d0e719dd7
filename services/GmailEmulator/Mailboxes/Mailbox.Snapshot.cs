namespace GmailAutomation.GmailEmulator.Mailboxes;

/// <summary>Everything a mailbox holds, for the admin API.</summary>
public sealed record MailboxSnapshot(
    string Email,
    ulong HistoryId,
    IReadOnlyList<MessageView> Messages,
    IReadOnlyList<DraftView> Drafts,
    IReadOnlyList<LabelState> Labels);

public sealed partial class Mailbox
{
    public MailboxSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new MailboxSnapshot(
                Email,
                _historyId,
                _order.Select(key => _messages[key.Id].View()).ToArray(),
                _drafts.Values.OrderBy(d => d.Message.Key).Select(d => new DraftView(d.Id, d.Message.View())).ToArray(),
                _labels.Select(l => l.Clone()).ToArray());
        }
    }
}
