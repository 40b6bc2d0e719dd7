using GmailAutomation.GmailEmulator.Hosting;

namespace GmailAutomation.GmailEmulator.Push;

/// <summary>
/// Turns history records into push notifications for watched mailboxes whose label filter matches. Runs on
/// the Gmail call path, so it only looks up the watch and hands over to <see cref="PushNotifier"/>.
/// </summary>
public sealed class PushChangeListener(IWatchRegistry watches, PushNotifier notifier) : IMailboxChangeListener
{
    public void OnHistoryRecorded(string email, ulong historyId, IReadOnlyCollection<string> labelIds)
    {
        if (watches.Find(email) is { } watch && watch.Matches(labelIds))
        {
            notifier.Publish(watch, historyId);
        }
    }
}
