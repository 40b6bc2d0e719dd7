namespace GmailAutomation.EventBus.Idempotency;

/// <summary>
/// Remembers which events a consumer has processed, with a claim-then-complete protocol: a claim is taken
/// before the effect and expires on its own, so a consumer that crashes mid-effect lets a later delivery
/// run it; "processed" is written only after the effect succeeded.
/// </summary>
public interface IProcessedEventStore
{
    /// <summary>Claims <paramref name="key"/> for <paramref name="claimTimeout"/> unless it is processed or claimed by someone else.</summary>
    Task<ProcessingClaim> TryClaimAsync(string key, TimeSpan claimTimeout, CancellationToken cancellationToken);

    /// <summary>Marks the claimed key processed for <paramref name="retention"/>.</summary>
    Task CompleteAsync(ProcessingClaim claim, TimeSpan retention, CancellationToken cancellationToken);

    /// <summary>Gives a claim up after a failed effect, so the next delivery can run it at once.</summary>
    Task ReleaseAsync(ProcessingClaim claim, CancellationToken cancellationToken);
}

public enum ClaimOutcome
{
    /// <summary>This caller holds the claim and must run the effect, then complete or release.</summary>
    Claimed,

    /// <summary>The effect already ran to completion.</summary>
    AlreadyProcessed,

    /// <summary>Another delivery holds an unexpired claim and is running the effect now.</summary>
    InProgress,
}

/// <summary>The answer to a claim; <see cref="Token"/> identifies this caller's claim.</summary>
public sealed record ProcessingClaim(string Key, string Token, ClaimOutcome Outcome);

/// <summary>Another delivery of the same event is being processed; this one is retried later.</summary>
public sealed class EventProcessingInProgressException(string key)
    : Exception($"Another delivery is processing '{key}' right now; this delivery will be retried.")
{
    public string Key { get; } = key;
}
