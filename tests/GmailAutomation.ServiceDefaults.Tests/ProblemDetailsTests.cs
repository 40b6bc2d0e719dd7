using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GmailAutomation.Common.Correlation;
using GmailAutomation.Common.Errors;
using GmailAutomation.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;

namespace GmailAutomation.ServiceDefaults.Tests;

public sealed class ProblemDetailsTests
{
    public static TheoryData<string, int, string, string> Cases => new()
    {
        { "not-found", 404, "https://gmail-automation.dev/problems/not-found", "Not found" },
        { "validation", 400, "https://gmail-automation.dev/problems/validation", "Validation failed" },
        { "authentication", 401, "https://gmail-automation.dev/problems/authentication", "Authentication required" },
        { "external", 502, "https://gmail-automation.dev/problems/external-service", "External service failed" },
        { "configuration", 500, "https://gmail-automation.dev/problems/configuration", "Configuration error" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_exception_type_becomes_problem_details_with_its_status_type_title_and_correlation_id(
        string kind, int status, string type, string title)
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/throw/{kind}", (string kind) => Throw(kind)));
        var client = app.GetTestClient();
        client.DefaultRequestHeaders.Add(CorrelationId.HeaderName, "req-42");

        var response = await client.GetAsync($"/throw/{kind}");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal(type, problem.GetProperty("type").GetString());
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Equal("req-42", problem.GetProperty("correlationId").GetString());
    }

    [Fact]
    public async Task Extra_context_of_the_exception_is_in_the_problem()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/gmail", IResult () =>
            throw new ExternalServiceException("gmail", "quota exhausted", 429, "rateLimitExceeded")));

        var response = await app.GetTestClient().GetAsync("/gmail");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("gmail", problem.GetProperty("service").GetString());
        Assert.Equal("quota exhausted", problem.GetProperty("failure").GetString());
        Assert.Equal(429, problem.GetProperty("upstreamStatus").GetInt32());
        Assert.Equal("rateLimitExceeded", problem.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Validation_problem_names_each_offending_field()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/prefs", IResult () =>
            throw new ValidationException("syncWindowDays", "Must be between 7 and 90.")));

        var response = await app.GetTestClient().GetAsync("/prefs");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = problem.GetProperty("errors").GetProperty("syncWindowDays");
        Assert.Equal("Must be between 7 and 90.", errors[0].GetString());
    }

    [Fact]
    public async Task An_unhandled_exception_is_a_500_that_reveals_no_internals()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/boom", IResult () =>
            throw new InvalidOperationException("connection string Password=hunter2 leaked")));

        var response = await app.GetTestClient().GetAsync("/boom");
        var text = await response.Content.ReadAsStringAsync();
        var problem = JsonSerializer.Deserialize<JsonElement>(text);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(ProblemFactory.UnexpectedErrorType, problem.GetProperty("type").GetString());
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", text, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("correlationId").GetString()));
    }

    [Fact]
    public async Task An_unknown_route_gets_the_same_problem_shape()
    {
        await using var app = await TestApp.StartAsync(_ => { });
        var client = app.GetTestClient();
        client.DefaultRequestHeaders.Add(CorrelationId.HeaderName, "lost-1");

        var response = await client.GetAsync("/no/such/route");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Equal("lost-1", problem.GetProperty("correlationId").GetString());
        Assert.True(problem.TryGetProperty("type", out _));
    }

    [Fact]
    public async Task Malformed_request_body_is_a_400_problem()
    {
        await using var app = await TestApp.StartAsync(a => a.MapPost("/echo", (Payload p) => TypedResultsOk(p)));

        using var content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        var response = await app.GetTestClient().PostAsync("/echo", content);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("correlationId", out _));
    }

    [Fact]
    public void Problem_factory_maps_not_found_with_resource_and_id()
    {
        var problem = ProblemFactory.FromException(new NotFoundException("Account", "a-1"));

        Assert.Equal(404, problem.Status);
        Assert.Equal("Account 'a-1' was not found.", problem.Detail);
        Assert.Equal("Account", problem.Extensions["resource"]);
        Assert.Equal("a-1", problem.Extensions["id"]);
    }

    [Fact]
    public void Configuration_exception_names_the_setting_to_fix()
    {
        var exception = new ConfigurationException("Gmail:BaseUrl", "must be an absolute http(s) URL");

        Assert.Equal("Configuration 'Gmail:BaseUrl' is invalid: must be an absolute http(s) URL", exception.Message);
        Assert.Equal("Gmail:BaseUrl", ProblemFactory.FromException(exception).Extensions["setting"]);
    }

    private static IResult Throw(string kind) => kind switch
    {
        "not-found" => throw new NotFoundException("Rule", "r-7"),
        "validation" => throw new ValidationException("batchSize", "Must be between 10 and 500."),
        "authentication" => throw new AuthenticationException("Sign in first."),
        "external" => throw new ExternalServiceException("gmail", "backend error", 503, "backendError"),
        "configuration" => throw new ConfigurationException("Gmail:BaseUrl", "missing"),
        _ => Results.Ok(),
    };

    private static IResult TypedResultsOk(Payload p) => Results.Ok(p);

    public sealed record Payload(string Name);
}
