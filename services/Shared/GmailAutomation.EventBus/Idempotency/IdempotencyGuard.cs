using GmailAutomation.IntegrationEvents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GmailAutomation.EventBus.Idempotency;

/// <summary>
/// Runs an effect once per key for this consumer, however often the event is delivered: keys are
/// <c>processed:{consumer}:{key}</c>, where the key is the event id or a business key such as
/// account + message + stage (<see cref="IdempotencyKeys"/>).
/// </summary>
public sealed partial class IdempotencyGuard(
    IProcessedEventStore store,
    IOptions<EventBusOptions> options,
    EventBusTelemetry telemetry,
    ILogger<IdempotencyGuard> logger)
{
    private readonly EventBusOptions _options = options.Value;

    /// <summary>
    /// Runs <paramref name="effect"/> unless it already ran for <paramref name="key"/>; returns false when it was
    /// skipped. Throws <see cref="EventProcessingInProgressException"/> while another delivery runs it, so this
    /// delivery is retried later.
    /// </summary>
    public async Task<bool> RunOnceAsync(string key, Func<CancellationToken, Task> effect, string eventName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(effect);

        var storeKey = $"processed:{_options.SubscriptionClientName}:{key}";
        var claim = await store.TryClaimAsync(storeKey, _options.IdempotencyClaimTimeout, cancellationToken).ConfigureAwait(false);
        switch (claim.Outcome)
        {
            case ClaimOutcome.AlreadyProcessed:
                LogDuplicate(logger, eventName, key);
                telemetry.DuplicatesSkipped.Add(1, EventBusTelemetry.Tags(eventName, _options.SubscriptionClientName));
                return false;
            case ClaimOutcome.InProgress:
                throw new EventProcessingInProgressException(key);
        }

        try
        {
            await effect(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await store.ReleaseAsync(claim, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await store.CompleteAsync(claim, _options.IdempotencyRetention, CancellationToken.None).ConfigureAwait(false);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{EventName} with key {Key} was already processed; skipping the duplicate")]
    private static partial void LogDuplicate(ILogger logger, string eventName, string key);
}

/// <summary>Business keys for idempotent handlers.</summary>
public static class IdempotencyKeys
{
    /// <summary>One key per account, Gmail message and pipeline stage, e.g. <c>…:18c2f…:draft</c>.</summary>
    public static string ForMessage(IMessageEvent @event, string stage)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return $"{@event.AccountId:N}:{@event.GmailMessageId}:{stage}";
    }
}
