using System.Net;
using System.Net.Http.Json;
using GmailAutomation.AuthService.Tokens;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.AuthService.Tests.Support;

public static class TokenHelpers
{
    /// <summary>A client for the internal endpoints, sending the service key like another service would.</summary>
    public static HttpClient InternalClient(WebApplicationFactory<Program> service)
    {
        var client = service.CreateClient();
        client.DefaultRequestHeaders.Add(ServiceKeyAuthentication.HeaderName, AuthServiceFixture.ServiceKey);
        return client;
    }

    public static async Task<AccessTokenResponse> GetAccessTokenAsync(AuthServiceFixture fixture, string account)
    {
        using var client = InternalClient(fixture.Service);
        using var response = await client.PostAsync($"/internal/accounts/{Uri.EscapeDataString(account)}/access-token", null);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<AccessTokenResponse>())!;
    }

    /// <summary>Moves the stored access token's expiry to <paramref name="remaining"/> from now, as if time had passed.</summary>
    public static async Task<StoredTokens> MakeExpiringAsync(AuthServiceFixture fixture, Guid accountId, TimeSpan remaining)
    {
        var store = fixture.Service.Services.GetRequiredService<TokenStore>();
        var tokens = (await store.GetAsync(accountId))!;
        var expiring = tokens with { ExpiresAt = DateTimeOffset.UtcNow + remaining };
        await store.SaveAsync(expiring);
        return expiring;
    }

    /// <summary>Signs in a new user and connects a new mailbox; returns the browser (signed in) and the account id.</summary>
    public static async Task<(TestBrowser Browser, Guid AccountId, string Address)> ConnectNewAccountAsync(AuthServiceFixture fixture, string prefix)
    {
        var browser = new TestBrowser(fixture);
        await browser.SignInAsync(TestBrowser.NewAddress("owner"));
        var address = TestBrowser.NewAddress(prefix);
        var result = await browser.ConnectAsync(address);
        return (browser, result.Account!.Id, address);
    }
}
