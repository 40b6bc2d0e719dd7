using System.Net.Http.Json;
using System.Text.Json;
using GmailAutomation.Common.Correlation;
using GmailAutomation.ServiceDefaults.Correlation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GmailAutomation.ServiceDefaults.Tests;

public sealed class CorrelationIdTests
{
    [Fact]
    public async Task A_received_id_is_returned_and_current_during_the_request()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/id", () => CorrelationId.Current));
        var request = new HttpRequestMessage(HttpMethod.Get, "/id");
        request.Headers.Add(CorrelationId.HeaderName, "abc-123");

        var response = await app.GetTestClient().SendAsync(request);

        Assert.Equal("abc-123", response.Headers.GetValues(CorrelationId.HeaderName).Single());
        Assert.Equal("abc-123", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Without_an_id_one_is_created_and_returned()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/id", () => CorrelationId.Current));

        var response = await app.GetTestClient().GetAsync("/id");

        var returned = response.Headers.GetValues(CorrelationId.HeaderName).Single();
        Assert.Matches("^[0-9a-f]{32}$", returned);
        Assert.Equal(returned, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("line\u00e9break")]
    [InlineData("<script>")]
    public async Task An_unsafe_id_is_replaced_by_a_fresh_one(string unsafeId)
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/id", () => CorrelationId.Current));
        var request = new HttpRequestMessage(HttpMethod.Get, "/id");
        request.Headers.TryAddWithoutValidation(CorrelationId.HeaderName, unsafeId);

        var response = await app.GetTestClient().SendAsync(request);

        Assert.Matches("^[0-9a-f]{32}$", response.Headers.GetValues(CorrelationId.HeaderName).Single());
    }

    [Fact]
    public void Ids_longer_than_the_limit_are_not_valid()
    {
        Assert.True(CorrelationId.IsValid(new string('a', CorrelationId.MaxLength)));
        Assert.False(CorrelationId.IsValid(new string('a', CorrelationId.MaxLength + 1)));
        Assert.False(CorrelationId.IsValid(string.Empty));
    }

    [Fact]
    public async Task Outgoing_http_calls_carry_the_current_id()
    {
        var downstream = await TestApp.StartAsync(a => a.MapGet("/seen", (HttpRequest r) => r.Headers[CorrelationId.HeaderName].ToString()));
        await using (downstream)
        {
            await using var app = await TestApp.StartAsync(
                a => a.MapGet("/call", async (IHttpClientFactory factory) =>
                    await factory.CreateClient("downstream").GetStringAsync(new Uri("http://downstream/seen"))),
                b => b.Services.AddHttpClient("downstream")
                    .ConfigurePrimaryHttpMessageHandler(() => downstream.GetTestServer().CreateHandler()));
            var request = new HttpRequestMessage(HttpMethod.Get, "/call");
            request.Headers.Add(CorrelationId.HeaderName, "flow-7");

            var body = await (await app.GetTestClient().SendAsync(request)).Content.ReadAsStringAsync();

            Assert.Equal("flow-7", body);
        }
    }

    [Fact]
    public async Task The_id_is_in_the_log_scope_of_request_logs()
    {
        var sink = new ScopeCapturingLoggerProvider();
        await using var app = await TestApp.StartAsync(
            a => a.MapGet("/log", (ILogger<CorrelationIdTests> logger) =>
            {
                logger.LogInformation("handling");
                return "ok";
            }),
            b => b.Logging.AddProvider(sink));
        var request = new HttpRequestMessage(HttpMethod.Get, "/log");
        request.Headers.Add(CorrelationId.HeaderName, "scoped-9");

        await app.GetTestClient().SendAsync(request);

        var entry = Assert.Single(sink.Entries, e => e.Message == "handling");
        Assert.Contains(entry.Scopes, s => s.Key == "CorrelationId" && Equals(s.Value, "scoped-9"));
    }

    [Fact]
    public async Task The_handler_adds_no_header_outside_correlated_work()
    {
        var captured = new CapturingHandler();
        using var invoker = new HttpMessageInvoker(new CorrelationIdDelegatingHandler { InnerHandler = captured });

        await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://example.invalid/"), CancellationToken.None);

        Assert.False(captured.Last!.Headers.Contains(CorrelationId.HeaderName));
    }

    [Fact]
    public async Task The_handler_keeps_an_id_the_caller_set()
    {
        var captured = new CapturingHandler();
        using var invoker = new HttpMessageInvoker(new CorrelationIdDelegatingHandler { InnerHandler = captured });
        using var scope = CorrelationId.Begin("ambient");
        var request = new HttpRequestMessage(HttpMethod.Get, "http://example.invalid/");
        request.Headers.Add(CorrelationId.HeaderName, "explicit");

        await invoker.SendAsync(request, CancellationToken.None);

        Assert.Equal("explicit", captured.Last!.Headers.GetValues(CorrelationId.HeaderName).Single());
    }

    [Fact]
    public void Begin_restores_the_previous_id_when_disposed()
    {
        using (CorrelationId.Begin("outer"))
        {
            using (CorrelationId.Begin("inner"))
            {
                Assert.Equal("inner", CorrelationId.Current);
            }

            Assert.Equal("outer", CorrelationId.Current);
        }

        Assert.Null(CorrelationId.Current);
    }

    /// <summary>Answers 200 locally and remembers the request, so the handler's effect on headers can be read.</summary>
    private sealed class CapturingHandler : HttpMessageHandler
    {
        public HttpRequestMessage? Last { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Last = request;
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
        }
    }
}
