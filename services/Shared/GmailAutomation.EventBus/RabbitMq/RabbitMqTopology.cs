using System.Globalization;

namespace GmailAutomation.EventBus.RabbitMq;

/// <summary>
/// Names of the queues a subscribing service owns. Its main queue is bound to the exchange per event; a
/// failed message waits in a retry queue whose TTL is the backoff and whose dead-letter target is the main
/// queue (through the default exchange), and ends in the dead-letter queue after the last attempt.
/// </summary>
public static class RabbitMqTopology
{
    public static string DeadLetterQueue(string queue) => $"{queue}.dead-letter";

    /// <summary>
    /// Where a message goes when the broker hands it out again because a consumer never settled it (the process died,
    /// was killed or lost its connection while holding it). It is consumed one message at a time, so a message that
    /// takes its consumer down with it is the only one held when that happens again, and is counted alone.
    /// </summary>
    public static string QuarantineQueue(string queue) => $"{queue}.quarantine";

    /// <summary>One retry queue per delay, named after it, so a changed delay never clashes with an existing queue's TTL.</summary>
    public static string RetryQueue(string queue, TimeSpan delay) =>
        $"{queue}.retry.{((long)delay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}ms";
}
