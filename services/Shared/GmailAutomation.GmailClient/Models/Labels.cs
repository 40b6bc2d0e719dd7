namespace GmailAutomation.GmailClient.Models;

public sealed record GmailLabel
{
    public string? Id { get; init; }

    public string? Name { get; init; }

    /// <summary><c>show</c> or <c>hide</c>.</summary>
    public string? MessageListVisibility { get; init; }

    /// <summary><c>labelShow</c>, <c>labelShowIfUnread</c> or <c>labelHide</c>.</summary>
    public string? LabelListVisibility { get; init; }

    /// <summary><c>system</c> or <c>user</c>.</summary>
    public string? Type { get; init; }

    public LabelColor? Color { get; init; }

    public int? MessagesTotal { get; init; }

    public int? MessagesUnread { get; init; }

    public int? ThreadsTotal { get; init; }

    public int? ThreadsUnread { get; init; }
}

/// <summary>Colours must come from Gmail's fixed palette, e.g. <c>#000000</c>, <c>#16a766</c>.</summary>
public sealed record LabelColor(string TextColor, string BackgroundColor);

public sealed record ListLabelsResponse
{
    public IReadOnlyList<GmailLabel>? Labels { get; init; }
}
