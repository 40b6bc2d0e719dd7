namespace GmailAutomation.EventBus.Abstractions;

/// <summary>The events this service subscribed to, by wire name (<c>EmailReceived</c>) and CLR type.</summary>
public sealed class EventBusSubscriptionInfo
{
    public Dictionary<string, Type> EventTypes { get; } = new(StringComparer.Ordinal);
}
