using System.Globalization;
using GmailAutomation.GmailEmulator.Mailboxes;

namespace GmailAutomation.GmailEmulator.GmailApi.Handlers;

/// <summary>users.threads.* (API-SUBSET §8). A thread's labels are its messages' labels.</summary>
public static class ThreadHandlers
{
    public static ValueTask<GmailResult> List(GmailCall call)
    {
        var page = call.Mailbox.ListThreads(MessageHandlers.ReadListOptions(call));
        return ValueTask.FromResult(GmailResult.Ok(new ThreadListJson
        {
            Threads = page.Items.Count == 0
                ? null
                : page.Items.Select(t => new ThreadJson
                {
                    Id = GmailIds.Format(t.Id),
                    Snippet = t.Snippet,
                    HistoryId = t.HistoryId.ToString(CultureInfo.InvariantCulture),
                }).ToArray(),
            NextPageToken = page.NextPageToken,
            ResultSizeEstimate = page.ResultSizeEstimate,
        }));
    }

    public static ValueTask<GmailResult> Get(GmailCall call)
    {
        var format = MessageHandlers.ReadFormat(call);
        var headers = call.QueryAll("metadataHeaders");
        var thread = call.Mailbox.GetThread(call.Route("id"));
        return ValueTask.FromResult(GmailResult.Ok(ToJson(thread, m => MessageRenderer.Render(m, format, headers))));
    }

    public static ValueTask<GmailResult> Modify(GmailCall call)
    {
        var request = call.ReadJson<ModifyMessageRequest>("modify request");
        var thread = call.Mailbox.ModifyThread(call.Route("id"), request.AddLabelIds ?? [], request.RemoveLabelIds ?? []);
        return ValueTask.FromResult(GmailResult.Ok(ToJson(thread, MessageRenderer.WithLabels)));
    }

    public static ValueTask<GmailResult> Trash(GmailCall call) =>
        ValueTask.FromResult(GmailResult.Ok(ToJson(call.Mailbox.TrashThread(call.Route("id")), MessageRenderer.WithLabels)));

    public static ValueTask<GmailResult> Untrash(GmailCall call) =>
        ValueTask.FromResult(GmailResult.Ok(ToJson(call.Mailbox.UntrashThread(call.Route("id")), MessageRenderer.WithLabels)));

    public static ValueTask<GmailResult> Delete(GmailCall call)
    {
        call.Mailbox.DeleteThread(call.Route("id"));
        return ValueTask.FromResult(GmailResult.NoContent);
    }

    private static ThreadJson ToJson(ThreadView thread, Func<MessageView, MessageJson> render) => new()
    {
        Id = GmailIds.Format(thread.Id),
        HistoryId = thread.HistoryId.ToString(CultureInfo.InvariantCulture),
        Messages = thread.Messages.Count == 0 ? null : thread.Messages.Select(render).ToArray(),
    };
}
