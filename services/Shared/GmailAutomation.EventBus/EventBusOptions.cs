using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.EventBus;

/// <summary>Settings of the event bus, bound from the <c>EventBus</c> configuration section.</summary>
public sealed class EventBusOptions
{
    public const string SectionName = "EventBus";

    /// <summary>The topic exchange every event is published to.</summary>
    [Required]
    public string ExchangeName { get; set; } = "gmail-automation";

    /// <summary>
    /// Name of this service's queue; replicas of one service share it (competing consumers). Defaults to
    /// the application name.
    /// </summary>
    [Required]
    public string SubscriptionClientName { get; set; } = string.Empty;

    /// <summary>Unacknowledged messages the broker hands this service at once.</summary>
    [Range(1, ushort.MaxValue)]
    public int PrefetchCount { get; set; } = 32;

    /// <summary>Messages handled in parallel by one service instance.</summary>
    [Range(1, 256)]
    public int ConsumerConcurrency { get; set; } = 4;

    /// <summary>Deliveries of one message (first try included) before it goes to the dead-letter queue.</summary>
    [Range(1, 100)]
    public int MaxDeliveryAttempts { get; set; } = 5;

    /// <summary>
    /// Times a message may take its consumer down (crash, kill -9, lost connection while handling it alone in
    /// quarantine) before it goes to the dead-letter queue. The broker does not count such deliveries, so without
    /// this a message that crashes its service would come back forever and stall the queue.
    /// </summary>
    [Range(1, 100)]
    public int MaxUnsettledDeliveries { get; set; } = 3;

    /// <summary>
    /// Wait before the 2nd, 3rd… delivery of a failed message; the last value is used for later attempts.
    /// The wait is a broker-side TTL queue, so it survives a crash of this service. Default: 2 s, 10 s, 1 min, 5 min.
    /// </summary>
    [MinLength(1)]
    public TimeSpan[] RetryDelays { get; set; } = [];

    /// <summary>Publish attempts while the broker is unreachable or refuses a message, before <c>PublishAsync</c> fails.</summary>
    [Range(0, 20)]
    public int PublishRetryCount { get; set; } = 6;

    /// <summary>First wait between publish attempts; it doubles each time.</summary>
    public TimeSpan PublishRetryDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest a stop waits for handlers in progress before they are cancelled.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long an idempotent handler's claim on an event lasts; after a crash, a retry may run the effect once this has passed.</summary>
    public TimeSpan IdempotencyClaimTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the "already processed" marker of an event is kept; duplicates later than this run again.</summary>
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The wait before delivery attempt <paramref name="nextAttempt"/> (2 for the first retry).</summary>
    public TimeSpan RetryDelayBefore(int nextAttempt) =>
        RetryDelays[Math.Clamp(nextAttempt - 2, 0, RetryDelays.Length - 1)];
}
