namespace GmailAutomation.GmailClient.Models;

/// <summary>Google's error envelope: <c>{"error":{"code","message","errors":[{message,domain,reason}],"status"}}</c>.</summary>
public sealed record GoogleErrorEnvelope
{
    public GoogleError? Error { get; init; }
}

public sealed record GoogleError
{
    public int Code { get; init; }

    public string? Message { get; init; }

    public IReadOnlyList<GoogleErrorItem>? Errors { get; init; }

    /// <summary>The google.rpc code, e.g. <c>RESOURCE_EXHAUSTED</c>.</summary>
    public string? Status { get; init; }
}

public sealed record GoogleErrorItem
{
    public string? Message { get; init; }

    public string? Domain { get; init; }

    public string? Reason { get; init; }

    public string? Location { get; init; }

    public string? LocationType { get; init; }
}
