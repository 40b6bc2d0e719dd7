using System.Net.Http.Headers;
using GmailAutomation.Common.Errors;
using Microsoft.Extensions.Time.Testing;

namespace GmailAutomation.GmailClient.Tests;

public class ErrorParsingTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2023, 3, 7, 18, 3, 10, TimeSpan.Zero));

    [Fact]
    public void A_429_envelope_is_a_retryable_rate_limit_that_surfaces_as_an_external_service_failure()
    {
        const string body = """{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","errors":[{"message":"Resource has been exhausted (e.g. check quota).","domain":"global","reason":"rateLimitExceeded"}],"status":"RESOURCE_EXHAUSTED"}}""";

        var error = GmailErrorParser.Parse("messages.get", 429, "Too Many Requests", body, null, time);

        Assert.Equal("rateLimitExceeded", error.Reason);
        Assert.Equal("RESOURCE_EXHAUSTED", error.GoogleStatus);
        Assert.True(error.IsRateLimited);
        Assert.True(error.IsTransient);
        var exposed = Assert.IsType<ExternalServiceException>(error.ToPublicException());
        Assert.Equal(429, exposed.UpstreamStatus);
        Assert.Equal("rateLimitExceeded", exposed.Reason);
        Assert.Equal("gmail", exposed.Service);
        Assert.Same(error, exposed.InnerException);
    }

    [Theory]
    [InlineData("userRateLimitExceeded", true)]
    [InlineData("rateLimitExceeded", true)]
    [InlineData("insufficientPermissions", false)]
    [InlineData("forbidden", false)]
    public void Only_rate_limit_403s_are_retried(string reason, bool transient)
    {
        var body = $$$"""{"error":{"code":403,"message":"m","errors":[{"message":"m","domain":"usageLimits","reason":"{{{reason}}}"}]}}""";
        Assert.Equal(transient, GmailErrorParser.Parse("messages.get", 403, null, body, null, time).IsTransient);
    }

    [Theory]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(400, false)]
    [InlineData(409, false)]
    [InlineData(501, false)]
    public void Server_errors_are_transient_client_errors_are_not(int status, bool transient) =>
        Assert.Equal(transient, GmailErrorParser.Parse("labels.create", status, null, "{}", null, time).IsTransient);

    [Fact]
    public void A_404_becomes_the_distinct_not_found_exception_and_marks_expired_history()
    {
        const string body = """{"error":{"code":404,"message":"Requested entity was not found.","errors":[{"message":"Requested entity was not found.","domain":"global","reason":"notFound"}],"status":"NOT_FOUND"}}""";

        var error = GmailErrorParser.Parse(GmailMethod.HistoryList.Name, 404, "Not Found", body, null, time);

        var notFound = Assert.IsType<GmailNotFoundException>(error.ToPublicException());
        Assert.True(notFound.IsHistoryExpired);
        Assert.Equal("notFound", notFound.Reason);
        Assert.Equal(404, notFound.StatusCode);
        Assert.False(Assert.IsType<GmailNotFoundException>(GmailErrorParser.Parse("messages.get", 404, null, body, null, time).ToPublicException()).IsHistoryExpired);
    }

    [Fact]
    public void A_body_that_is_not_google_json_keeps_the_status_line()
    {
        var error = GmailErrorParser.Parse("messages.get", 502, "Bad Gateway", "<html>upstream</html>", null, time);
        Assert.Equal(502, error.Status);
        Assert.Null(error.Reason);
        Assert.Equal("Bad Gateway", error.GoogleMessage);
    }

    [Fact]
    public void Retry_after_is_read_from_seconds_a_date_or_googles_message()
    {
        Assert.Equal(TimeSpan.FromSeconds(7), GmailErrorParser.RetryAfter(new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)), null, time));
        Assert.Equal(TimeSpan.FromSeconds(20), GmailErrorParser.RetryAfter(new RetryConditionHeaderValue(time.GetUtcNow().AddSeconds(20)), null, time));

        var fromMessage = GmailErrorParser.RetryAfter(null, "User-rate limit exceeded.  Retry after 2023-03-07T18:03:15.961Z", time);
        Assert.Equal(TimeSpan.FromMilliseconds(5961), fromMessage);

        Assert.Null(GmailErrorParser.RetryAfter(null, "Backend Error", time));
    }
}
