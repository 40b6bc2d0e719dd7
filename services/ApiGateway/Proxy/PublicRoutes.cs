namespace GmailAutomation.ApiGateway.Proxy;

/// <summary>One public API prefix and the service that owns it.</summary>
/// <param name="Id">YARP route id.</param>
/// <param name="Service">Aspire resource name of the owning service (resolved by service discovery).</param>
/// <param name="Path">Route pattern; a <c>{**rest}</c> catch-all also matches the prefix itself.</param>
/// <param name="Methods">HTTP methods allowed, or null for all.</param>
public sealed record PublicRoute(string Id, string Service, string Path, IReadOnlyList<string>? Methods = null);

/// <summary>
/// The whole public surface the gateway forwards: each service's <c>/api/…</c> prefixes and nothing else.
/// Internal endpoints (<c>/internal/…</c>: token issuance, account lookups), OpenAPI documents, health and
/// metrics are never routed, and a path under a routed prefix that names an internal or admin segment is
/// refused before it leaves the gateway.
/// </summary>
public static class PublicRoutes
{
    public const string AuthService = "auth-service";
    public const string EmailService = "email-service";
    public const string ClassificationService = "classification-service";
    public const string ResponseService = "response-service";
    public const string DraftService = "draft-service";

    /// <summary>Services whose public API the gateway forwards, in the order their documents are listed.</summary>
    public static IReadOnlyList<string> Services { get; } = [AuthService, EmailService, ClassificationService, ResponseService, DraftService];

    public static IReadOnlyList<PublicRoute> All { get; } =
    [
        // Sign-in with Google and its callback, the signed-in user (auth-service's AuthApi).
        new("auth", AuthService, "/api/auth/{**rest}"),
        // Gmail accounts: connect, list, disconnect, preferences (auth-service's AccountsApi).
        new("accounts", AuthService, "/api/accounts/{**rest}"),
        new("preferences", AuthService, "/api/preferences/{**rest}"),
        // Sync status and re-sync (email-service's SyncStatusApi).
        new("sync", EmailService, "/api/sync/{**rest}"),
        // Cloud Pub/Sub pushes Gmail notifications here from outside; the webhook checks its own token.
        new("gmail-push", EmailService, "/api/push/gmail", ["POST"]),
        // Rules, classification and corrections.
        new("rules", ClassificationService, "/api/rules/{**rest}"),
        new("classify", ClassificationService, "/api/classify/{**rest}"),
        new("classification", ClassificationService, "/api/classification/{**rest}"),
        // Generated replies and their cost.
        new("replies", ResponseService, "/api/replies/{**rest}"),
        // Drafts saved in Gmail.
        new("drafts", DraftService, "/api/drafts/{**rest}"),
    ];

    /// <summary>Path segments that are never forwarded, whatever prefix they hide under.</summary>
    public static IReadOnlySet<string> ForbiddenSegments { get; } =
        new HashSet<string>(["internal", "admin", "openapi", "health", "alive", "metrics"], StringComparer.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="path"/> has a segment that must not reach a service from outside.</summary>
    public static bool HasForbiddenSegment(PathString path)
    {
        var value = path.Value;
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        foreach (var segment in value.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            // An escaped segment (%69nternal, %2F) is decoded for the comparison, so no spelling slips through.
            var decoded = Uri.UnescapeDataString(segment);
            if (ForbiddenSegments.Contains(decoded) || decoded.Contains('/', StringComparison.Ordinal) || decoded.Contains('\\', StringComparison.Ordinal) || decoded is "." or "..")
            {
                return true;
            }
        }

        return false;
    }
}
