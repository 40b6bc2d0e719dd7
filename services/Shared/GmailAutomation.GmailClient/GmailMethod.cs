namespace GmailAutomation.GmailClient;

/// <summary>
/// A Gmail API method as quota and resilience see it: its name (metric tag), its per-user unit cost
/// (API-SUBSET §10) and the group whose circuit breaker it shares.
/// </summary>
public sealed record GmailMethod(string Name, int Units, string Group)
{
    public static readonly GmailMethod GetProfile = new("users.getProfile", 1, "profile");
    public static readonly GmailMethod MessagesList = new("messages.list", 5, "messages.read");
    public static readonly GmailMethod MessagesGet = new("messages.get", 5, "messages.read");
    public static readonly GmailMethod AttachmentsGet = new("messages.attachments.get", 5, "messages.read");
    public static readonly GmailMethod MessagesModify = new("messages.modify", 5, "messages.write");
    public static readonly GmailMethod MessagesBatchModify = new("messages.batchModify", 50, "messages.write");
    public static readonly GmailMethod MessagesSend = new("messages.send", 100, "send");
    public static readonly GmailMethod HistoryList = new("history.list", 2, "history");
    public static readonly GmailMethod LabelsList = new("labels.list", 1, "labels");
    public static readonly GmailMethod LabelsGet = new("labels.get", 1, "labels");
    public static readonly GmailMethod LabelsCreate = new("labels.create", 5, "labels");
    public static readonly GmailMethod DraftsCreate = new("drafts.create", 10, "drafts");
    public static readonly GmailMethod DraftsList = new("drafts.list", 5, "drafts");
    public static readonly GmailMethod DraftsGet = new("drafts.get", 5, "drafts");
    public static readonly GmailMethod DraftsUpdate = new("drafts.update", 15, "drafts");
    public static readonly GmailMethod DraftsDelete = new("drafts.delete", 10, "drafts");
    public static readonly GmailMethod DraftsSend = new("drafts.send", 100, "send");
    public static readonly GmailMethod ThreadsGet = new("threads.get", 10, "threads");
    public static readonly GmailMethod ThreadsList = new("threads.list", 10, "threads");
    public static readonly GmailMethod Watch = new("users.watch", 100, "watch");
    public static readonly GmailMethod Stop = new("users.stop", 50, "watch");

    /// <summary>The outer batch request; its charge is the sum of its inner calls.</summary>
    internal static GmailMethod Batch(int units) => new("batch", units, "batch");
}
