using System.Net.Http.Headers;
using GmailAutomation.GmailEmulator.Hosting;
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

            InterimSeams.AddWhereMissing(services);
        });
    }

    /// <summary>An HTTP client for the Gmail API that sends <paramref name="accessToken"/> as a bearer token.</summary>
    public HttpClient CreateGmailClient(string accessToken)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    /// <summary>An access token for <paramref name="email"/> with <paramref name="scopes"/> (full scope URLs).</summary>
    public Task<string> GetAccessTokenAsync(string email, params string[] scopes)
    {
        var validator = Services.GetRequiredService<IAccessTokenValidator>();
        if (validator is InterimSeams.TokenValidator interim)
        {
            return Task.FromResult(interim.Issue(email, scopes.Length == 0 ? [GmailScopes.Modify] : scopes));
        }

        throw new InvalidOperationException("The emulator's OAuth server issues tokens; use its admin API.");
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
