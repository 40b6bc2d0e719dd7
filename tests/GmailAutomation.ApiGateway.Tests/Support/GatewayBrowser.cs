using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GmailAutomation.ApiGateway.Tests.Support;

/// <summary>
/// One person's browser in front of the gateway: its own cookie jar, redirects followed by hand through the
/// gateway → auth-service → Google emulator → gateway callback, so the session is the one a real sign-in makes.
/// </summary>
public sealed class GatewayBrowser : IDisposable
{
    private readonly HttpClient _gateway;
    private readonly HttpClient _google;

    public GatewayBrowser(GatewayFixture fixture, Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>? gateway = null)
    {
        _gateway = (gateway ?? fixture.Gateway).CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        _google = fixture.Emulator.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
    }

    public Guid UserId { get; private set; }

    public string Email { get; private set; } = string.Empty;

    /// <summary>The anti-forgery token from GET /api/session, sent with every state change.</summary>
    public string? AntiforgeryToken { get; private set; }

    /// <summary>The answer of the sign-in callback (the gateway sets the session cookie on it).</summary>
    public HttpResponseMessage? CallbackResponse { get; private set; }

    public static string NewAddress(string prefix = "user") => $"{prefix}.{Guid.NewGuid():N}"[..24] + "@example.test";

    public async Task SignInAsync(string? email = null)
    {
        Email = email ?? NewAddress();
        var authorize = await RedirectAsync($"/api/auth/signin?loginHint={Uri.EscapeDataString(Email)}");
        var callback = await GoogleAsync(authorize);
        CallbackResponse = await _gateway.GetAsync(callback.PathAndQuery);
        Assert.True(CallbackResponse.StatusCode == HttpStatusCode.Redirect, await CallbackResponse.Content.ReadAsStringAsync());
        await RefreshSessionAsync();
    }

    public async Task RefreshSessionAsync()
    {
        var session = await _gateway.GetFromJsonAsync<JsonElement>("/api/session");
        UserId = session.GetProperty("userId").GetGuid();
        AntiforgeryToken = session.GetProperty("antiforgeryToken").GetString();
    }

    /// <summary>Connects a new Gmail mailbox through the auth-service's connect flow (via the gateway); returns the account id.</summary>
    public async Task<Guid> ConnectAsync(string? gmailAddress = null)
    {
        var authorize = await RedirectAsync($"/api/accounts/connect?loginHint={Uri.EscapeDataString(gmailAddress ?? NewAddress("gmail"))}");
        var callback = await GoogleAsync(authorize);
        using var response = await _gateway.GetAsync(callback.PathAndQuery);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("account").GetProperty("id").GetGuid();
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path));

    /// <summary>Sends with the anti-forgery header (as the console's scripts do).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, bool antiforgery = true)
    {
        if (antiforgery && AntiforgeryToken is not null)
        {
            request.Headers.Add("X-XSRF-TOKEN", AntiforgeryToken);
        }

        return _gateway.SendAsync(request);
    }

    public async Task<JsonElement> CreateApiTokenAsync(string name = "script")
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/tokens") { Content = JsonContent.Create(new { name }) });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<Uri> RedirectAsync(string path)
    {
        using var response = await _gateway.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!;
    }

    private async Task<Uri> GoogleAsync(Uri authorizationUrl)
    {
        using var response = await _google.GetAsync(authorizationUrl);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return response.Headers.Location!;
    }

    public void Dispose()
    {
        CallbackResponse?.Dispose();
        _gateway.Dispose();
        _google.Dispose();
    }
}

/// <summary>A script calling the gateway with a personal API token.</summary>
public static class TokenClient
{
    public static HttpClient Create(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> gateway, string token)
    {
        var client = gateway.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
