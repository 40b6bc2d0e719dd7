using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.EventBus.Idempotency;
using GmailAutomation.IntegrationEvents;

namespace GmailAutomation.EventBus.Tests;

/// <summary>Records what it received, with the correlation id and trace it ran under.</summary>
public sealed class RecordingHandler<TEvent>(Probe probe) : IIntegrationEventHandler<TEvent>
    where TEvent : IntegrationEvent
{
    public Task Handle(TEvent @event, CancellationToken cancellationToken)
    {
        probe.Observe(@event);
        return Task.CompletedTask;
    }
}

/// <summary>Throws for the first <see cref="Probe.FailuresBeforeSuccess"/> calls, then records the event.</summary>
public sealed class FlakyHandler<TEvent>(Probe probe) : IIntegrationEventHandler<TEvent>
    where TEvent : IntegrationEvent
{
    public Task Handle(TEvent @event, CancellationToken cancellationToken)
    {
        if (probe.Attempt())
        {
            throw new InvalidOperationException($"The classifier exploded on {@event.Id}.");
        }

        probe.Observe(@event);
        return Task.CompletedTask;
    }
}

/// <summary>
/// An effect that must happen once per account + message (like writing one draft): counts effects, can
/// fail first (per <see cref="Probe.FailuresBeforeSuccess"/>) and takes <see cref="Probe.EffectDuration"/>.
/// </summary>
public sealed class OncePerMessageHandler(IdempotencyGuard guard, Probe probe) : IdempotentIntegrationEventHandler<EmailClassified>(guard)
{
    protected override string GetIdempotencyKey(EmailClassified @event) => IdempotencyKeys.ForMessage(@event, "draft");

    protected override async Task HandleOnceAsync(EmailClassified @event, CancellationToken cancellationToken)
    {
        await Task.Delay(probe.EffectDuration, cancellationToken);
        if (probe.Attempt())
        {
            throw new InvalidOperationException("Gmail answered 503 while saving the draft.");
        }

        probe.CountEffect();
        probe.Observe(@event);
    }
}

/// <summary>Takes <see cref="Probe.EffectDuration"/> (honouring cancellation), then records the event.</summary>
public sealed class SlowHandler<TEvent>(Probe probe) : IIntegrationEventHandler<TEvent>
    where TEvent : IntegrationEvent
{
    public async Task Handle(TEvent @event, CancellationToken cancellationToken)
    {
        probe.Attempt();
        await Task.Delay(probe.EffectDuration, cancellationToken);
        probe.Observe(@event);
    }
}
