using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using GmailAutomation.Common.Errors;
using GmailAutomation.GmailClient.Json;
using GmailAutomation.GmailClient.Models;

namespace GmailAutomation.GmailClient;

/// <summary>
/// One failed Gmail answer, parsed from Google's error envelope (API-SUBSET §9). The client retries the
/// transient ones itself; callers see it only as the <see cref="Exception.InnerException"/> of the
/// <see cref="ExternalServiceException"/> or <see cref="GmailNotFoundException"/> it is mapped to.
/// </summary>
public sealed class GmailApiException : Exception
{
    public GmailApiException(string method, int status, string? reason, string? googleStatus, string message, TimeSpan? retryAfter)
        : base($"Gmail {method} answered {status}{(reason is null ? string.Empty : $" {reason}")}: {message}")
    {
        Method = method;
        Status = status;
        Reason = reason;
        GoogleStatus = googleStatus;
        GoogleMessage = message;
        RetryAfter = retryAfter;
    }

    public string Method { get; }

    /// <summary>HTTP status of the answer.</summary>
    public int Status { get; }

    /// <summary>Google's <c>errors[0].reason</c>, e.g. <c>rateLimitExceeded</c> or <c>notFound</c>.</summary>
    public string? Reason { get; }

    /// <summary>Google's rpc status, e.g. <c>RESOURCE_EXHAUSTED</c>.</summary>
    public string? GoogleStatus { get; }

    /// <summary>Google's top-level <c>error.message</c>.</summary>
    public string GoogleMessage { get; }

    /// <summary>How long the server asked us to wait (Retry-After header, or "Retry after &lt;time&gt;" in the message).</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>429, and 403 with a rate-limit reason: Google's "slow down".</summary>
    public bool IsRateLimited =>
        Status == 429 || (Status == 403 && Reason is "rateLimitExceeded" or "userRateLimitExceeded");

    /// <summary>Worth retrying with backoff: rate limits and 500/502/503/504.</summary>
    public bool IsTransient => IsRateLimited || Status is 500 or 502 or 503 or 504;

    public bool IsNotFound => Status == 404;

    /// <summary>The error-model exception callers see: 404 → <see cref="GmailNotFoundException"/>, else <see cref="ExternalServiceException"/>.</summary>
    public GmailAutomationException ToPublicException() =>
        IsNotFound
            ? new GmailNotFoundException(Method, GoogleMessage, Reason, this)
            : new ExternalServiceException(GmailApiClient.ServiceName, $"{Method}: {GoogleMessage}", Status, Reason, this);
}

/// <summary>
/// Gmail answered 404: the message, draft, label or thread does not exist, or — for <c>history.list</c> — the
/// start history id has expired and the caller must run a full sync. Maps to a 404 problem.
/// </summary>
public sealed class GmailNotFoundException : GmailAutomationException
{
    public GmailNotFoundException(string method, string message, string? reason, Exception? innerException = null)
        : base($"Gmail {method} found nothing: {message}", innerException)
    {
        Method = method;
        Reason = reason;
        Context["service"] = GmailApiClient.ServiceName;
        Context["method"] = method;
        Context["upstreamStatus"] = 404;
        if (reason is not null)
        {
            Context["reason"] = reason;
        }
    }

    public string Method { get; }

    /// <summary>Google's reason, normally <c>notFound</c>.</summary>
    public string? Reason { get; }

    /// <summary>True when this is <c>history.list</c> refusing an expired or unknown <c>startHistoryId</c>.</summary>
    public bool IsHistoryExpired => Method == GmailMethod.HistoryList.Name;

    public override int StatusCode => 404;

    public override string Title => "Not found";

    protected override string TypeSlug => "not-found";
}

internal static partial class GmailErrorParser
{
    /// <summary>Parses an error answer. Never throws: an unreadable body still yields status and reason phrase.</summary>
    public static GmailApiException Parse(string method, int status, string? reasonPhrase, string body, RetryConditionHeaderValue? retryAfterHeader, TimeProvider time)
    {
        string? reason = null;
        string? googleStatus = null;
        var message = string.IsNullOrEmpty(reasonPhrase) ? ((HttpStatusCode)status).ToString() : reasonPhrase;
        try
        {
            var envelope = JsonSerializer.Deserialize<GoogleErrorEnvelope>(body, GmailJson.Options);
            if (envelope?.Error is { } error)
            {
                message = error.Message ?? error.Errors?.FirstOrDefault()?.Message ?? message;
                reason = error.Errors?.FirstOrDefault(e => e.Reason is not null)?.Reason;
                googleStatus = error.Status;
            }
        }
        catch (JsonException)
        {
            // Not Google's envelope (a proxy's HTML page, an empty body): keep the status line.
        }

        return new GmailApiException(method, status, reason, googleStatus, message, RetryAfter(retryAfterHeader, message, time));
    }

    internal static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, string? message, TimeProvider time)
    {
        var now = time.GetUtcNow();
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            return date > now ? date - now : TimeSpan.Zero;
        }

        // Per-user rate limits say "User-rate limit exceeded.  Retry after 2023-03-07T18:03:15.961Z".
        if (message is not null && RetryAfterInMessage().Match(message) is { Success: true } match
            && DateTimeOffset.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at > now ? at - now : TimeSpan.Zero;
        }

        return null;
    }

    [GeneratedRegex(@"Retry after (\d{4}-\d{2}-\d{2}T[0-9:.]+Z)", RegexOptions.CultureInvariant)]
    private static partial Regex RetryAfterInMessage();
}
