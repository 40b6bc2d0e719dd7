using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.GmailClient.Tests.Support;

/// <summary>
/// The Gmail emulator (its real <c>Program</c>) on Kestrel at 127.0.0.1 on a free port, plus helpers for its
/// admin API (<c>/emulator/…</c>) and its OAuth server. Subclasses choose emulator settings.
/// </summary>
public class EmulatorFixture : IAsyncLifetime
{
    public const string ClientId = "gmail-automation-local";
    public const string ClientSecret = "local-secret";
    private Factory factory = null!;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>A plain HTTP client for the admin API.</summary>
    public HttpClient Admin { get; private set; } = null!;

    public RedisFixture Redis { get; } = new();

    /// <summary>Emulator configuration (e.g. <c>Emulator:Quota:UnitsPerSecond</c>).</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        // Contract tests must not be throttled by the emulator unless they ask for it.
        ["Emulator:Quota:UnitsPerSecond"] = "100000",
        ["Emulator:Quota:MaxConcurrentRequestsPerUser"] = "1000",
    };

    public async Task InitializeAsync()
    {
        await Redis.InitializeAsync();
        factory = new Factory(Settings);
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address + "/");
        Admin = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await factory.DisposeAsync();
        await Redis.DisposeAsync();
    }

    /// <summary>A client host whose refresh token for <paramref name="account"/> was minted by the emulator.</summary>
    public async Task<ClientHost> CreateClientAsync(string account, Dictionary<string, string?>? settings = null)
    {
        var refreshToken = await MintRefreshTokenAsync(account);
        settings ??= [];
        settings[$"RefreshTokens:{account}"] = refreshToken;
        settings["ClientId"] = ClientId;
        settings["ClientSecret"] = ClientSecret;
        settings.TryAdd("Quota:UnitsPerSecond", "100000");
        return ClientHost.Create(Redis.Connection, BaseUrl, settings);
    }

    public async Task<string> MintRefreshTokenAsync(string email)
    {
        using var response = await Admin.PostAsJsonAsync("emulator/tokens", new { email, scopes = new[] { "https://www.googleapis.com/auth/gmail.modify" } });
        response.EnsureSuccessStatusCode();
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return json["refresh_token"]!.GetValue<string>();
    }

    public async Task CreateMailboxAsync(string email)
    {
        using var response = await Admin.PostAsJsonAsync("emulator/mailboxes", new { email });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Imports an existing message; returns its id and thread id.</summary>
    public async Task<(string Id, string ThreadId)> ImportAsync(string email, string rfc822, string[]? labelIds = null, DateTimeOffset? internalDate = null)
    {
        var query = new List<string>();
        query.AddRange((labelIds ?? ["INBOX"]).Select(l => "labelIds=" + Uri.EscapeDataString(l)));
        if (internalDate is { } date)
        {
            query.Add("internalDate=" + date.ToUnixTimeMilliseconds());
        }

        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(rfc822.ReplaceLineEndings("\r\n")));
        content.Headers.ContentType = new("message/rfc822");
        using var response = await Admin.PostAsync($"emulator/mailboxes/{Uri.EscapeDataString(email)}/messages?{string.Join('&', query)}", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"import failed: {(int)response.StatusCode} {body}");
        var json = JsonNode.Parse(body)!;
        return (json["id"]!.GetValue<string>(), json["threadId"]!.GetValue<string>());
    }

    public async Task PutFaultsAsync(object faults)
    {
        using var response = await Admin.PutAsJsonAsync("emulator/faults", faults);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"faults refused: {(int)response.StatusCode} {body}");
    }

    public async Task ClearFaultsAsync()
    {
        using var response = await Admin.DeleteAsync("emulator/faults");
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The emulator's quota counters for one user (<c>GET /emulator/quota/{email}</c>).</summary>
    public async Task<JsonNode> GetQuotaAsync(string email) =>
        JsonNode.Parse(await Admin.GetStringAsync($"emulator/quota/{Uri.EscapeDataString(email)}"))!;

    public static string Mail(string subject, string from = "Alice <alice@example.com>", string to = "user@example.com", string body = "Hello there.", string? messageId = null) =>
        $"From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: {messageId ?? $"<{Guid.NewGuid():N}@example.com>"}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n";

    private sealed class Factory(IDictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}

/// <summary>The emulator with Gmail's own per-user limit (250 units/s) switched on, for quota tests.</summary>
public sealed class QuotaEmulatorFixture : EmulatorFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Emulator:Quota:UnitsPerSecond"] = "250",
        ["Emulator:Quota:BurstSeconds"] = "1",
        ["Emulator:Quota:MaxConcurrentRequestsPerUser"] = "1000",
    };
}
