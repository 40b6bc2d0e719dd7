using System.Text;

namespace GmailAutomation.EventBus.RabbitMq;

/// <summary>Header names the bus writes on messages, and reading helpers (AMQP string headers arrive as bytes).</summary>
public static class MessageHeaders
{
    /// <summary>Contract version of the event in the body.</summary>
    public const string EventVersion = "x-event-version";

    /// <summary>Correlation id of the work that raised the event.</summary>
    public const string CorrelationId = Common.Correlation.CorrelationId.HeaderName;

    /// <summary>W3C trace context.</summary>
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>Which delivery attempt this message is (absent on the first).</summary>
    public const string DeliveryAttempt = "x-delivery-attempt";

    /// <summary>How often the message was held alone in quarantine by a consumer that then stopped without settling it.</summary>
    public const string UnsettledDeliveries = "x-unsettled-deliveries";

    // Written on dead-lettered messages.
    public const string FailureReason = "x-failure-reason";
    public const string ExceptionType = "x-exception-type";
    public const string FailedAt = "x-failed-at";
    public const string DeliveryAttempts = "x-delivery-attempts";
    public const string FailedConsumer = "x-failed-consumer";
    public const string OriginalExchange = "x-original-exchange";
    public const string OriginalRoutingKey = "x-original-routing-key";

    /// <summary>Reads a header written as a string, whatever shape the client library handed it over in.</summary>
    public static string? GetString(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? AsString(value) : null;

    /// <summary>Reads an integer header; null when absent or not a number.</summary>
    public static int? GetInt32(IDictionary<string, object?>? headers, string name)
    {
        if (headers is null || !headers.TryGetValue(name, out var value))
        {
            return null;
        }

        return value switch
        {
            int i => i,
            long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
            short s => s,
            byte b => b,
            _ => int.TryParse(AsString(value), System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : null,
        };
    }

    private static string? AsString(object? value) => value switch
    {
        null => null,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string s => s,
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
    };
}
