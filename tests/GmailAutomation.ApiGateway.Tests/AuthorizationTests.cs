using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GmailAutomation.ApiGateway.Tests.Support;

namespace GmailAutomation.ApiGateway.Tests;

/// <summary>
/// A second user reaches nothing of the first user's, on every route that names one of the first user's things,
/// through the gateway with the real auth-service behind it — with a session and with an API token.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class AuthorizationTests(GatewayFixture fixture) : IAsyncLifetime
{
    private readonly GatewayBrowser _owner = new(fixture);
    private readonly GatewayBrowser _intruder = new(fixture);
    private Guid _accountId;
    private Guid _tokenId;

    /// <summary>Method, path (with {account} and {token} for the owner's account and API token), body.</summary>
    public static TheoryData<string, string, string?> OwnedRoutes => new()
    {
        { "GET", "/api/accounts/{account}", null },
        { "GET", "/api/accounts/{account}/preferences", null },
        { "PUT", "/api/accounts/{account}/preferences", """{"tone":"formal"}""" },
        { "DELETE", "/api/accounts/{account}", null },
        { "GET", "/api/audit/accounts/{account}/entries", null },
        { "GET", "/api/audit/accounts/{account}/entries?action=account.connected&limit=5", null },
        { "DELETE", "/api/tokens/{token}", null },
    };

    public async Task InitializeAsync()
    {
        await _owner.SignInAsync();
        _accountId = await _owner.ConnectAsync();
        _tokenId = (await _owner.CreateApiTokenAsync("owner-script")).GetProperty("id").GetGuid();
        await _intruder.SignInAsync();
    }

    [Theory]
    [MemberData(nameof(OwnedRoutes))]
    public async Task Another_users_session_gets_404_and_changes_nothing(string method, string path, string? body)
    {
        using var response = await _intruder.SendAsync(Request(method, path, body));
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");

        await AssertOwnerStillHasEverythingAsync();
    }

    [Theory]
    [MemberData(nameof(OwnedRoutes))]
    public async Task Another_users_API_token_gets_404_and_changes_nothing(string method, string path, string? body)
    {
        var token = (await _intruder.CreateApiTokenAsync("intruder-script")).GetProperty("token").GetString()!;
        using var script = TokenClient.Create(fixture.Gateway, token);
        using var response = await script.SendAsync(Request(method, path, body));
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");

        await AssertOwnerStillHasEverythingAsync();
    }

    [Theory]
    [MemberData(nameof(OwnedRoutes))]
    public async Task The_owner_reaches_each_of_these_routes(string method, string path, string? body)
    {
        using var response = await _owner.SendAsync(Request(method, path, body));
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Lists_show_another_user_none_of_the_owners_accounts_or_tokens()
    {
        var accounts = await (await _intruder.GetAsync("/api/accounts")).Content.ReadAsStringAsync();
        var tokens = await (await _intruder.GetAsync("/api/tokens")).Content.ReadAsStringAsync();
        var me = await (await _intruder.GetAsync("/api/auth/me")).Content.ReadAsStringAsync();

        Assert.DoesNotContain(_accountId.ToString(), accounts, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(_tokenId.ToString(), tokens, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(_accountId.ToString(), me, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(_accountId.ToString(), await (await _owner.GetAsync("/api/accounts")).Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Without_a_session_or_token_every_owned_route_answers_401()
    {
        using var anonymous = fixture.Gateway.CreateClient();
        foreach (var (method, path, body) in OwnedRoutes.Select(r => ((string)r[0], (string)r[1], (string?)r[2])))
        {
            using var response = await anonymous.SendAsync(Request(method, path, body));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}: {(int)response.StatusCode}");
        }
    }

    private async Task AssertOwnerStillHasEverythingAsync()
    {
        var account = await (await _owner.GetAsync($"/api/accounts/{_accountId}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Connected", account.GetProperty("status").GetString());
        Assert.Equal("friendly", account.GetProperty("preferences").GetProperty("tone").GetString());
        var tokens = await (await _owner.GetAsync("/api/tokens")).Content.ReadFromJsonAsync<JsonElement>();
        var token = tokens.EnumerateArray().Single(t => t.GetProperty("id").GetGuid() == _tokenId);
        Assert.Equal(JsonValueKind.Null, token.GetProperty("revokedAt").ValueKind);
    }

    private HttpRequestMessage Request(string method, string path, string? body)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{account}", _accountId.ToString(), StringComparison.Ordinal).Replace("{token}", _tokenId.ToString(), StringComparison.Ordinal));
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        return request;
    }

    public Task DisposeAsync()
    {
        _owner.Dispose();
        _intruder.Dispose();
        return Task.CompletedTask;
    }
}
