namespace GmailAutomation.GmailEmulator.OAuth;

/// <summary>
/// The OAuth scopes the emulator knows, spelled as Google grants them. The Gmail pipeline checks a grant's
/// scopes against these per method (API-SUBSET §13).
/// </summary>
public static class GoogleScopes
{
    public const string GmailReadonly = "https://www.googleapis.com/auth/gmail.readonly";
    public const string GmailModify = "https://www.googleapis.com/auth/gmail.modify";
    public const string GmailLabels = "https://www.googleapis.com/auth/gmail.labels";
    public const string GmailSend = "https://www.googleapis.com/auth/gmail.send";
    public const string GmailCompose = "https://www.googleapis.com/auth/gmail.compose";
    public const string GmailInsert = "https://www.googleapis.com/auth/gmail.insert";
    public const string GmailMetadata = "https://www.googleapis.com/auth/gmail.metadata";

    /// <summary>Full mailbox access, including permanent deletion.</summary>
    public const string MailGoogleCom = "https://mail.google.com/";

    public const string OpenId = "openid";

    /// <summary>What the short form <c>email</c> expands to in Google's granted-scope lists.</summary>
    public const string Email = "https://www.googleapis.com/auth/userinfo.email";

    /// <summary>What the short form <c>profile</c> expands to in Google's granted-scope lists.</summary>
    public const string Profile = "https://www.googleapis.com/auth/userinfo.profile";

    /// <summary>Every scope the emulator will grant, in the order the consent page lists them.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        MailGoogleCom, GmailModify, GmailReadonly, GmailLabels, GmailSend, GmailCompose, GmailInsert, GmailMetadata,
        OpenId, Email, Profile,
    ];

    /// <summary>Scopes that make the token endpoint return an id_token.</summary>
    public static bool IsIdentityScope(string scope) => scope is OpenId or Email or Profile;

    /// <summary>Human wording for the consent page.</summary>
    public static string Describe(string scope) => scope switch
    {
        MailGoogleCom => "Read, compose, send, and permanently delete all your email from Gmail",
        GmailModify => "Read, compose, and send emails from your Gmail account",
        GmailReadonly => "View your email messages and settings",
        GmailLabels => "See and edit your email labels",
        GmailSend => "Send email on your behalf",
        GmailCompose => "Manage drafts and send emails",
        GmailInsert => "Add emails into your Gmail mailbox",
        GmailMetadata => "View your email message metadata such as labels and headers, but not the email body",
        OpenId => "Associate you with your personal info on Google",
        Email => "See your primary Google Account email address",
        Profile => "See your personal info, including any personal info you've made publicly available",
        _ => scope,
    };

    /// <summary>
    /// Parses a space-separated scope parameter, expanding the short forms Google accepts
    /// (<c>email</c>, <c>profile</c>). Returns the unknown entries separately so the caller can reject them.
    /// </summary>
    public static (IReadOnlyList<string> Scopes, IReadOnlyList<string> Unknown) Parse(string? scopeParameter)
    {
        var scopes = new List<string>();
        var unknown = new List<string>();
        foreach (var raw in (scopeParameter ?? string.Empty).Split([' ', '+'], StringSplitOptions.RemoveEmptyEntries))
        {
            var scope = raw switch
            {
                "email" => Email,
                "profile" => Profile,
                "https://www.googleapis.com/auth/plus.me" => Profile,
                _ => raw,
            };
            if (!All.Contains(scope, StringComparer.Ordinal))
            {
                unknown.Add(raw);
            }
            else if (!scopes.Contains(scope, StringComparer.Ordinal))
            {
                scopes.Add(scope);
            }
        }

        return (scopes, unknown);
    }

    /// <summary>Scopes joined the way Google returns them (space-separated).</summary>
    public static string Join(IEnumerable<string> scopes) => string.Join(' ', scopes);
}
