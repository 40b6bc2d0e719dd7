using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GmailAutomation.ApiGateway.Tests.Support;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.ApiGateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class ProxyTests(GatewayFixture fixture)
{
    public static TheoryData<string, string, string> PublicPrefixes => new()
    {
        { "GET", "/api/sync/accounts", "email-service" },
        { "POST", "/api/push/gmail?token=x", "email-service" },
        { "GET", "/api/rules", "classification-service" },
        { "PUT", "/api/rules/r1", "classification-service" },
        { "POST", "/api/classify/preview", "classification-service" },
        { "GET", "/api/classification/messages", "classification-service" },
        { "GET", "/api/replies", "response-service" },
        { "GET", "/api/drafts/d1", "draft-service" },
    };

    [Theory]
    [MemberData(nameof(PublicPrefixes))]
    public async Task Each_public_prefix_reaches_its_service(string method, string path, string service)
    {
        using var client = fixture.Gateway.CreateClient();
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(service, body.GetProperty("service").GetString());
        Assert.Equal(path.Split('?')[0], body.GetProperty("path").GetString());
    }

    public static TheoryData<string, string> NotRoutable => new()
    {
        // The auth-service's token issuance and account lookup, with and without a prefix in front.
        { "POST", "/internal/accounts/someone@example.com/access-token" },
        { "GET", "/internal/accounts/someone@example.com" },
        { "POST", "/api/accounts/%2e%2e/%2e%2e/internal/accounts/x/access-token" },
        { "GET", "/api/auth/%2F..%2F..%2Finternal%2Faccounts%2Fx" },
        { "GET", "/api/accounts/internal/accounts/x" },
        { "GET", "/api/sync/INTERNAL/accounts" },
        { "POST", "/api/rules/admin/reset" },
        { "GET", "/api/drafts/%61dmin" },
        // Services' own documents and health are not part of the public API.
        { "GET", "/openapi/v1.json" },
        { "GET", "/api/accounts/openapi/v1.json" },
        { "GET", "/api/sync/health" },
        // The emulator and unknown prefixes.
        { "GET", "/admin/mailboxes" },
        { "GET", "/api/unknown" },
        // The push webhook takes POST only.
        { "GET", "/api/push/gmail" },
    };

    [Theory]
    [MemberData(nameof(NotRoutable))]
    public async Task Internal_admin_and_unknown_routes_answer_404_from_outside_even_with_the_service_key(string method, string path)
    {
        var before = fixture.Recorders.Values.Sum(r => r.Requests.Count);
        using var client = fixture.Gateway.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add(ServiceKeyAuthentication.HeaderName, GatewayFixture.ServiceKey);

        using var response = await client.SendAsync(request);

        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"{path}: {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, fixture.Recorders.Values.Sum(r => r.Requests.Count));
    }

    [Fact]
    public async Task Identity_key_and_token_headers_of_the_caller_never_reach_a_service()
    {
        var forged = fixture.Gateway.Services.GetRequiredService<UserIdentityTokens>().Issue(Guid.NewGuid(), "forger@example.test");
        using var client = fixture.Gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/rules/strip-check");
        request.Headers.Add(UserIdentityTokens.HeaderName, forged);
        request.Headers.Add(ServiceKeyAuthentication.HeaderName, GatewayFixture.ServiceKey);
        request.Headers.Add("Authorization", "Bearer not-a-token");
        request.Headers.Add("Cookie", "gma_session=stolen; gma_xsrf=x; gma_oauth_abc=kept");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = fixture.Recorders["classification-service"].Last("/api/rules/strip-check").Headers;
        Assert.False(seen.ContainsKey(UserIdentityTokens.HeaderName));
        Assert.False(seen.ContainsKey(ServiceKeyAuthentication.HeaderName));
        Assert.False(seen.ContainsKey("Authorization"));
        Assert.Equal("gma_oauth_abc=kept", seen["Cookie"]);
    }

    [Fact]
    public async Task A_forged_identity_is_not_accepted_by_a_real_service_behind_the_gateway()
    {
        // Signed with the real key: the auth-service would accept it if the gateway let it through.
        var forged = fixture.Gateway.Services.GetRequiredService<UserIdentityTokens>().Issue(Guid.NewGuid(), "forger@example.test");
        using var client = fixture.Gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/auth/me");
        request.Headers.Add(UserIdentityTokens.HeaderName, forged);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_signed_in_caller_reaches_services_with_a_verified_identity_of_their_own()
    {
        using var browser = new GatewayBrowser(fixture);
        await browser.SignInAsync();

        using var me = await browser.GetAsync("/api/auth/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var body = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(browser.UserId, body.GetProperty("id").GetGuid());
        Assert.Equal(browser.Email, body.GetProperty("email").GetString());

        using var rules = await browser.GetAsync("/api/rules/identity-check");
        Assert.Equal(HttpStatusCode.OK, rules.StatusCode);
        var seen = fixture.Recorders["classification-service"].Last("/api/rules/identity-check").Headers;
        var identity = fixture.Gateway.Services.GetRequiredService<UserIdentityTokens>().Validate(seen[UserIdentityTokens.HeaderName]);
        Assert.NotNull(identity);
        Assert.Equal(browser.UserId, identity.UserId);
        Assert.False(seen.TryGetValue("Cookie", out var cookies) && cookies.Contains("gma_session", StringComparison.Ordinal));
    }
}
