using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace GmailAutomation.GmailEmulator.Tests.Support;

/// <summary>
/// The emulator in-process. Configure it before first use: <see cref="Settings"/> are applied as configuration
/// (e.g. <c>Emulator:History:Retention</c>), and <see cref="UseFakeTime"/> swaps the clock for a
/// <see cref="FakeTimeProvider"/> so expiry can be tested without sleeping.
/// </summary>
public class EmulatorFactory : WebApplicationFactory<Program>
{
    /// <summary>Configuration overrides, applied when the host is built.</summary>
    public IDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The fake clock, when <see cref="UseFakeTime"/> was called.</summary>
    public FakeTimeProvider? Time { get; private set; }

    public EmulatorFactory UseFakeTime(DateTimeOffset? start = null)
    {
        Time = new FakeTimeProvider(start ?? new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero));
        return this;
    }

    public EmulatorFactory WithSetting(string key, string? value)
    {
        Settings[key] = value;
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            if (Time is not null)
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(Time);
            }
        });
    }

    /// <summary>An HTTP client for the Gmail API that sends <paramref name="accessToken"/> as a bearer token.</summary>
    public HttpClient CreateGmailClient(string accessToken)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    /// <summary>
    /// A real access token from the emulator's OAuth server (its token-minting admin endpoint) for
    /// <paramref name="email"/> with <paramref name="scopes"/> (default gmail.modify). The mailbox is created if new.
    /// </summary>
    public async Task<string> GetAccessTokenAsync(string email, params string[] scopes)
    {
        using var client = CreateClient();
        using var response = await client.PostAsJsonAsync("/emulator/tokens", new { email, scopes = scopes.Length == 0 ? new[] { GmailScopes.Modify } : scopes });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("access_token").GetString()!;
    }

    /// <summary>A client for <paramref name="email"/> holding a gmail.modify token (or the given scopes).</summary>
    public async Task<HttpClient> CreateGmailClientAsync(string email, params string[] scopes) =>
        CreateGmailClient(await GetAccessTokenAsync(email, scopes));
}

/// <summary>Gmail OAuth scope URLs.</summary>
public static class GmailScopes
{
    public const string FullAccess = "https://mail.google.com/";
    public const string Modify = "https://www.googleapis.com/auth/gmail.modify";
    public const string ReadOnly = "https://www.googleapis.com/auth/gmail.readonly";
    public const string Labels = "https://www.googleapis.com/auth/gmail.labels";
    public const string Send = "https://www.googleapis.com/auth/gmail.send";
    public const string Compose = "https://www.googleapis.com/auth/gmail.compose";
}
