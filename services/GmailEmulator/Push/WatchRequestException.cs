namespace GmailAutomation.GmailEmulator.Push;

/// <summary>
/// users.watch refused, with the parts of Google's error envelope: HTTP <see cref="Code"/>, <see cref="Reason"/>
/// (errors[].reason), <see cref="Status"/> (google.rpc code) and the message. The Gmail pipeline answers it as
/// <c>new GmailApiException(e.Code, e.Message, e.Reason, e.Status)</c>.
/// </summary>
public sealed class WatchRequestException(int code, string message, string reason, string status) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public string Status { get; } = status;

    public static WatchRequestException InvalidArgument(string message) => new(400, message, "invalidArgument", "INVALID_ARGUMENT");
}
