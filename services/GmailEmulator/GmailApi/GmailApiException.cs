namespace GmailAutomation.GmailEmulator.GmailApi;

/// <summary>
/// A Gmail API error answered with Google's envelope (API-SUBSET §9):
/// <c>{"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}</c>.
/// The emulator must reproduce Google's bodies exactly, so Gmail routes use this instead of problem details.
/// </summary>
public sealed class GmailApiException(
    int code,
    string message,
    string reason,
    string status,
    string domain = "global",
    string? errorMessage = null,
    string? location = null,
    string? locationType = null) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;
    public string Status { get; } = status;
    public string Domain { get; } = domain;

    /// <summary>The message inside <c>errors[]</c>, when it differs from the top-level one.</summary>
    public string ErrorMessage { get; } = errorMessage ?? message;
    public string? Location { get; } = location;
    public string? LocationType { get; } = locationType;

    public static GmailApiException InvalidArgument(string message) => new(400, message, "invalidArgument", "INVALID_ARGUMENT");

    public static GmailApiException BadRequest(string message) => new(400, message, "badRequest", "INVALID_ARGUMENT");

    public static GmailApiException FailedPrecondition(string message) => new(400, message, "failedPrecondition", "FAILED_PRECONDITION");

    public static GmailApiException NotFound() => new(404, "Requested entity was not found.", "notFound", "NOT_FOUND");

    public static GmailApiException Unauthenticated() => new(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "authError",
        "UNAUTHENTICATED",
        errorMessage: "Invalid Credentials",
        location: "Authorization",
        locationType: "header");

    public static GmailApiException InsufficientScopes() => new(
        403, "Request had insufficient authentication scopes.", "insufficientPermissions", "PERMISSION_DENIED", errorMessage: "Insufficient Permission");

    public static GmailApiException DelegationDenied(string email) => new(403, $"Delegation denied for {email}", "forbidden", "PERMISSION_DENIED");

    public static GmailApiException Conflict(string message) => new(409, message, "aborted", "ABORTED");

    public static GmailApiException RateLimited() => new(
        429, "Resource has been exhausted (e.g. check quota).", "rateLimitExceeded", "RESOURCE_EXHAUSTED");

    public static GmailApiException TooManyConcurrent() => new(
        429, "Too many concurrent requests for user", "rateLimitExceeded", "RESOURCE_EXHAUSTED");

    public static GmailApiException Backend(int code) => new(
        code, "Backend Error", "backendError", code == 503 ? "UNAVAILABLE" : code == 504 ? "DEADLINE_EXCEEDED" : "INTERNAL");

    /// <summary>The answer for an injected fault of <paramref name="statusCode"/>.</summary>
    public static GmailApiException ForFault(int statusCode) => statusCode switch
    {
        429 => RateLimited(),
        403 => new GmailApiException(403, "User Rate Limit Exceeded", "userRateLimitExceeded", "PERMISSION_DENIED", domain: "usageLimits"),
        400 => FailedPrecondition("Precondition check failed."),
        401 => Unauthenticated(),
        404 => NotFound(),
        _ => Backend(statusCode),
    };
}
