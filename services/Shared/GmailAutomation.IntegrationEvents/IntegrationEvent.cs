using Correlation = GmailAutomation.Common.Correlation.CorrelationId;

namespace GmailAutomation.IntegrationEvents;

/// <summary>
/// Base of every integration event: a fact one service announces and others react to. Events are
/// past-tense records, serialized as camelCase JSON; consumers ignore fields they do not know, so a
/// contract grows by adding optional fields. A change that old consumers would misread gets a new
/// <see cref="EventVersionAttribute">version</see>.
/// </summary>
public abstract record IntegrationEvent
{
    protected IntegrationEvent()
    {
        Id = Guid.NewGuid();
        CreatedAt = DateTimeOffset.UtcNow;
        CorrelationId = Correlation.CurrentOrNew();
    }

    /// <summary>Unique id of this event; a redelivered message carries the same id.</summary>
    public Guid Id { get; init; }

    /// <summary>When the event was raised (UTC).</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The correlation id of the work that raised the event (the current one, or a fresh id).</summary>
    public string CorrelationId { get; init; }
}

/// <summary>An event about one connected Gmail account.</summary>
public interface IAccountEvent
{
    Guid AccountId { get; }
}

/// <summary>An event about one Gmail message of one account.</summary>
public interface IMessageEvent : IAccountEvent
{
    string GmailMessageId { get; }
}

/// <summary>
/// The contract version of an event type (1 when absent). It travels in the <c>x-event-version</c> message
/// header so a consumer can tell which shape it received.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EventVersionAttribute(int version) : Attribute
{
    public int Version { get; } = version;
}

/// <summary>Names and versions of event types as they appear on the wire.</summary>
public static class IntegrationEventType
{
    /// <summary>The event name: the record's type name (<c>EmailReceived</c>). It is the AMQP type and the routing key.</summary>
    public static string NameOf(Type eventType)
    {
        ArgumentNullException.ThrowIfNull(eventType);
        return eventType.Name;
    }

    /// <summary>The contract version from <see cref="EventVersionAttribute"/>, 1 when absent.</summary>
    public static int VersionOf(Type eventType)
    {
        ArgumentNullException.ThrowIfNull(eventType);
        return eventType.GetCustomAttributes(typeof(EventVersionAttribute), inherit: false) is [EventVersionAttribute attribute, ..]
            ? attribute.Version
            : 1;
    }
}
