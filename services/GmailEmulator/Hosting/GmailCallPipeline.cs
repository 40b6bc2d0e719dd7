using GmailAutomation.GmailEmulator.GmailApi;
using GmailAutomation.GmailEmulator.Mailboxes;
using GmailAutomation.GmailEmulator.Mailboxes.Search;

namespace GmailAutomation.GmailEmulator.Hosting;

/// <summary>
/// What every Gmail API call goes through, whether it arrived on its own or inside a batch:
/// route → authenticate → user and scope → faults → quota → handler. Every refusal is Google's own error body.
/// </summary>
public sealed partial class GmailCallPipeline(
    IAccessTokenValidator tokens,
    IFaultInjector faults,
    IQuotaGate quota,
    MailboxStore mailboxes,
    TimeProvider time,
    IServiceProvider services,
    ILogger<GmailCallPipeline> logger)
{
    public async Task<GmailResult> ExecuteAsync(GmailRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await ExecuteCoreAsync(request, cancellationToken);
        }
        catch (GmailApiException error)
        {
            return GmailResult.Error(error);
        }
        catch (QuerySyntaxException error)
        {
            return GmailResult.Error(GmailApiException.InvalidArgument($"Invalid query: {error.Message}"));
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogCallFailed(logger, error, request.Method, request.Path);
            return GmailResult.Error(GmailApiException.Backend(500));
        }
    }

    private async Task<GmailResult> ExecuteCoreAsync(GmailRequest request, CancellationToken cancellationToken)
    {
        var match = GmailRoutes.Match(request.Method, request.Path) ?? throw GmailApiException.NotFound();
        var (route, values, isUpload) = match;

        var grant = Authenticate(request);
        var userId = values["userId"];
        if (!userId.Equals("me", StringComparison.Ordinal) && !userId.Equals(grant.Email, StringComparison.OrdinalIgnoreCase))
        {
            throw GmailApiException.DelegationDenied(grant.Email);
        }

        if (!grant.Scopes.Overlaps(route.Scopes))
        {
            throw GmailApiException.InsufficientScopes();
        }

        if (await faults.BeforeCallAsync(grant.Email, route.MethodId, cancellationToken) is { } fault)
        {
            throw GmailApiException.ForFault(fault.StatusCode);
        }

        var (decision, lease) = quota.TryAcquire(grant.Email, route.Units);
        using (lease)
        {
            switch (decision)
            {
                case QuotaDecision.RateLimited:
                    return GmailResult.Error(GmailApiException.RateLimited()) with { RetryAfterSeconds = RetryAfter(grant.Email, route.Units) };
                case QuotaDecision.TooManyConcurrent:
                    throw GmailApiException.TooManyConcurrent();
            }

            // A signed-in Google account without Gmail: Google's answer is 400 failedPrecondition.
            var mailbox = mailboxes.Find(grant.Email) ?? throw GmailApiException.FailedPrecondition("Mail service not enabled");
            var call = new GmailCall
            {
                Request = request,
                Mailbox = mailbox,
                Grant = grant,
                RouteValues = values,
                Services = services,
                Time = time,
                IsUpload = isUpload,
                CancellationToken = cancellationToken,
            };
            return await route.Handler(call);
        }
    }

    /// <summary>Whole seconds until the bucket holds the call's units again (at least 1), when the gate can tell.</summary>
    private int? RetryAfter(string email, int units) =>
        services.GetService<Quota.QuotaGate>() is { } gate
            ? Math.Max(1, (int)Math.Ceiling(gate.RetryAfter(email, units).TotalSeconds))
            : null;

    private AccessTokenGrant Authenticate(GmailRequest request)
    {
        string? token = null;
        if (request.Headers.TryGetValue("Authorization", out var authorization)
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = authorization["Bearer ".Length..].Trim();
        }
        else if (request.Query.TryGetValue("access_token", out var fromQuery) && fromQuery.Count > 0)
        {
            token = fromQuery[^1];
        }

        var grant = string.IsNullOrEmpty(token) ? null : tokens.Validate(token);
        if (grant is null || grant.ExpiresAt <= time.GetUtcNow())
        {
            throw GmailApiException.Unauthenticated();
        }

        return grant;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Gmail call {Method} {Path} failed")]
    private static partial void LogCallFailed(ILogger logger, Exception exception, string method, string path);
}
