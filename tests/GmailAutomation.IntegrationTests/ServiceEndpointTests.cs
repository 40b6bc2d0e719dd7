using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;

namespace GmailAutomation.IntegrationTests;

[Collection(AppHostCollection.Name)]
public sealed class ServiceEndpointTests(AppHostFixture fixture)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Services => [.. AppHostLauncher.Services];

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Health_answers_200(string service)
    {
        using var client = fixture.App.CreateHttpClient(service, "http");
        using var timeout = new CancellationTokenSource(RequestTimeout);

        using var response = await client.GetAsync("/health", timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The body's shape belongs to ServiceDefaults (plain text or JSON); either way it says Healthy.
        Assert.Contains("Healthy", await response.Content.ReadAsStringAsync(timeout.Token), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Metrics_answer_in_prometheus_text_format(string service)
    {
        using var client = fixture.App.CreateHttpClient(service, "http");
        using var timeout = new CancellationTokenSource(RequestTimeout);
        // A request first, so that the HTTP server instruments have something to report.
        (await client.GetAsync("/health", timeout.Token)).Dispose();

        using var response = await client.GetAsync("/metrics", timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var mediaType = response.Content.Headers.ContentType;
        Assert.NotNull(mediaType);
        Assert.True(
            (mediaType.MediaType == "text/plain" && mediaType.Parameters.Any(p => p.Name == "version" && p.Value == "0.0.4"))
            || mediaType.MediaType == "application/openmetrics-text",
            $"Unexpected metrics content type {mediaType}");
        var body = await response.Content.ReadAsStringAsync(timeout.Token);
        Assert.Contains("# TYPE ", body, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_status_reports_healthy_services_and_resources()
    {
        using var client = fixture.App.CreateHttpClient("api-gateway", "http");
        using var timeout = new CancellationTokenSource(RequestTimeout);

        using var response = await client.GetAsync("/api/status", timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var status = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token), cancellationToken: timeout.Token);
        Assert.Equal("Healthy", status.RootElement.GetProperty("status").GetString());
        Assert.True(status.RootElement.GetProperty("services").GetArrayLength() > 0);
        Assert.True(status.RootElement.GetProperty("resources").GetArrayLength() > 0);
    }

    [Fact]
    public async Task Gateway_listens_on_its_configured_port_without_a_proxy()
    {
        var gateway = fixture.App.Services.GetRequiredService<DistributedApplicationModel>()
            .Resources.OfType<ProjectResource>().Single(resource => resource.Name == "api-gateway");
        var endpoint = gateway.GetEndpoint("http");

        Assert.False(endpoint.EndpointAnnotation.IsProxied);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{endpoint.Port}") };
        using var timeout = new CancellationTokenSource(RequestTimeout);
        using var response = await client.GetAsync("/health", timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
