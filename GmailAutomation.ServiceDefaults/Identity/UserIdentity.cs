namespace GmailAutomation.ServiceDefaults.Identity;

/// <summary>
/// The verified person behind a request: who they are (the auth-service's user id and sign-in address) and
/// until when the statement holds. Carried between services as a signed token in <see cref="UserIdentityTokens.HeaderName"/>.
/// </summary>
public sealed record UserIdentity(Guid UserId, string Email, DateTimeOffset ExpiresAt);
