using System.Collections.Concurrent;
using GmailAutomation.GmailEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace GmailAutomation.GmailEmulator.Mailboxes;

/// <summary>
/// All mailboxes of the emulator, by address (case-insensitive). The emulator is a test double of Google, so
/// its state lives in memory by design.
/// </summary>
public sealed class MailboxStore : IEmulatorResettable
{
    private readonly ConcurrentDictionary<string, Mailbox> _mailboxes = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;
    private readonly IOptions<MailboxOptions> _options;
    private readonly IServiceProvider _services;
    private IMailboxChangeListener? _listener;

    // The listener is resolved on first use: the push machinery behind it may itself read mailboxes.
    public MailboxStore(TimeProvider time, IOptions<MailboxOptions> options, IServiceProvider services)
    {
        _time = time;
        _options = options;
        _services = services;
    }

    public Mailbox? Find(string email) => _mailboxes.GetValueOrDefault(email);

    public bool Exists(string email) => _mailboxes.ContainsKey(email);

    /// <summary>The mailbox of <paramref name="email"/>, created empty when new. Created tells which.</summary>
    public (Mailbox Mailbox, bool Created) GetOrCreate(string email)
    {
        var address = email.Trim();
        if (_mailboxes.TryGetValue(address, out var existing))
        {
            return (existing, false);
        }

        var created = new Mailbox(address.ToLowerInvariant(), _time, _options.Value.History.Retention, Notify);
        var stored = _mailboxes.GetOrAdd(address, created);
        return (stored, ReferenceEquals(stored, created));
    }

    public IReadOnlyList<Mailbox> All() => _mailboxes.Values.OrderBy(m => m.Email, StringComparer.Ordinal).ToArray();

    public void Reset() => _mailboxes.Clear();

    private void Notify(string email, ulong historyId, IReadOnlyCollection<string> labelIds)
    {
        _listener ??= _services.GetRequiredService<IMailboxChangeListener>();
        _listener.OnHistoryRecorded(email, historyId, labelIds);
    }
}
