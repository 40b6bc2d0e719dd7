using System.Text.Json;
using System.Text.Json.Serialization;
using GmailAutomation.IntegrationEvents;

namespace GmailAutomation.EventBus;

/// <summary>
/// The wire format of events: camelCase JSON (web defaults). Fields a consumer does not know are skipped,
/// so producers can add fields without breaking older consumers.
/// </summary>
public static class IntegrationEventSerializer
{
    public const string ContentType = "application/json";

    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[] Serialize(IntegrationEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return JsonSerializer.SerializeToUtf8Bytes(@event, @event.GetType(), Options);
    }

    /// <summary>Reads an event of <paramref name="eventType"/>; throws <see cref="JsonException"/> when the body is not such an event.</summary>
    public static IntegrationEvent Deserialize(ReadOnlySpan<byte> body, Type eventType) =>
        JsonSerializer.Deserialize(body, eventType, Options) as IntegrationEvent
        ?? throw new JsonException($"The message body is not a {eventType.Name} (it was JSON null).");
}
