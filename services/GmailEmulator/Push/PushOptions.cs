using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.GmailEmulator.Push;

/// <summary>Gmail push notifications through an emulated Cloud Pub/Sub push subscription (<c>Emulator:Push</c>, API-SUBSET §11).</summary>
public sealed class PushOptions
{
    public const string SectionName = "Emulator:Push";

    /// <summary>
    /// Webhook every watched topic is pushed to, unless a per-topic endpoint was registered with
    /// <c>PUT /emulator/push/subscriptions</c>. May carry a verification token in its query string.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>Pub/Sub projects whose topics Gmail may publish to; empty allows any project.</summary>
    public List<string> AllowedProjects { get; set; } = [];

    /// <summary>The caller's Cloud project, named in the "Invalid topicName" error.</summary>
    [Required]
    public string ProjectId { get; set; } = "gmail-automation-local";

    /// <summary>How long a watch lasts before it must be renewed (Gmail: 7 days).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan WatchLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>At most one notification per user in this interval; later changes are coalesced into one.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MinNotificationInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>First redelivery delay after a non-ack answer; doubled on each further attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Deliveries tried per notification before it is given up.</summary>
    [Range(1, 1000)]
    public int MaxDeliveryAttempts { get; set; } = 10;

    /// <summary>How long the webhook may take to answer before the attempt counts as failed (Pub/Sub's ack deadline).</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:10:00")]
    public TimeSpan AckDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Notifications waiting for delivery; when full, new ones are dropped (and counted).</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 10_000;

    [Range(1, 64)]
    public int MaxConcurrentDeliveries { get; set; } = 4;
}
