using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.EmailService.Sync;

/// <summary>How the sync engine runs (<c>EmailSync</c> section).</summary>
public sealed class EmailSyncOptions : IValidatableObject
{
    public const string SectionName = "EmailSync";

    /// <summary>Name of this replica in leases and logs; defaults to machine name, process id and a random part.</summary>
    public string? ReplicaId { get; set; }

    /// <summary>
    /// Whether to ask Gmail for push notifications (<c>users.watch</c>); polling runs either way. Off unless configured,
    /// because push needs both sides set up: the Pub/Sub subscription pointing at <c>/api/push/gmail?token=</c> and
    /// <see cref="PushToken"/>.
    /// </summary>
    public bool PushEnabled { get; set; }

    /// <summary>The Pub/Sub topic Gmail publishes to (<c>projects/&lt;project&gt;/topics/&lt;topic&gt;</c>).</summary>
    [RegularExpression("^projects/[^/]+/topics/[^/]+$")]
    public string PushTopic { get; set; } = "projects/gmail-automation-local/topics/gmail-push";

    /// <summary>The secret the Pub/Sub push subscription puts in the webhook URL (<c>?token=</c>); required when push is on.</summary>
    public string? PushToken { get; set; }

    /// <summary>How often a watch is renewed (Gmail asks for daily; a watch lasts 7 days).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan WatchRenewInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Polling interval of an account without its own preference.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan DefaultPollingInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Fastest adaptive polling while mail is arriving.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan MinPollingInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Slowest adaptive polling of an idle mailbox.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long an account lease lasts without renewal: after a replica dies, its accounts move after this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the scheduler renews leases and looks for accounts without an owner.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan SchedulerInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Accounts one replica syncs at most (it also takes no more than its fair share of the live replicas).</summary>
    [Range(1, 100_000)]
    public int MaxAccountsPerReplica { get; set; } = 1000;

    /// <summary>Longest plain-text body carried by <c>EmailReceived</c>, in characters.</summary>
    [Range(1024, 10_000_000)]
    public int MaxBodyChars { get; set; } = 64 * 1024;

    /// <summary>First wait after a failed sync step; doubles up to <see cref="MaxErrorBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MinErrorBackoff { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxErrorBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Read owner, status and sync preferences of an account from the auth-service's internal API.</summary>
    public bool UseAuthServiceDirectory { get; set; } = true;

    /// <summary>Events published per outbox round.</summary>
    [Range(1, 10_000)]
    public int OutboxBatchSize { get; set; } = 200;

    /// <summary>
    /// Events of one account per outbox round while it has more waiting (see <see cref="OutboxPublisher"/>). With the
    /// default round of 100 ms that is 20 events/s per account: more than the rest of the pipeline can do for one
    /// account inside its Gmail quota (about 15 units a message), so the turn costs an account nothing.
    /// </summary>
    [Range(1, 10_000)]
    public int OutboxEventsPerAccountRound { get; set; } = 2;

    /// <summary>Shortest time between outbox rounds while an account still has events waiting for its turn.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan OutboxRoundInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PushEnabled && (PushToken?.Length ?? 0) < 16)
        {
            yield return new ValidationResult("EmailSync:PushToken needs at least 16 characters while push is enabled.", [nameof(PushToken)]);
        }

        if (MinPollingInterval > MaxPollingInterval)
        {
            yield return new ValidationResult("EmailSync:MinPollingInterval is above MaxPollingInterval.", [nameof(MinPollingInterval)]);
        }

        if (SchedulerInterval * 2 >= LeaseDuration)
        {
            yield return new ValidationResult("EmailSync:SchedulerInterval must be under half the LeaseDuration, so leases are renewed in time.", [nameof(SchedulerInterval)]);
        }
    }
}
