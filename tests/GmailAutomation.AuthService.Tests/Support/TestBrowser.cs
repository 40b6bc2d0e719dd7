using System.Net;
using System.Net.Http.Json;
using GmailAutomation.AuthService.OAuth;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GmailAutomation.AuthService.Tests.Support;

/// <summary>
/// One person's browser: its own cookie jar, redirects followed by hand so each hop (service → Google emulator
/// → callback) can be inspected or tampered with, and the identity the gateway would attach after sign-in.
/// </summary>
public sealed class TestBrowser(AuthServiceFixture fixture) : IDisposable
{
    private readonly HttpClient _service = fixture.Service.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
    private readonly HttpClient _google = fixture.Emulator.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    /// <summary>The identity token from the last sign-in, sent as <c>X-User-Identity</c> like the gateway would.</summary>
    public string? Identity { get; set; }

    public static string NewAddress(string prefix = "user") => $"{prefix}.{Guid.NewGuid():N}"[..24] + "@example.test";

    public async Task<HttpResponseMessage> GetAsync(string pathAndQuery, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        return await SendAsync(request);
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        if (Identity is not null)
        {
            request.Headers.Add(UserIdentityTokens.HeaderName, Identity);
        }

        return _service.SendAsync(request);
    }

    /// <summary>The Location of a redirect the service answered.</summary>
    public async Task<Uri> RedirectFromServiceAsync(string pathAndQuery)
    {
        using var response = await GetAsync(pathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!;
    }

    /// <summary>Goes to Google (the emulator) and returns where it sends the browser back to.</summary>
    public async Task<Uri> AuthorizeAtGoogleAsync(Uri authorizationUrl)
    {
        using var response = await _google.GetAsync(authorizationUrl);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!;
    }

    /// <summary>Opens Google's consent page (no login hint) and answers it with <paramref name="decision"/>.</summary>
    public async Task<Uri> AnswerConsentAsync(Uri authorizationUrl, string decision, string email)
    {
        var page = await _google.GetStringAsync(authorizationUrl);
        var marker = "name=\"consent_request\" value=\"";
        var start = page.IndexOf(marker, StringComparison.Ordinal) + marker.Length;
        var consentId = WebUtility.HtmlDecode(page[start..page.IndexOf('"', start)]);
        using var response = await _google.PostAsync("/o/oauth2/v2/auth/consent", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["consent_request"] = consentId,
            ["decision"] = decision,
            ["email"] = email,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!;
    }

    public Task<HttpResponseMessage> CallbackAsync(Uri callback, string? accept = null) => GetAsync(callback.PathAndQuery, accept);

    public async Task<AuthCallbackResult> SignInAsync(string email, bool connectGmail = false)
    {
        var authorize = await RedirectFromServiceAsync($"/api/auth/signin?loginHint={Uri.EscapeDataString(email)}&connectGmail={connectGmail}");
        var callback = await AuthorizeAtGoogleAsync(authorize);
        using var response = await CallbackAsync(callback);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<AuthCallbackResult>())!;
        Identity = result.IdentityToken;
        return result;
    }

    public async Task<Uri> StartConnectAsync(string? loginHint)
    {
        var query = loginHint is null ? string.Empty : "?loginHint=" + Uri.EscapeDataString(loginHint);
        return await RedirectFromServiceAsync("/api/accounts/connect" + query);
    }

    public async Task<AuthCallbackResult> ConnectAsync(string gmailAddress)
    {
        var callback = await AuthorizeAtGoogleAsync(await StartConnectAsync(gmailAddress));
        using var response = await CallbackAsync(callback);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<AuthCallbackResult>())!;
    }

    public void Dispose()
    {
        _service.Dispose();
        _google.Dispose();
    }
}
