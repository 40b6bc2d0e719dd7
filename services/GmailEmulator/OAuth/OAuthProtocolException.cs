namespace GmailAutomation.GmailEmulator.OAuth;

/// <summary>
/// An error of Google's token or revoke endpoint. Not part of the product's error model: the emulator must
/// answer Google's exact body, <c>{"error":"…","error_description":"…"}</c>.
/// </summary>
public sealed class OAuthProtocolException(int statusCode, string error, string? description)
    : Exception(description is null ? error : $"{error}: {description}")
{
    public int StatusCode { get; } = statusCode;

    public string Error { get; } = error;

    public string? Description { get; } = description;

    public static OAuthProtocolException InvalidGrant(string description = "Bad Request") => new(400, "invalid_grant", description);

    public static OAuthProtocolException Revoked() => new(400, "invalid_grant", "Token has been expired or revoked.");

    public static OAuthProtocolException MissingParameter(string name) => new(400, "invalid_request", $"Missing required parameter: {name}");

    public static OAuthProtocolException InvalidClient() => new(401, "invalid_client", "Unauthorized");
}
