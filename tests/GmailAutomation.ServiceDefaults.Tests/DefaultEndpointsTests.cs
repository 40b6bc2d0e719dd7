using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GmailAutomation.ServiceDefaults.Tests;

public sealed class DefaultEndpointsTests
{
    [Fact]
    public async Task Health_reports_status_name_version_and_each_check_as_json()
    {
        await using var app = await TestApp.StartAsync(_ => { });

        var response = await app.GetTestClient().GetAsync("/health");
        var health = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(health.GetProperty("version").GetString()));
        Assert.False(string.IsNullOrEmpty(health.GetProperty("service").GetString()));
        Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("self").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_is_503_when_a_readiness_check_fails_but_alive_stays_200()
    {
        await using var app = await TestApp.StartAsync(
            _ => { },
            b => b.Services.AddHealthChecks().AddCheck("database", () => HealthCheckResult.Unhealthy("database unreachable")));
        var client = app.GetTestClient();

        var health = await client.GetAsync("/health");
        var alive = await client.GetAsync("/alive");
        var body = await health.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task Metrics_are_served_in_prometheus_text_format()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/work", () => "done"));
        var client = app.GetTestClient();
        await client.GetAsync("/work");

        var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
    }
}
