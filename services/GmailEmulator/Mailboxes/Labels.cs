namespace GmailAutomation.GmailEmulator.Mailboxes;

/// <summary>A label of one mailbox. System labels have id == name.</summary>
public sealed class LabelState
{
    public required string Id { get; init; }
    public required string Name { get; set; }
    public required bool IsSystem { get; init; }
    public string? MessageListVisibility { get; set; }
    public string? LabelListVisibility { get; set; }
    public string? TextColor { get; set; }
    public string? BackgroundColor { get; set; }

    public LabelState Clone() => (LabelState)MemberwiseClone();
}

/// <summary>A label with its counts (labels.get).</summary>
public sealed record LabelWithCounts(LabelState Label, int MessagesTotal, int MessagesUnread, int ThreadsTotal, int ThreadsUnread);

/// <summary>Gmail's fixed system labels, reserved names and colour palette.</summary>
public static class SystemLabels
{
    public const string Inbox = "INBOX";
    public const string Sent = "SENT";
    public const string Draft = "DRAFT";
    public const string Spam = "SPAM";
    public const string Trash = "TRASH";
    public const string Unread = "UNREAD";
    public const string Starred = "STARRED";
    public const string Important = "IMPORTANT";
    public const string Chat = "CHAT";

    /// <summary>In the order labels.list returns them (API-SUBSET §6), with the visibilities Gmail reports.</summary>
    public static IReadOnlyList<LabelState> Create() =>
    [
        System(Inbox),
        System(Sent),
        System(Draft),
        System(Spam, hidden: true),
        System(Trash, hidden: true),
        System(Unread),
        System(Starred, hidden: true),
        System(Important, hidden: true),
        System(Chat, hidden: true),
        System("CATEGORY_PERSONAL"),
        System("CATEGORY_SOCIAL"),
        System("CATEGORY_PROMOTIONS"),
        System("CATEGORY_UPDATES"),
        System("CATEGORY_FORUMS"),
    ];

    /// <summary>System labels that messages.modify may add or remove (the labels guide).</summary>
    public static bool IsApplicable(string id) =>
        id is Inbox or Spam or Trash or Unread or Starred or Important || id.StartsWith("CATEGORY_", StringComparison.Ordinal);

    /// <summary>Names a user label may not take (case-insensitive): the system labels and Gmail's own folders.</summary>
    public static bool IsReservedName(string name)
    {
        var trimmed = name.Trim();
        return Reserved.Contains(trimmed) || trimmed.StartsWith("CATEGORY_", StringComparison.OrdinalIgnoreCase);
    }

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        Inbox, Sent, Draft, "DRAFTS", Spam, Trash, Unread, Starred, Important, Chat, "CHATS", "MUTED", "ALL MAIL",
        "SENT MAIL", "SNOOZED", "SCHEDULED", "OUTBOX", "READ", "BIN", "ALL", "ANYWHERE",
    };

    /// <summary>The colours labels.create accepts (the discovery document's LabelColor list).</summary>
    public static readonly IReadOnlySet<string> Palette = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "#000000", "#434343", "#666666", "#999999", "#cccccc", "#efefef", "#f3f3f3", "#ffffff",
        "#fb4c2f", "#ffad47", "#fad165", "#16a766", "#43d692", "#4a86e8", "#a479e2", "#f691b3",
        "#f6c5be", "#ffe6c7", "#fef1d1", "#b9e4d0", "#c6f3de", "#c9daf8", "#e4d7f5", "#fcdee8",
        "#efa093", "#ffd6a2", "#fce8b3", "#89d3b2", "#a0eac9", "#a4c2f4", "#d0bcf1", "#fbc8d9",
        "#e66550", "#ffbc6b", "#fcda83", "#44b984", "#68dfa9", "#6d9eeb", "#b694e8", "#f7a7c0",
        "#cc3a21", "#eaa041", "#f2c960", "#149e60", "#3dc789", "#3c78d8", "#8e63ce", "#e07798",
        "#ac2b16", "#cf8933", "#d5ae49", "#0b804b", "#2a9c68", "#285bac", "#653e9b", "#b65775",
        "#822111", "#a46a21", "#aa8831", "#076239", "#1a764d", "#1c4587", "#41236d", "#83334c",
        "#464646", "#e7e7e7", "#0d3472", "#b6cff5", "#0d3b44", "#98d7e4", "#3d188e", "#e3d7ff",
        "#711a36", "#fbd3e0", "#8a1c0a", "#f2b2a8", "#7a2e0b", "#ffc8af", "#7a4706", "#ffdeb5",
        "#594c05", "#fbe983", "#684e07", "#fdedc1", "#0b4f30", "#b3efd3", "#04502e", "#a2dcc1",
        "#c2c2c2", "#4986e7", "#2da2bb", "#b99aff", "#994a64", "#f691b2", "#ff7537", "#ffad46",
        "#662e37", "#ebdbde", "#cca6ac", "#094228", "#42d692", "#16a765",
    };

    /// <summary>
    /// The key two label names conflict on: case-insensitive, with runs of whitespace collapsed and
    /// surrounding spaces around '/' ignored (Gmail treats such names as the same label).
    /// </summary>
    public static string ConflictKey(string name) =>
        string.Join('/', name.Split('/').Select(segment => string.Join(' ', segment.Split(' ', StringSplitOptions.RemoveEmptyEntries))))
            .ToUpperInvariant();

    private static LabelState System(string id, bool hidden = false) => new()
    {
        Id = id,
        Name = id,
        IsSystem = true,
        MessageListVisibility = hidden ? "hide" : null,
        LabelListVisibility = hidden ? "labelHide" : null,
    };
}
