using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GmailAutomation.ApiGateway.Tests.Support;
using Microsoft.AspNetCore.Hosting;

namespace GmailAutomation.ApiGateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class StatusApiTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Status_is_200_with_every_service_and_backing_resource_healthy_and_versioned()
    {
        var response = await fixture.Gateway.CreateClient().GetAsync("/api/status");
        var status = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", status.GetProperty("status").GetString());

        var services = status.GetProperty("services").EnumerateArray().ToList();
        Assert.Equal(
            ["auth-service", "classification-service", "draft-service", "email-service", "response-service"],
            services.Select(s => s.GetProperty("name").GetString()));
        Assert.All(services, service =>
        {
            Assert.Equal("Healthy", service.GetProperty("status").GetString());
            Assert.False(string.IsNullOrEmpty(service.GetProperty("version").GetString()));
        });

        var resources = status.GetProperty("resources").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(["postgres", "rabbitmq", "redis"], resources.Keys.Order(StringComparer.Ordinal));
        Assert.StartsWith("15.", resources["postgres"].GetProperty("version").GetString(), StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d+", resources["redis"].GetProperty("version").GetString());
        Assert.Matches(@"^\d+\.\d+", resources["rabbitmq"].GetProperty("version").GetString());
        Assert.All(resources.Values, r => Assert.Equal("Healthy", r.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Status_is_503_naming_the_service_that_does_not_answer()
    {
        await using var gateway = fixture.Gateway.WithWebHostBuilder(web =>
            // A service-discovery entry pointing at a loopback port where nothing listens.
            web.UseSetting("services:email-service:http:0", $"http://127.0.0.1:{GmailAutomation.Testing.FreePort.Next()}"));

        var response = await gateway.CreateClient().GetAsync("/api/status");
        var status = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Unhealthy", status.GetProperty("status").GetString());
        var email = status.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "email-service");
        Assert.Equal("Unhealthy", email.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(email.GetProperty("error").GetString()));
    }
}
