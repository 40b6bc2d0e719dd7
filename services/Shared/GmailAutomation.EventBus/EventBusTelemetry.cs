using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GmailAutomation.EventBus;

/// <summary>
/// Traces and metrics of the bus. The names start with <c>GmailAutomation.</c>, so ServiceDefaults exports
/// them without further set-up.
/// </summary>
public sealed class EventBusTelemetry
{
    public const string Name = "GmailAutomation.EventBus";

    /// <summary>Spans "EmailReceived publish" (producer) and "EmailReceived process" (consumer), linked by the trace context in the message.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    public EventBusTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        Published = meter.CreateCounter<long>("eventbus.messages.published", "{message}", "Events the broker confirmed.");
        Consumed = meter.CreateCounter<long>("eventbus.messages.consumed", "{message}", "Deliveries handled successfully (including duplicates skipped by idempotent handlers).");
        Failed = meter.CreateCounter<long>("eventbus.messages.failed", "{message}", "Deliveries whose handler threw or whose message could not be read.");
        DeadLettered = meter.CreateCounter<long>("eventbus.messages.dead_lettered", "{message}", "Messages moved to a dead-letter queue.");
        Retried = meter.CreateCounter<long>("eventbus.messages.retried", "{message}", "Failed deliveries scheduled for another attempt.");
        DuplicatesSkipped = meter.CreateCounter<long>("eventbus.events.duplicates_skipped", "{event}", "Events an idempotent handler had already processed.");
        HandlerDuration = meter.CreateHistogram<double>("eventbus.handler.duration", "s", "Time spent in the handlers of one delivery.");
    }

    public Counter<long> Published { get; }

    public Counter<long> Consumed { get; }

    public Counter<long> Failed { get; }

    public Counter<long> DeadLettered { get; }

    public Counter<long> Retried { get; }

    public Counter<long> DuplicatesSkipped { get; }

    public Histogram<double> HandlerDuration { get; }

    internal static TagList Tags(string eventName, string? consumer = null)
    {
        var tags = new TagList { { "messaging.system", "rabbitmq" }, { "event.name", eventName } };
        if (consumer is not null)
        {
            tags.Add("messaging.consumer.group.name", consumer);
        }

        return tags;
    }
}
