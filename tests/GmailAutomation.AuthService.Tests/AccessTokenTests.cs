using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GmailAutomation.AuthClient;
using GmailAutomation.AuthService.Accounts;
using GmailAutomation.AuthService.Tests.Support;
using GmailAutomation.AuthService.Tokens;
using GmailAutomation.Common.Errors;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace GmailAutomation.AuthService.Tests;

[Collection(AuthServiceCollection.Name)]
public sealed class AccessTokenTests(AuthServiceFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Internal_endpoints_refuse_callers_without_the_service_key()
    {
        using var anonymous = fixture.Service.CreateClient();
        using var none = await anonymous.PostAsync($"/internal/accounts/{Guid.NewGuid()}/access-token", null);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, $"/internal/accounts/{Guid.NewGuid()}/access-token");
        wrong.Headers.Add(ServiceKeyAuthentication.HeaderName, "not-the-key");
        using var wrongAnswer = await anonymous.SendAsync(wrong);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAnswer.StatusCode);
    }

    [Fact]
    public async Task An_unknown_account_is_not_found()
    {
        using var client = TokenHelpers.InternalClient(fixture.Service);
        using var response = await client.PostAsync("/internal/accounts/nobody@example.test/access-token", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Redis_holds_no_token_in_clear_text()
    {
        var (browser, accountId, address) = await TokenHelpers.ConnectNewAccountAsync(fixture, "cleartext");
        using var _ = browser;
        var token = await TokenHelpers.GetAccessTokenAsync(fixture, address);
        var stored = (await fixture.Service.Services.GetRequiredService<TokenStore>().GetAsync(accountId))!;
        Assert.Equal(token.AccessToken, stored.AccessToken);

        var secrets = new[] { stored.AccessToken, stored.RefreshToken };
        var redis = fixture.Service.Services.GetRequiredService<IConnectionMultiplexer>();
        var server = redis.GetServer(redis.GetEndPoints().Single());
        var database = redis.GetDatabase();
        var scanned = 0;
        var sawTokenRecord = false;
        await foreach (var key in server.KeysAsync(pattern: "*"))
        {
            scanned++;
            sawTokenRecord |= key == TokenStore.KeyOf(accountId);
            foreach (var text in await ReadAllAsync(database, key))
            {
                foreach (var secret in secrets)
                {
                    Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
                }
            }
        }

        Assert.True(sawTokenRecord, "the scan should have met the account's token record");

        // The key ring beside the ciphertexts is itself encrypted: its master keys are not readable from Redis.
        var keyRing = string.Join('\n', await ReadAllAsync(database, ApplicationServiceExtensions.DataProtectionKeysKey));
        Assert.Contains("aesGcmEncryptedKey", keyRing);
        Assert.DoesNotContain("<masterKey", keyRing);
        Assert.True(scanned > 1);
        output.WriteLine($"Scanned {scanned} Redis keys; none holds a token in clear text.");
    }

    [Fact]
    public async Task Twenty_concurrent_requests_on_two_replicas_for_an_expiring_token_cause_exactly_one_refresh()
    {
        var (browser, accountId, address) = await TokenHelpers.ConnectNewAccountAsync(fixture, "concurrent");
        using var _ = browser;
        await using var replica = fixture.CreateService();
        var old = await TokenHelpers.MakeExpiringAsync(fixture, accountId, TimeSpan.FromMinutes(2));
        var refreshesBefore = fixture.GoogleCalls.Refreshes;

        using var first = TokenHelpers.InternalClient(fixture.Service);
        using var second = TokenHelpers.InternalClient(replica);
        var requests = Enumerable.Range(0, 20).Select(async i =>
        {
            var client = i % 2 == 0 ? first : second;
            using var response = await client.PostAsync($"/internal/accounts/{accountId}/access-token", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<AccessTokenResponse>())!;
        });
        var answers = await Task.WhenAll(requests);

        Assert.Equal(1, fixture.GoogleCalls.Refreshes - refreshesBefore);
        var fresh = Assert.Single(answers.Select(a => a.AccessToken).Distinct());
        Assert.NotEqual(old.AccessToken, fresh);
        Assert.All(answers, a => Assert.True(a.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(50)));
        Assert.Equal(address, answers[0].EmailAddress);
    }

    [Fact]
    public async Task A_revoked_refresh_token_marks_the_account_ReconnectRequired_and_publishes_AccountDisconnected()
    {
        var (browser, accountId, address) = await TokenHelpers.ConnectNewAccountAsync(fixture, "revoked");
        using var _ = browser;
        var stored = await TokenHelpers.MakeExpiringAsync(fixture, accountId, TimeSpan.FromMinutes(1));
        using (var google = fixture.Emulator.CreateClient())
        using (var revoke = await google.PostAsync("/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = stored.RefreshToken })))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        using var client = TokenHelpers.InternalClient(fixture.Service);
        using var response = await client.PostAsync($"/internal/accounts/{accountId}/access-token", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ReconnectRequired", problem.GetProperty("accountStatus").GetString());
        var disconnected = await fixture.Events.WaitForAsync<AccountDisconnected>(e => e.AccountId == accountId);
        Assert.Equal(AccountDisconnectReasons.TokenRevoked, disconnected.Reason);
        Assert.Equal(address, disconnected.EmailAddress);
        Assert.Null(await fixture.Service.Services.GetRequiredService<TokenStore>().GetAsync(accountId));

        using var account = await browser.GetAsync($"/api/accounts/{accountId}");
        var view = (await account.Content.ReadFromJsonAsync<AccountView>())!;
        Assert.Equal("ReconnectRequired", view.Status);
        Assert.Equal(AccountDisconnectReasons.TokenRevoked, view.StatusReason);

        // Asking again does not announce it twice.
        using var again = await client.PostAsync($"/internal/accounts/{accountId}/access-token", null);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        await Task.Delay(300);
        Assert.Single(fixture.Events.All<AccountDisconnected>(e => e.AccountId == accountId));
    }

    [Fact]
    public async Task Disconnecting_revokes_at_Google_deletes_the_tokens_and_publishes_AccountDisconnected()
    {
        var (browser, accountId, address) = await TokenHelpers.ConnectNewAccountAsync(fixture, "disconnect");
        using var _ = browser;
        var token = await TokenHelpers.GetAccessTokenAsync(fixture, address);

        using var response = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/accounts/{accountId}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<DisconnectResult>())!;
        Assert.True(result.RevokedAtGoogle);
        Assert.Equal("Disconnected", result.Account.Status);
        Assert.Null(await fixture.Service.Services.GetRequiredService<TokenStore>().GetAsync(accountId));
        using var google = fixture.Emulator.CreateClient();
        using var info = await google.GetAsync("/oauth2/v3/tokeninfo?access_token=" + Uri.EscapeDataString(token.AccessToken));
        Assert.Equal(HttpStatusCode.BadRequest, info.StatusCode);
        var disconnected = await fixture.Events.WaitForAsync<AccountDisconnected>(e => e.AccountId == accountId);
        Assert.Equal(AccountDisconnectReasons.UserRequested, disconnected.Reason);

        using var client = TokenHelpers.InternalClient(fixture.Service);
        using var tokenAfter = await client.PostAsync($"/internal/accounts/{accountId}/access-token", null);
        Assert.Equal(HttpStatusCode.Unauthorized, tokenAfter.StatusCode);
    }

    [Fact]
    public async Task Disconnecting_stops_the_mailboxs_Gmail_watch_before_revoking_the_grant()
    {
        var (browser, accountId, address) = await TokenHelpers.ConnectNewAccountAsync(fixture, "unwatch");
        using var _ = browser;
        var token = await TokenHelpers.GetAccessTokenAsync(fixture, address);
        using var gmail = fixture.Emulator.CreateClient();
        using (var watch = new HttpRequestMessage(HttpMethod.Post, "/gmail/v1/users/me/watch")
        {
            Content = JsonContent.Create(new { topicName = "projects/gmail-automation-local/topics/unwatch" }),
        })
        {
            watch.Headers.Authorization = new("Bearer", token.AccessToken);
            using var watched = await gmail.SendAsync(watch);
            Assert.True(watched.IsSuccessStatusCode, await watched.Content.ReadAsStringAsync());
        }

        Assert.True(await IsWatchedAsync(gmail, address));

        using var response = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/accounts/{accountId}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(await IsWatchedAsync(gmail, address));
        Assert.True((await response.Content.ReadFromJsonAsync<DisconnectResult>())!.RevokedAtGoogle);
    }

    private static async Task<bool> IsWatchedAsync(HttpClient emulator, string address)
    {
        using var status = JsonDocument.Parse(await emulator.GetStringAsync("/emulator/push/status"));
        return status.RootElement.GetProperty("watches").EnumerateArray()
            .Any(w => string.Equals(w.GetProperty("emailAddress").GetString(), address, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_token_Gmail_rejected_is_replaced_on_the_next_request()
    {
        var (browser, _, address) = await TokenHelpers.ConnectNewAccountAsync(fixture, "invalidate");
        using var __ = browser;
        var before = await TokenHelpers.GetAccessTokenAsync(fixture, address);
        var refreshes = fixture.GoogleCalls.Refreshes;

        using var client = TokenHelpers.InternalClient(fixture.Service);
        using (var invalidate = await client.PostAsJsonAsync($"/internal/accounts/{address}/access-token/invalidate", new { accessToken = before.AccessToken }))
        {
            Assert.Equal(HttpStatusCode.NoContent, invalidate.StatusCode);
        }

        var after = await TokenHelpers.GetAccessTokenAsync(fixture, address);
        Assert.NotEqual(before.AccessToken, after.AccessToken);
        Assert.Equal(refreshes + 1, fixture.GoogleCalls.Refreshes);
    }

    [Fact]
    public async Task The_AuthClient_provider_gets_tokens_by_address_and_reports_accounts_that_need_reconnecting()
    {
        var (browser, accountId, address) = await TokenHelpers.ConnectNewAccountAsync(fixture, "client");
        using var _ = browser;
        var options = Options.Create(new InternalServiceOptions { ServiceKey = AuthServiceFixture.ServiceKey });
        using var http = fixture.Service.CreateDefaultClient(new ServiceKeyDelegatingHandler(options));
        var provider = new AuthServiceAccessTokenProvider(http, Options.Create(new AuthServiceClientOptions { BaseUrl = http.BaseAddress! }), TimeProvider.System);

        var token = await provider.GetAccessTokenAsync(address, CancellationToken.None);
        Assert.Equal((await fixture.Service.Services.GetRequiredService<TokenStore>().GetAsync(accountId))!.AccessToken, token);
        Assert.Equal(token, await provider.GetAccessTokenAsync(address.ToUpperInvariant(), CancellationToken.None));

        await browser.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/accounts/{accountId}"));
        await provider.InvalidateAsync(address, token, CancellationToken.None);
        var error = await Assert.ThrowsAsync<AuthenticationException>(() => provider.GetAccessTokenAsync(address, CancellationToken.None).AsTask());
        Assert.Equal("Disconnected", error.Context["accountStatus"]);
        await Assert.ThrowsAsync<NotFoundException>(() => provider.GetAccessTokenAsync("nobody@example.test", CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task Token_latency_with_a_warm_cache_and_refresh_latency_are_measured()
    {
        var (browser, accountId, _) = await TokenHelpers.ConnectNewAccountAsync(fixture, "latency");
        using var __ = browser;
        using var client = TokenHelpers.InternalClient(fixture.Service);
        async Task<double> TimeOneAsync()
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.PostAsync($"/internal/accounts/{accountId}/access-token", null);
            response.EnsureSuccessStatusCode();
            return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        for (var i = 0; i < 20; i++)
        {
            await TimeOneAsync();
        }

        var warm = new List<double>();
        for (var i = 0; i < 300; i++)
        {
            warm.Add(await TimeOneAsync());
        }

        var refresh = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            await TokenHelpers.MakeExpiringAsync(fixture, accountId, TimeSpan.FromMinutes(1));
            refresh.Add(await TimeOneAsync());
        }

        output.WriteLine($"warm token request: p50 {Percentile(warm, 50):F2} ms, p99 {Percentile(warm, 99):F2} ms (n={warm.Count}, in-process HTTP: service key check, one Redis read, one decryption)");
        output.WriteLine($"refreshing token request: p50 {Percentile(refresh, 50):F2} ms, p99 {Percentile(refresh, 99):F2} ms (n={refresh.Count}, emulator token endpoint)");
        Assert.True(Percentile(warm, 50) < 50, "a warm token request should take milliseconds");
        Assert.True(Percentile(refresh, 50) < 500, "a refresh should take well under a second against the emulator");
    }

    private static double Percentile(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        var index = (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }

    private static async Task<IEnumerable<string>> ReadAllAsync(IDatabase database, RedisKey key)
    {
        switch (await database.KeyTypeAsync(key))
        {
            case RedisType.String:
                return [(string?)await database.StringGetAsync(key) ?? string.Empty];
            case RedisType.Hash:
                return (await database.HashGetAllAsync(key)).SelectMany(e => new[] { e.Name.ToString(), e.Value.ToString() });
            case RedisType.List:
                return (await database.ListRangeAsync(key)).Select(v => v.ToString());
            case RedisType.Set:
                return (await database.SetMembersAsync(key)).Select(v => v.ToString());
            case RedisType.SortedSet:
                return (await database.SortedSetRangeByRankAsync(key)).Select(v => v.ToString());
            case RedisType.Stream:
                return (await database.StreamRangeAsync(key)).SelectMany(e => e.Values.Select(v => v.Value.ToString()));
            default:
                return [key.ToString()];
        }
    }
}
