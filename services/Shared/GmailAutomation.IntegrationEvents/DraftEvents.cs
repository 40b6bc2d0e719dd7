namespace GmailAutomation.IntegrationEvents;

/// <summary>
/// The user asked for a new text for a reply draft that exists (draft-service API). The response-service answers
/// with a fresh <see cref="ReplyGenerated"/> for the same account and message (a new event id, so that it is not
/// taken for a redelivery of the first one); the draft-service then replaces the draft's message with
/// <c>drafts.update</c>, keeping the draft id. Its idempotency key is <see cref="RequestId"/>, not the message: the
/// message already had a reply written.
/// </summary>
public sealed record DraftRegenerationRequested : IntegrationEvent, IMessageEvent
{
    public required Guid AccountId { get; init; }

    /// <summary>The message the draft answers.</summary>
    public required string GmailMessageId { get; init; }

    public required string ThreadId { get; init; }

    /// <summary>The Gmail draft that will be replaced.</summary>
    public required string DraftId { get; init; }

    /// <summary>One id per request of the user; a second click is a second request.</summary>
    public required Guid RequestId { get; init; }

    /// <summary>The provider that wrote the text being replaced, so a retry can prefer another one.</summary>
    public string? PreviousProvider { get; init; }
}
