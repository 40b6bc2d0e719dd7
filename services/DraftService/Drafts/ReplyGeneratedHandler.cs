using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;

namespace GmailAutomation.DraftService.Drafts;

/// <summary>Saves a generated reply as the message's one Gmail draft (see <see cref="DraftWriter"/>); safe under redelivery.</summary>
public sealed class ReplyGeneratedHandler(DraftWriter writer) : IIntegrationEventHandler<ReplyGenerated>
{
    public Task Handle(ReplyGenerated @event, CancellationToken cancellationToken) => writer.HandleAsync(@event, cancellationToken);
}
