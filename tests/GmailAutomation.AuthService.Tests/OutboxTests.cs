using System.Net;
using System.Net.Http.Json;
using GmailAutomation.AuthService.OAuth;
using GmailAutomation.AuthService.Tests.Support;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace GmailAutomation.AuthService.Tests;

[Collection(AuthServiceCollection.Name)]
public sealed class OutboxTests(AuthServiceFixture fixture)
{
    /// <summary>
    /// A replica commits a connect (account, tokens and the AccountConnected outbox row) but never gets the event
    /// out: its broker is unreachable, and then it is gone. The next process on the same database publishes it.
    /// The replica has a database of its own, so the fixture's running replica cannot publish the event for it.
    /// </summary>
    [Fact]
    public async Task An_event_committed_by_a_process_that_died_before_publishing_is_published_after_a_restart()
    {
        var database = await fixture.Postgres.CreateDatabaseAsync("authdb_" + Guid.NewGuid().ToString("N")[..12]);
        var unreachableBroker = $"amqp://guest:guest@127.0.0.1:{FreePort.Next()}/";
        var address = TestBrowser.NewAddress("outbox");
        Guid accountId;

        var first = fixture.CreateService(settings =>
        {
            settings["ConnectionStrings:authdb"] = database;
            settings["ConnectionStrings:rabbitmq"] = unreachableBroker;
        });
        try
        {
            accountId = await SignInAndConnectAsync(first, address);
            var (payload, publishedAt) = Assert.Single(await OutboxRowsAsync(database, nameof(AccountConnected)));
            Assert.Null(publishedAt);
            Assert.Contains(accountId.ToString(), payload, StringComparison.Ordinal);
        }
        finally
        {
            try
            {
                await first.DisposeAsync();
            }
            catch (OperationCanceledException)
            {
                // Its shutdown waits for a broker that never answers and is cut short: the process is gone all the same.
            }
        }

        Assert.Empty(fixture.Events.All<AccountConnected>(e => e.AccountId == accountId));

        await using var restarted = fixture.CreateService(settings => settings["ConnectionStrings:authdb"] = database);
        _ = restarted.Server;
        var published = await fixture.Events.WaitForAsync<AccountConnected>(e => e.AccountId == accountId, TimeSpan.FromSeconds(30));
        Assert.Equal(address, published.EmailAddress);
        await SyncWait.UntilAsync(async () => (await OutboxRowsAsync(database, nameof(AccountConnected))).Single().PublishedAt is not null, TimeSpan.FromSeconds(10));
    }

    private static async Task<List<(string Payload, DateTimeOffset? PublishedAt)>> OutboxRowsAsync(string database, string eventType)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand("""SELECT "Payload", "PublishedAt" FROM outbox_messages WHERE "EventType" = $1""", connection)
        {
            Parameters = { new() { Value = eventType } },
        };
        await using var reader = await select.ExecuteReaderAsync();
        var rows = new List<(string, DateTimeOffset?)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1)));
        }

        return rows;
    }

    /// <summary>Sign-in with connectGmail against <paramref name="service"/> (the emulator approves a login hint at once).</summary>
    private async Task<Guid> SignInAndConnectAsync(WebApplicationFactory<Program> service, string address)
    {
        using var browser = service.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using var google = fixture.Emulator.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var start = await browser.GetAsync($"/api/auth/signin?loginHint={Uri.EscapeDataString(address)}&connectGmail=true");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        using var consent = await google.GetAsync(start.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, consent.StatusCode);
        using var callback = await browser.GetAsync(consent.Headers.Location!.PathAndQuery);
        Assert.True(callback.StatusCode == HttpStatusCode.OK, await callback.Content.ReadAsStringAsync());
        return (await callback.Content.ReadFromJsonAsync<AuthCallbackResult>())!.Account!.Id;
    }
}

internal static class SyncWait
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the condition did not hold within {timeout.TotalSeconds:0} s");
            await Task.Delay(100);
        }
    }
}
