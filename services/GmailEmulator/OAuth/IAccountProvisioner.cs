namespace GmailAutomation.GmailEmulator.OAuth;

/// <summary>
/// Creates the mailbox of an address that signs in through the emulator's OAuth server, so that a fresh
/// account can use the Gmail API right after consent. Implemented over the emulator's mailbox store.
/// </summary>
public interface IAccountProvisioner
{
    void EnsureMailbox(string email);
}
