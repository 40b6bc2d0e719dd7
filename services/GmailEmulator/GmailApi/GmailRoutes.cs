using GmailAutomation.GmailEmulator.GmailApi.Handlers;

namespace GmailAutomation.GmailEmulator.GmailApi;

public delegate ValueTask<GmailResult> GmailHandler(GmailCall call);

/// <summary>
/// One Gmail API method: its discovery id, HTTP method and path under <c>/gmail/v1/</c>, quota units
/// (API-SUBSET §10) and the scopes that allow it (discovery document).
/// </summary>
public sealed record GmailRoute(string MethodId, string HttpMethod, string Template, int Units, IReadOnlySet<string> Scopes, GmailHandler Handler, bool Uploadable = false)
{
    public string[] Segments { get; } = Template.Split('/');
}

/// <summary>The Gmail API surface the emulator serves, and the matching of request paths to it.</summary>
public static class GmailRoutes
{
    private const string Full = Scopes.FullAccess;
    private const string Modify = Scopes.Modify;
    private const string Read = Scopes.ReadOnly;
    private const string Meta = Scopes.Metadata;
    private const string Labels = Scopes.Labels;
    private const string Compose = Scopes.Compose;
    private const string Send = Scopes.Send;
    private const string Insert = Scopes.Insert;

    private static IReadOnlySet<string> Set(params string[] scopes) => new HashSet<string>(scopes, StringComparer.Ordinal);

    private static readonly IReadOnlySet<string> ReadScopes = Set(Full, Modify, Read, Meta);

    // Literal segments come before parameters at the same position (messages/send before messages/{id}).
    public static IReadOnlyList<GmailRoute> All { get; } =
    [
        new("gmail.users.getProfile", "GET", "users/{userId}/profile", 1, Set(Full, Compose, Meta, Modify, Read), ProfileHandlers.GetProfile),
        new("gmail.users.watch", "POST", "users/{userId}/watch", 100, ReadScopes, ProfileHandlers.Watch),
        new("gmail.users.stop", "POST", "users/{userId}/stop", 50, ReadScopes, ProfileHandlers.Stop),

        new("gmail.users.messages.list", "GET", "users/{userId}/messages", 5, ReadScopes, MessageHandlers.List),
        new("gmail.users.messages.send", "POST", "users/{userId}/messages/send", 100, Set(Full, Compose, Modify, Send), MessageHandlers.Send, Uploadable: true),
        new("gmail.users.messages.import", "POST", "users/{userId}/messages/import", 25, Set(Full, Insert, Modify), MessageHandlers.Import, Uploadable: true),
        new("gmail.users.messages.insert", "POST", "users/{userId}/messages", 25, Set(Full, Insert, Modify), MessageHandlers.Insert, Uploadable: true),
        new("gmail.users.messages.batchModify", "POST", "users/{userId}/messages/batchModify", 50, Set(Full, Modify), MessageHandlers.BatchModify),
        new("gmail.users.messages.batchDelete", "POST", "users/{userId}/messages/batchDelete", 50, Set(Full), MessageHandlers.BatchDelete),
        new("gmail.users.messages.get", "GET", "users/{userId}/messages/{id}", 5, ReadScopes, MessageHandlers.Get),
        new("gmail.users.messages.delete", "DELETE", "users/{userId}/messages/{id}", 10, Set(Full), MessageHandlers.Delete),
        new("gmail.users.messages.modify", "POST", "users/{userId}/messages/{id}/modify", 5, Set(Full, Modify), MessageHandlers.Modify),
        new("gmail.users.messages.trash", "POST", "users/{userId}/messages/{id}/trash", 5, Set(Full, Modify), MessageHandlers.Trash),
        new("gmail.users.messages.untrash", "POST", "users/{userId}/messages/{id}/untrash", 5, Set(Full, Modify), MessageHandlers.Untrash),
        new("gmail.users.messages.attachments.get", "GET", "users/{userId}/messages/{messageId}/attachments/{id}", 5, Set(Full, Modify, Read), MessageHandlers.GetAttachment),

        new("gmail.users.history.list", "GET", "users/{userId}/history", 2, ReadScopes, HistoryHandlers.List),

        new("gmail.users.labels.list", "GET", "users/{userId}/labels", 1, Set(Full, Labels, Meta, Modify, Read), LabelHandlers.List),
        new("gmail.users.labels.create", "POST", "users/{userId}/labels", 5, Set(Full, Labels, Modify), LabelHandlers.Create),
        new("gmail.users.labels.get", "GET", "users/{userId}/labels/{id}", 1, Set(Full, Labels, Meta, Modify, Read), LabelHandlers.Get),
        new("gmail.users.labels.update", "PUT", "users/{userId}/labels/{id}", 5, Set(Full, Labels, Modify), LabelHandlers.Update),
        new("gmail.users.labels.patch", "PATCH", "users/{userId}/labels/{id}", 5, Set(Full, Labels, Modify), LabelHandlers.Patch),
        new("gmail.users.labels.delete", "DELETE", "users/{userId}/labels/{id}", 5, Set(Full, Labels, Modify), LabelHandlers.Delete),

        new("gmail.users.drafts.list", "GET", "users/{userId}/drafts", 5, Set(Full, Compose, Modify, Read), DraftHandlers.List),
        new("gmail.users.drafts.create", "POST", "users/{userId}/drafts", 10, Set(Full, Compose, Modify), DraftHandlers.Create, Uploadable: true),
        new("gmail.users.drafts.send", "POST", "users/{userId}/drafts/send", 100, Set(Full, Compose, Modify), DraftHandlers.Send, Uploadable: true),
        new("gmail.users.drafts.get", "GET", "users/{userId}/drafts/{id}", 5, Set(Full, Compose, Modify, Read), DraftHandlers.Get),
        new("gmail.users.drafts.update", "PUT", "users/{userId}/drafts/{id}", 15, Set(Full, Compose, Modify), DraftHandlers.Update, Uploadable: true),
        new("gmail.users.drafts.delete", "DELETE", "users/{userId}/drafts/{id}", 10, Set(Full, Compose, Modify), DraftHandlers.Delete),

        new("gmail.users.threads.list", "GET", "users/{userId}/threads", 10, ReadScopes, ThreadHandlers.List),
        new("gmail.users.threads.get", "GET", "users/{userId}/threads/{id}", 10, ReadScopes, ThreadHandlers.Get),
        new("gmail.users.threads.delete", "DELETE", "users/{userId}/threads/{id}", 20, Set(Full), ThreadHandlers.Delete),
        new("gmail.users.threads.modify", "POST", "users/{userId}/threads/{id}/modify", 10, Set(Full, Modify), ThreadHandlers.Modify),
        new("gmail.users.threads.trash", "POST", "users/{userId}/threads/{id}/trash", 10, Set(Full, Modify), ThreadHandlers.Trash),
        new("gmail.users.threads.untrash", "POST", "users/{userId}/threads/{id}/untrash", 10, Set(Full, Modify), ThreadHandlers.Untrash),
    ];

    public const string ApiPrefix = "/gmail/v1/";
    public const string UploadPrefix = "/upload/gmail/v1/";

    /// <summary>The route for a request path (API or upload prefix), with its values; null when nothing matches.</summary>
    public static (GmailRoute Route, Dictionary<string, string> Values, bool IsUpload)? Match(string httpMethod, string path)
    {
        bool isUpload;
        string relative;
        if (path.StartsWith(ApiPrefix, StringComparison.Ordinal))
        {
            isUpload = false;
            relative = path[ApiPrefix.Length..];
        }
        else if (path.StartsWith(UploadPrefix, StringComparison.Ordinal))
        {
            isUpload = true;
            relative = path[UploadPrefix.Length..];
        }
        else
        {
            return null;
        }

        var segments = relative.TrimEnd('/').Split('/');
        foreach (var route in All)
        {
            if (!string.Equals(route.HttpMethod, httpMethod, StringComparison.OrdinalIgnoreCase)
                || route.Segments.Length != segments.Length
                || (isUpload && !route.Uploadable))
            {
                continue;
            }

            var values = MatchSegments(route.Segments, segments);
            if (values is not null)
            {
                return (route, values, isUpload);
            }
        }

        return null;
    }

    private static Dictionary<string, string>? MatchSegments(string[] template, string[] segments)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < template.Length; i++)
        {
            var part = template[i];
            if (part.StartsWith('{'))
            {
                if (segments[i].Length == 0)
                {
                    return null;
                }

                values[part[1..^1]] = Uri.UnescapeDataString(segments[i]);
            }
            else if (!string.Equals(part, segments[i], StringComparison.Ordinal))
            {
                return null;
            }
        }

        return values;
    }
}
