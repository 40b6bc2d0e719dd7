using GmailAutomation.GmailEmulator.Mailboxes;

namespace GmailAutomation.GmailEmulator.GmailApi.Handlers;

/// <summary>users.labels.* (API-SUBSET §6).</summary>
public static class LabelHandlers
{
    public static ValueTask<GmailResult> List(GmailCall call) =>
        ValueTask.FromResult(GmailResult.Ok(new LabelListJson { Labels = call.Mailbox.ListLabels().Select(l => ToJson(l)).ToArray() }));

    public static ValueTask<GmailResult> Get(GmailCall call)
    {
        var label = call.Mailbox.GetLabel(call.Route("id"));
        var json = ToJson(label.Label);
        json.MessagesTotal = label.MessagesTotal;
        json.MessagesUnread = label.MessagesUnread;
        json.ThreadsTotal = label.ThreadsTotal;
        json.ThreadsUnread = label.ThreadsUnread;
        return ValueTask.FromResult(GmailResult.Ok(json));
    }

    public static ValueTask<GmailResult> Create(GmailCall call)
    {
        var request = call.ReadJson<LabelJson>("label");
        var label = call.Mailbox.CreateLabel(
            request.Name, request.MessageListVisibility, request.LabelListVisibility, request.Color?.TextColor, request.Color?.BackgroundColor);
        return ValueTask.FromResult(GmailResult.Ok(ToJson(label)));
    }

    public static ValueTask<GmailResult> Update(GmailCall call) => Change(call, replace: true);

    public static ValueTask<GmailResult> Patch(GmailCall call) => Change(call, replace: false);

    public static ValueTask<GmailResult> Delete(GmailCall call)
    {
        call.Mailbox.DeleteLabel(call.Route("id"));
        return ValueTask.FromResult(GmailResult.NoContent);
    }

    private static ValueTask<GmailResult> Change(GmailCall call, bool replace)
    {
        var request = call.ReadJson<LabelJson>("label");
        var label = call.Mailbox.UpdateLabel(
            call.Route("id"), replace, request.Name, request.MessageListVisibility, request.LabelListVisibility,
            request.Color?.TextColor, request.Color?.BackgroundColor);
        return ValueTask.FromResult(GmailResult.Ok(ToJson(label)));
    }

    private static LabelJson ToJson(LabelState label) => new()
    {
        Id = label.Id,
        Name = label.Name,
        MessageListVisibility = label.MessageListVisibility,
        LabelListVisibility = label.LabelListVisibility,
        Type = label.IsSystem ? "system" : "user",
        Color = label.TextColor is null ? null : new LabelColorJson { TextColor = label.TextColor, BackgroundColor = label.BackgroundColor },
    };
}
