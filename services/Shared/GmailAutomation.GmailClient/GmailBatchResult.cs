using GmailAutomation.Common.Errors;

namespace GmailAutomation.GmailClient;

/// <summary>
/// The outcome of one inner call of a batch: its value, or the error it ended with after its own retries
/// (<see cref="GmailNotFoundException"/> for 404, else <see cref="ExternalServiceException"/>).
/// </summary>
public sealed record GmailBatchResult<T>(string Id, T? Value, GmailAutomationException? Error)
    where T : class
{
    public bool Succeeded => Error is null && Value is not null;

    public bool IsNotFound => Error is GmailNotFoundException;
}
