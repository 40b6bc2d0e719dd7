using System.Text;
using GmailAutomation.Common.Errors;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.GmailClient.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace GmailAutomation.GmailClient.Tests;

/// <summary>
/// Wire-level behaviour against a scripted local HTTP server: retries, Retry-After, token refresh, batch
/// framing and the circuit breaker, with a real Redis bucket in front.
/// </summary>
public sealed class ProtocolTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private const string Account = "user@example.com";
    private ScriptedServer server = null!;

    public async Task InitializeAsync() => server = await ScriptedServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Server_errors_are_retried_by_the_gmail_client_only_not_again_by_the_standard_handler()
    {
        server.Handler = (context, _) => ScriptedServer.WriteErrorAsync(context, 500, "backendError", "Backend Error");
        await using var host = Host(new() { ["Retry:MaxRetries"] = "3", ["CircuitBreaker:MinimumThroughput"] = "100" });

        var error = await Assert.ThrowsAsync<ExternalServiceException>(() => host.Client.GetMessageAsync(Account, "abc"));

        // 1 call + 3 retries. With the standard resilience handler still in place each attempt would be tried 4 times.
        Assert.Equal(4, server.Requests.Count);
        Assert.Equal(500, error.UpstreamStatus);
        Assert.Equal("backendError", error.Reason);
        Assert.Equal(3, host.Metrics.Sum("gmail.client.retries"));
        Assert.Equal(20, host.Metrics.Sum("gmail.client.quota.units", ("method", "messages.get")));
    }

    [Fact]
    public async Task A_429_with_retry_after_is_waited_out_and_then_succeeds()
    {
        var calls = 0;
        server.Handler = (context, _) => Interlocked.Increment(ref calls) == 1
            ? ScriptedServer.WriteErrorAsync(context, 429, "rateLimitExceeded", "Resource has been exhausted (e.g. check quota).", retryAfter: "1")
            : context.Response.WriteAsync("""{"emailAddress":"user@example.com","messagesTotal":3,"threadsTotal":2,"historyId":"77"}""");
        await using var host = Host(new() { ["Retry:MaxDelay"] = "00:00:05" });

        var profile = await host.Client.GetProfileAsync(Account);

        Assert.Equal(77UL, profile.HistoryId);
        var requests = server.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromMilliseconds(950), $"retried after {requests[1].At - requests[0].At}");
        Assert.Equal(1, host.Metrics.Sum("gmail.client.rate_limited"));
    }

    [Fact]
    public async Task Rate_limit_403s_are_retried_and_permission_403s_are_not()
    {
        var calls = 0;
        server.Handler = (context, _) => Interlocked.Increment(ref calls) switch
        {
            1 => ScriptedServer.WriteErrorAsync(context, 403, "userRateLimitExceeded", "User Rate Limit Exceeded"),
            2 => context.Response.WriteAsync("""{"labels":[{"id":"INBOX","name":"INBOX","type":"system"}]}"""),
            _ => ScriptedServer.WriteErrorAsync(context, 403, "insufficientPermissions", "Request had insufficient authentication scopes."),
        };
        await using var host = Host();

        var labels = await host.Client.ListLabelsAsync(Account);
        var denied = await Assert.ThrowsAsync<ExternalServiceException>(() => host.Client.ListLabelsAsync(Account));

        Assert.Equal("INBOX", Assert.Single(labels).Id);
        Assert.Equal("insufficientPermissions", denied.Reason);
        Assert.Equal(403, denied.UpstreamStatus);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task Access_tokens_are_cached_renewed_before_expiry_and_replaced_after_a_401()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        server.TokenLifetimeSeconds = 3600;
        server.Handler = (context, _) => context.Request.Headers.Authorization == "Bearer ya29.token-2"
            ? ScriptedServer.WriteErrorAsync(context, 401, "authError", "Invalid Credentials")
            : context.Response.WriteAsync("""{"emailAddress":"user@example.com","historyId":"1"}""");
        await using var host = Host(time: time);

        await host.Client.GetProfileAsync(Account);
        await host.Client.GetProfileAsync(Account);
        Assert.Equal(1, server.TokensIssued);

        // 59 minutes later the token is inside the renewal margin: a new one is fetched (token-2), Gmail rejects
        // it, the client drops it and retries once with token-3.
        time.Advance(TimeSpan.FromMinutes(59.5));
        await host.Client.GetProfileAsync(Account);

        Assert.Equal(3, server.TokensIssued);
        Assert.Equal(
            ["Bearer ya29.token-1", "Bearer ya29.token-1", "Bearer ya29.token-2", "Bearer ya29.token-3"],
            server.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task List_parameters_are_sent_the_way_gmail_expects_them()
    {
        server.Handler = (context, _) => context.Response.WriteAsync("""{"resultSizeEstimate":0}""");
        await using var host = Host();

        var page = await host.Client.ListMessagesAsync(Account, new MessageListQuery
        {
            Q = "from:bob newer_than:7d",
            LabelIds = ["INBOX", "Label_3"],
            IncludeSpamTrash = true,
            MaxResults = 500,
            PageToken = "tok",
        });
        await host.Client.GetMessageAsync(Account, "18f5dc3c6c373405", MessageFormat.Metadata, ["Subject", "From"]);
        await host.Client.ListHistoryAsync(Account, new HistoryQuery { StartHistoryId = 12345, HistoryTypes = [HistoryTypes.MessageAdded], LabelId = "INBOX" });

        Assert.Empty(page.Messages ?? []);
        Assert.Equal(
            [
                "/gmail/v1/users/me/messages?q=from%3Abob%20newer_than%3A7d&labelIds=INBOX&labelIds=Label_3&includeSpamTrash=true&maxResults=500&pageToken=tok",
                "/gmail/v1/users/me/messages/18f5dc3c6c373405?format=metadata&metadataHeaders=Subject&metadataHeaders=From",
                "/gmail/v1/users/me/history?startHistoryId=12345&historyTypes=messageAdded&labelId=INBOX",
            ],
            server.Requests.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task A_batch_reports_each_inner_answer_and_retries_only_the_rate_limited_ones()
    {
        var round = 0;
        server.Handler = async (context, body) =>
        {
            Assert.Equal("/batch/gmail/v1", context.Request.Path);
            var first = Interlocked.Increment(ref round) == 1;
            context.Response.ContentType = "multipart/mixed; boundary=batch_abc";
            var answer = new StringBuilder();
            var items = body.Split("Content-ID: <item").Skip(1).Select(part => (
                Id: part[..part.IndexOf('>', StringComparison.Ordinal)],
                Message: part.Split("/messages/")[1].Split('?')[0])).ToList();
            foreach (var (id, message) in items)
            {
                var (status, json) = message switch
                {
                    "gone" => ("404 Not Found", """{"error":{"code":404,"message":"Requested entity was not found.","errors":[{"reason":"notFound"}]}}"""),
                    "busy" when first => ("429 Too Many Requests", """{"error":{"code":429,"message":"Too many concurrent requests for user","errors":[{"reason":"rateLimitExceeded"}]}}"""),
                    _ => ("200 OK", $$"""{"id":"{{message}}","threadId":"t","historyId":"9"}"""),
                };
                answer.Append("--batch_abc\r\nContent-Type: application/http\r\nContent-ID: <response-item").Append(id).Append(">\r\n\r\n")
                    .Append("HTTP/1.1 ").Append(status).Append("\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n").Append(json).Append("\r\n");
            }

            await context.Response.WriteAsync(answer.Append("--batch_abc--\r\n").ToString());
        };
        await using var host = Host();

        var results = await host.Client.GetMessagesAsync(Account, ["a", "gone", "busy", "b"], MessageFormat.Minimal);

        Assert.Equal(["a", "gone", "busy", "b"], results.Select(r => r.Id));
        Assert.True(results[0].Succeeded);
        Assert.True(results[1].IsNotFound);
        Assert.Equal("busy", results[2].Value!.Id);
        Assert.Equal("b", results[3].Value!.Id);
        var requests = server.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.StartsWith("multipart/mixed; boundary=", requests[0].ContentType, StringComparison.Ordinal);
        Assert.Contains("GET /gmail/v1/users/me/messages/busy?format=minimal HTTP/1.1", requests[1].Body, StringComparison.Ordinal);
        Assert.DoesNotContain("/messages/a?", requests[1].Body, StringComparison.Ordinal);

        // A batch is charged the sum of its inner calls: 4 × 5, then 1 × 5 for the retry.
        Assert.Equal(25, host.Metrics.Sum("gmail.client.quota.units", ("method", "batch")));
    }

    [Fact]
    public async Task The_breaker_opens_after_repeated_server_errors_and_closes_once_gmail_recovers()
    {
        var healthy = false;
        server.Handler = (context, _) => Volatile.Read(ref healthy)
            ? context.Response.WriteAsync("""{"id":"m1","threadId":"m1"}""")
            : ScriptedServer.WriteErrorAsync(context, 503, "backendError", "Backend Error");
        await using var host = Host(new()
        {
            ["Retry:MaxRetries"] = "0",
            ["CircuitBreaker:MinimumThroughput"] = "4",
            ["CircuitBreaker:FailureRatio"] = "0.5",
            ["CircuitBreaker:BreakDuration"] = "00:00:01",
            ["CircuitBreaker:SamplingDuration"] = "00:05:00",
        });

        for (var i = 0; i < 4; i++)
        {
            var failure = await Assert.ThrowsAsync<ExternalServiceException>(() => host.Client.GetMessageAsync(Account, "m1"));
            Assert.Equal(503, failure.UpstreamStatus);
        }

        var open = await Assert.ThrowsAsync<ExternalServiceException>(() => host.Client.GetMessageAsync(Account, "m1"));
        Assert.Equal("circuitOpen", open.Reason);
        Assert.Equal(4, server.Requests.Count);

        // Other method groups and other users have their own breakers.
        Volatile.Write(ref healthy, true);
        await host.Client.GetMessageAsync("other@example.com", "m1");
        await host.Client.ModifyMessageAsync(Account, "m1", new ModifyMessageRequest { AddLabelIds = ["STARRED"] });

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        var message = await host.Client.GetMessageAsync(Account, "m1");

        Assert.Equal("m1", message.Id);
        Assert.Equal(1, host.Metrics.Sum("gmail.client.breaker.transitions", ("state", "open")));
        Assert.Equal(1, host.Metrics.Sum("gmail.client.breaker.transitions", ("state", "closed")));
    }

    private ClientHost Host(Dictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        settings ??= [];
        settings[$"RefreshTokens:{Account}"] = "1//refresh-user";
        settings["RefreshTokens:other@example.com"] = "1//refresh-other";
        settings.TryAdd("Quota:UnitsPerSecond", "10000");
        return ClientHost.Create(redis.Connection, server.BaseUrl, settings, time);
    }
}
