namespace GmailAutomation.ApiGateway.Data;

/// <summary>
/// A personal API token for scripts. Only the SHA-256 of the secret is stored; the secret itself is shown once,
/// when the token is created. Revoking keeps the row (with <see cref="RevokedAt"/>) so the list stays honest.
/// </summary>
public sealed class ApiToken
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    /// <summary>The owner's sign-in address when the token was made (forwarded in the identity like a session's).</summary>
    public string Email { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    /// <summary>SHA-256 of the whole token string.</summary>
    public byte[] TokenHash { get; set; } = [];

    /// <summary>The first characters of the token, so a person can tell their tokens apart (not enough to guess it).</summary>
    public string DisplayPrefix { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>One fact in the append-only audit log (the table refuses UPDATE, and DELETE outside the retention job).</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    /// <summary>
    /// The integration event it records. Unique with <see cref="AccountId"/>: an event about a user (a rule change) gives
    /// one entry per account of the user, and a redelivered event adds nothing.
    /// </summary>
    public Guid EventId { get; set; }

    public string EventType { get; set; } = string.Empty;

    /// <summary>What happened, e.g. <c>email.classified</c>, <c>preferences.changed</c>; see <see cref="Audit.AuditActions"/>.</summary>
    public string Action { get; set; } = string.Empty;

    public Guid? UserId { get; set; }

    public Guid? AccountId { get; set; }

    public string? AccountEmail { get; set; }

    public string? MessageId { get; set; }

    public string? ThreadId { get; set; }

    /// <summary>JSON of the state before the change, where it applies.</summary>
    public string? Before { get; set; }

    /// <summary>JSON of the state after the change or the outcome of the action.</summary>
    public string? After { get; set; }

    /// <summary>Who or what decided: <c>user</c>, <c>rule:&lt;id&gt;</c>, <c>model:&lt;version&gt;</c>, <c>provider:&lt;name&gt;/&lt;model&gt;</c>, <c>system</c>.</summary>
    public string? DecidedBy { get; set; }

    public string CorrelationId { get; set; } = string.Empty;

    /// <summary>When it happened (the event's time).</summary>
    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>When the gateway wrote it down.</summary>
    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>Which user owns a Gmail account, learned from AccountConnected (or asked of the auth-service), and its last preferences.</summary>
public sealed class AccountOwner
{
    public Guid AccountId { get; set; }

    public Guid UserId { get; set; }

    public string EmailAddress { get; set; } = string.Empty;

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The last preference snapshot seen (JSON), so the next change can be logged with before and after.</summary>
    public string? Preferences { get; set; }

    public long PreferencesRevision { get; set; }
}
