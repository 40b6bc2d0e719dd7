namespace GmailAutomation.EmailService.Sync;

/// <summary>
/// The next polling interval of an account: the user's interval to start with; halved (down to the minimum) after
/// a poll that found mail, so a busy mailbox is followed closely; grown by a quarter (up to the maximum) after an
/// idle poll, so quiet mailboxes cost little quota. Without adaptive polling, always the user's interval.
/// </summary>
public static class AdaptivePolling
{
    public static TimeSpan Next(TimeSpan current, bool foundMail, TimeSpan preferred, bool adaptive, TimeSpan min, TimeSpan max)
    {
        preferred = Clamp(preferred, min, max);
        if (!adaptive)
        {
            return preferred;
        }

        if (foundMail)
        {
            return Clamp(current / 2, min, preferred);
        }

        // Idle: back to the preferred pace first, then slower beyond it.
        return current < preferred ? Clamp(current * 2, min, preferred) : Clamp(current * 1.25, min, max);
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) =>
        value < min ? min : value > max ? max : value;
}
