using System.Globalization;
using GmailAutomation.GmailEmulator.Hosting;
using GmailAutomation.GmailEmulator.Mailboxes;

namespace GmailAutomation.GmailEmulator.GmailApi.Handlers;

/// <summary>users.history.list (API-SUBSET §5).</summary>
public static class HistoryHandlers
{
    public static ValueTask<GmailResult> List(GmailCall call)
    {
        var start = call.Query("startHistoryId");
        if (string.IsNullOrEmpty(start))
        {
            throw GmailApiException.InvalidArgument("Missing required parameter: startHistoryId");
        }

        if (!ulong.TryParse(start, NumberStyles.None, CultureInfo.InvariantCulture, out var startHistoryId) || startHistoryId == 0)
        {
            throw GmailApiException.InvalidArgument($"Invalid value at 'start_history_id' (TYPE_UINT64), \"{start}\"");
        }

        HashSet<HistoryKind>? kinds = null;
        foreach (var type in call.QueryAll("historyTypes"))
        {
            kinds ??= [];
            kinds.Add(type.ToLowerInvariant() switch
            {
                "messageadded" or "message_added" => HistoryKind.MessageAdded,
                "messagedeleted" or "message_deleted" => HistoryKind.MessageDeleted,
                "labeladded" or "label_added" => HistoryKind.LabelAdded,
                "labelremoved" or "label_removed" => HistoryKind.LabelRemoved,
                _ => throw GmailApiException.InvalidArgument($"Invalid value at 'history_types' (type.googleapis.com/google.apps.gmail.v1.HistoryType), \"{type}\""),
            });
        }

        if (call.Services.GetRequiredService<IFaultInjector>().HistoryExpired)
        {
            throw GmailApiException.NotFound();
        }

        var page = call.Mailbox.ListHistory(startHistoryId, kinds, call.Query("labelId"), call.MaxResults(), call.Query("pageToken"));
        return ValueTask.FromResult(GmailResult.Ok(new HistoryListJson
        {
            History = page.Records.Count == 0 ? null : page.Records.Select(ToJson).ToArray(),
            NextPageToken = page.NextPageToken,
            HistoryId = page.HistoryId.ToString(CultureInfo.InvariantCulture),
        }));
    }

    private static HistoryJson ToJson(HistoryRecord record)
    {
        var withLabels = new MessageJson
        {
            Id = GmailIds.Format(record.MessageId),
            ThreadId = GmailIds.Format(record.ThreadId),
            LabelIds = record.MessageLabels.Count == 0 ? null : record.MessageLabels,
        };
        return new HistoryJson
        {
            Id = record.Id.ToString(CultureInfo.InvariantCulture),
            Messages = [MessageRenderer.Reference(record.MessageId, record.ThreadId)],
            MessagesAdded = record.Kind == HistoryKind.MessageAdded ? [new HistoryMessageJson { Message = withLabels }] : null,
            MessagesDeleted = record.Kind == HistoryKind.MessageDeleted
                ? [new HistoryMessageJson { Message = MessageRenderer.Reference(record.MessageId, record.ThreadId) }]
                : null,
            LabelsAdded = record.Kind == HistoryKind.LabelAdded ? [new HistoryLabelJson { Message = withLabels, LabelIds = record.ChangedLabels }] : null,
            LabelsRemoved = record.Kind == HistoryKind.LabelRemoved ? [new HistoryLabelJson { Message = withLabels, LabelIds = record.ChangedLabels }] : null,
        };
    }
}
