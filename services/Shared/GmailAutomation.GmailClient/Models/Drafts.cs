namespace GmailAutomation.GmailClient.Models;

public sealed record GmailDraft
{
    public string? Id { get; init; }

    public GmailMessage? Message { get; init; }
}

public sealed record ListDraftsResponse
{
    public IReadOnlyList<GmailDraft>? Drafts { get; init; }

    public string? NextPageToken { get; init; }

    public int ResultSizeEstimate { get; init; }
}

/// <summary>Parameters of <c>drafts.list</c>.</summary>
public sealed record DraftListQuery
{
    public string? Q { get; init; }

    public bool IncludeSpamTrash { get; init; }

    public int? MaxResults { get; init; }

    public string? PageToken { get; init; }
}
