using GmailAutomation.Common.Errors;
using GmailAutomation.GmailClient;
using GmailAutomation.GmailClient.Models;

namespace GmailAutomation.ClassificationService.Labels;

/// <summary>What a label change did to a message.</summary>
public sealed record LabelChange(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, bool MessageExists)
{
    public static LabelChange Gone { get; } = new([], [], false);
}

/// <summary>
/// Changes a message's labels with <c>messages.modify</c> only where Gmail's state differs: labels the message
/// already carries are not added again, so repeating a change makes no Gmail write.
/// </summary>
public sealed class MessageLabeler(GmailApiClient gmail, LabelManager labels)
{
    /// <summary>
    /// Adds the labels named <paramref name="add"/> (created when missing) and removes the ids in <paramref name="remove"/>.
    /// A label deleted in Gmail since it was remembered is looked up (or created) again once.
    /// </summary>
    public async Task<(LabelChange Change, IReadOnlyList<string> LabelIds)> ApplyAsync(
        Guid accountId, string email, string messageId, IReadOnlyList<string> add, IReadOnlyList<string> remove, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var ids = await labels.EnsureAsync(accountId, email, add, cancellationToken);
            try
            {
                return (await ModifyAsync(email, messageId, ids, remove, cancellationToken), ids);
            }
            catch (ExternalServiceException ex) when (attempt == 1 && ex.UpstreamStatus == 400 && ex.Failure.Contains("label", StringComparison.OrdinalIgnoreCase))
            {
                await labels.ForgetAsync(accountId, cancellationToken);
            }
        }
    }

    private async Task<LabelChange> ModifyAsync(string email, string messageId, IReadOnlyList<string> add, IReadOnlyList<string> remove, CancellationToken cancellationToken)
    {
        if (add.Count == 0 && remove.Count == 0)
        {
            return new LabelChange([], [], true);
        }

        GmailMessage current;
        try
        {
            current = await gmail.GetMessageAsync(email, messageId, MessageFormat.Minimal, cancellationToken: cancellationToken);
        }
        catch (GmailNotFoundException)
        {
            return LabelChange.Gone;
        }

        var present = new HashSet<string>(current.LabelIds ?? [], StringComparer.Ordinal);
        var toAdd = add.Where(id => !present.Contains(id)).Distinct(StringComparer.Ordinal).ToList();
        var toRemove = remove.Where(present.Contains).Where(id => !add.Contains(id)).Distinct(StringComparer.Ordinal).ToList();
        if (toAdd.Count == 0 && toRemove.Count == 0)
        {
            return new LabelChange([], [], true);
        }

        try
        {
            await gmail.ModifyMessageAsync(email, messageId, new ModifyMessageRequest
            {
                AddLabelIds = toAdd.Count > 0 ? toAdd : null,
                RemoveLabelIds = toRemove.Count > 0 ? toRemove : null,
            }, cancellationToken);
        }
        catch (GmailNotFoundException)
        {
            return LabelChange.Gone;
        }

        return new LabelChange(toAdd, toRemove, true);
    }
}
