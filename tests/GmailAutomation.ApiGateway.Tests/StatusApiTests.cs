using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GmailAutomation.ApiGateway.Tests.Support;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

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
    public async Task A_signed_in_caller_also_gets_their_accounts_sync_state_asked_as_them_and_anonymous_callers_do_not()
    {
        using var anonymous = await fixture.Gateway.CreateClient().GetAsync("/api/status");
        Assert.False((await anonymous.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("accounts", out _));

        using var browser = new GatewayBrowser(fixture);
        await browser.SignInAsync();
        var before = fixture.Recorders["email-service"].Requests.Count;
        using var response = await browser.GetAsync("/api/status");
        var status = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(status.TryGetProperty("accounts", out var accounts), status.ToString());
        Assert.Equal("/api/sync/accounts", accounts.GetProperty("path").GetString());
        var asked = fixture.Recorders["email-service"].Requests.Skip(before).Single(r => r.Path == "/api/sync/accounts");
        var identity = fixture.Gateway.Services.GetRequiredService<UserIdentityTokens>().Validate(asked.Headers[UserIdentityTokens.HeaderName])!;
        Assert.Equal(browser.UserId, identity.UserId);
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
