using GmailAutomation.GmailEmulator.Mailboxes;
using GmailAutomation.GmailEmulator.OAuth;

namespace GmailAutomation.GmailEmulator.Admin;

/// <summary>An address that signs in through the emulator's OAuth server gets an (empty) mailbox.</summary>
public sealed class MailboxAccountProvisioner(MailboxStore store) : IAccountProvisioner
{
    public void EnsureMailbox(string email) => store.GetOrCreate(email);
}
