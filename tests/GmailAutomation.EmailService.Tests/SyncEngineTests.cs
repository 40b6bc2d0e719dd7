using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using GmailAutomation.EmailService.Data;
using GmailAutomation.EmailService.Sync;
using GmailAutomation.EmailService.Tests.Support;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.EmailService.Tests;

/// <summary>The sync engine against the real emulator, Redis, PostgreSQL and RabbitMQ.</summary>
[Collection(SyncCollection.Name)]
public sealed class SyncEngineTests(SyncEnvironment env)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Initial_sync_publishes_one_event_per_window_message_and_none_outside_it()
    {
        var group = await SyncGroup.CreateAsync(env);
        var (accountId, email) = await group.AddMailboxAsync();
        var now = DateTimeOffset.UtcNow;
        var inside = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            inside.Add(await env.ImportAsync(email, SyncEnvironment.Mail($"inside {i}"), now.AddHours(-i * 20)));
        }

        var outside = new List<string>
        {
            await env.ImportAsync(email, SyncEnvironment.Mail("too old"), now.AddDays(-45)),
            await env.ImportAsync(email, SyncEnvironment.Mail("a draft"), now.AddHours(-1), ["DRAFT"]),
        };

        await using var host = group.StartReplica();
        await host.ConnectAsync(accountId, email);
        await SyncEnvironment.WaitUntilAsync(() => env.Completed(accountId).Count == 1, Patience, "SyncCompleted");
        await Task.Delay(300);

        var received = env.ReceivedIds(accountId);
        Assert.Equal(inside.Order(), received.Order());
        Assert.DoesNotContain(received, outside.Contains);
        Assert.Equal(25, env.Completed(accountId)[0]["messagesSynced"]!.GetValue<int>());

        var first = env.Received(accountId).Single(e => e["gmailMessageId"]!.GetValue<string>() == inside[0]);
        Assert.Equal("inside 0", first["subject"]!.GetValue<string>());
        Assert.Equal("alice@example.com", first["from"]!["address"]!.GetValue<string>());
        Assert.Contains("Hello there.", first["bodyText"]!.GetValue<string>());
        Assert.Equal("initial", first["source"]!.GetValue<string>());

        var account = await host.AccountAsync(accountId);
        Assert.Equal(SyncPhase.Incremental, account!.Phase);
        Assert.NotNull(account.HistoryId);
    }

    [Fact]
    public async Task A_restart_in_the_middle_of_an_initial_sync_resumes_without_gaps()
    {
        var group = await SyncGroup.CreateAsync(env);
        group.Settings["Gmail:Quota:UnitsPerSecond"] = "300";
        var (accountId, email) = await group.AddMailboxAsync();
        var now = DateTimeOffset.UtcNow;
        var seeded = new List<string>();
        for (var i = 0; i < 400; i++)
        {
            seeded.Add(await env.ImportAsync(email, SyncEnvironment.Mail($"m{i}"), now.AddMinutes(-i * 5)));
        }

        var host = group.StartReplica("first");
        await host.ConnectAsync(accountId, email);
        await SyncEnvironment.WaitUntilAsync(() => env.ReceivedIds(accountId).Count >= 100, Patience, "the first pages");
        await host.DisposeAsync();
        var beforeRestart = env.ReceivedIds(accountId).Count;
        Assert.True(beforeRestart < seeded.Count, "the sync finished before the stop; the test proves nothing");

        await using var second = group.StartReplica("second");
        await SyncEnvironment.WaitUntilAsync(() => env.Completed(accountId).Count == 1, Patience, "SyncCompleted after the restart");
        await Task.Delay(300);

        var received = env.ReceivedIds(accountId);
        Assert.Equal(seeded.ToHashSet(), received.ToHashSet());
        var duplicates = received.Count - received.Distinct().Count();

        // The page in flight at the stop is the most that can come again (one batch of 100).
        Assert.InRange(duplicates, 0, 100);
        Console.WriteLine($"restart: {beforeRestart} before the stop, {received.Count} events in all, {duplicates} duplicates");
    }

    [Fact]
    public async Task Replicas_starting_together_on_a_new_database_both_start()
    {
        // Both read "nothing applied" on a new database unless migrating is serialized as a whole; the loser then
        // failed at start-up on a column the winner had just added.
        var group = await SyncGroup.CreateAsync(env);
        await using var first = group.StartReplica("first");
        await using var second = group.StartReplica("second");
        await Task.WhenAll(Task.Run(() => first.Services), Task.Run(() => second.Services));

        // Both are up, on the whole schema.
        var unknown = Guid.NewGuid();
        Assert.Null(await first.AccountAsync(unknown));
        Assert.Null(await second.AccountAsync(unknown));
    }

    [Fact]
    public async Task Accounts_take_turns_in_the_outbox_so_a_small_account_is_not_queued_behind_a_large_page()
    {
        var group = await SyncGroup.CreateAsync(env);
        await using var host = group.StartReplica();
        var (large, small) = (Guid.NewGuid(), Guid.NewGuid());

        // One commit, as an initial sync's page would be: ten events of the large account, then three of the small one.
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<EmailDbContext>();
            var now = DateTimeOffset.UtcNow;
            foreach (var (account, count) in new[] { (large, 10), (small, 3) })
            {
                for (var i = 0; i < count; i++)
                {
                    db.Outbox.Add(OutboxPublisher.ToOutbox(
                        new EmailReceived { AccountId = account, GmailMessageId = $"{account:N}-{i}", ThreadId = $"t{i}", Subject = $"m{i}" }, now));
                }
            }

            await db.SaveChangesAsync();
        }

        host.Services.GetRequiredService<OutboxPublisher>().Notify();
        await SyncEnvironment.WaitUntilAsync(() => env.Received(large).Count == 10 && env.Received(small).Count == 3, Patience, "every outbox event");

        var order = env.Events.Where(e => e.Type == "EmailReceived")
            .Select(e => e.Body["gmailMessageId"]!.GetValue<string>())
            .Where(id => id.StartsWith(large.ToString("N"), StringComparison.Ordinal) || id.StartsWith(small.ToString("N"), StringComparison.Ordinal))
            .ToList();

        // Two of each account per round: the small account's three are out within the first two rounds (seven events), not after all ten.
        var lastSmall = order.FindLastIndex(id => id.StartsWith(small.ToString("N"), StringComparison.Ordinal));
        Assert.InRange(lastSmall, 0, 6);

        // The first round is each account's two oldest (a round's publishes overlap, so their order within it is free).
        Assert.Equal(new[] { $"{large:N}-0", $"{large:N}-1", $"{small:N}-0", $"{small:N}-1" }.Order(), order.Take(4).Order());
        Assert.Equal(13, order.Distinct().Count());
    }

    [Fact]
    public async Task A_delivered_message_arrives_through_push_within_two_seconds()
    {
        var group = await SyncGroup.CreateAsync(env);
        var (accountId, email) = await group.AddMailboxAsync();
        await env.ImportAsync(email, SyncEnvironment.Mail("old"), DateTimeOffset.UtcNow.AddDays(-1));
        await using var host = group.StartReplica();
        await env.SubscribePushAsync(group.Topic, host.PushUrl);
        await host.ConnectAsync(accountId, email);
        await SyncEnvironment.WaitUntilAsync(() => env.Completed(accountId).Count == 1, Patience, "the initial sync");
        await SyncEnvironment.WaitUntilAsync(() => host.AccountAsync(accountId).Result?.WatchExpiresAt is not null, Patience, "the watch");

        var started = DateTime.UtcNow;
        var id = await env.DeliverAsync(email, SyncEnvironment.Mail("fresh"));
        await SyncEnvironment.WaitUntilAsync(() => env.ReceivedIds(accountId).Contains(id), TimeSpan.FromSeconds(2), "EmailReceived through push");
        var took = DateTime.UtcNow - started;

        var fresh = env.Received(accountId).Single(e => e["gmailMessageId"]!.GetValue<string>() == id);
        Assert.Equal("incremental", fresh["source"]!.GetValue<string>());
        Assert.Contains("INBOX", fresh["labelIds"]!.AsArray().Select(l => l!.GetValue<string>()));
        Console.WriteLine($"push: delivered to EmailReceived in {took.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task With_push_disabled_polling_finds_a_delivered_message()
    {
        var group = await SyncGroup.CreateAsync(env);
        group.Settings["EmailSync:PushEnabled"] = "false";
        group.Settings["EmailSync:DefaultPollingInterval"] = "00:00:00.500";
        var (accountId, email) = await group.AddMailboxAsync();
        await using var host = group.StartReplica();
        await host.ConnectAsync(accountId, email);
        await SyncEnvironment.WaitUntilAsync(() => env.Completed(accountId).Count == 1, Patience, "the initial sync");

        var id = await env.DeliverAsync(email, SyncEnvironment.Mail("polled"));
        await SyncEnvironment.WaitUntilAsync(() => env.ReceivedIds(accountId).Contains(id), TimeSpan.FromSeconds(10), "EmailReceived through polling");
        Assert.Null((await host.AccountAsync(accountId))!.WatchExpiresAt);
    }

    [Fact]
    public async Task Expired_history_resyncs_the_window_losing_nothing_and_republishing_nothing()
    {
        var group = await SyncGroup.CreateAsync(env);
        group.Settings["EmailSync:PushEnabled"] = "false";
        group.Settings["EmailSync:DefaultPollingInterval"] = "00:00:00.300";
        var (accountId, email) = await group.AddMailboxAsync();
        var old = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            old.Add(await env.ImportAsync(email, SyncEnvironment.Mail($"old {i}"), DateTimeOffset.UtcNow.AddHours(-i - 1)));
        }

        await using var host = group.StartReplica();
        await host.ConnectAsync(accountId, email);
        await SyncEnvironment.WaitUntilAsync(() => env.Completed(accountId).Count == 1, Patience, "the initial sync");

        try
        {
            await env.PutFaultsAsync(new { historyExpired = true, users = new[] { email } });
            var fresh = await env.DeliverAsync(email, SyncEnvironment.Mail("arrived while history expired"));
            await SyncEnvironment.WaitUntilAsync(() => env.ReceivedIds(accountId).Contains(fresh), Patience, "the message found by the re-sync");
        }
        finally
        {
            await env.ClearFaultsAsync();
        }

        await Task.Delay(500);
        var received = env.ReceivedIds(accountId);
        Assert.Equal(received.Count, received.Distinct().Count());
        Assert.Equal(11, received.Count);
        var account = await host.AccountAsync(accountId);
        Assert.True(account!.ResyncCount >= 1);
        Assert.Equal("history-expired", account.LastResyncReason);
        Assert.True(account.Skipped >= 10, $"the re-sync skipped {account.Skipped} processed messages");
    }

    [Fact]
    public async Task Two_replicas_share_twenty_accounts_and_sync_each_once()
    {
        var group = await SyncGroup.CreateAsync(env);
        group.Settings["EmailSync:PushEnabled"] = "false";
        var accounts = new List<(Guid Id, string Email, List<string> Ids)>();
        for (var a = 0; a < 20; a++)
        {
            var (id, email) = await group.AddMailboxAsync();
            var ids = new List<string>();
            for (var m = 0; m < 4; m++)
            {
                ids.Add(await env.ImportAsync(email, SyncEnvironment.Mail($"a{a} m{m}"), DateTimeOffset.UtcNow.AddHours(-m - 1)));
            }

            accounts.Add((id, email, ids));
        }

        await using var first = group.StartReplica("a");
        await using var second = group.StartReplica("b");
        foreach (var (id, email, _) in accounts)
        {
            await first.ConnectAsync(id, email);
        }

        await SyncEnvironment.WaitUntilAsync(() => accounts.All(a => env.Completed(a.Id).Count >= 1), Patience, "every account's initial sync");
        await Task.Delay(500);

        foreach (var (id, _, ids) in accounts)
        {
            Assert.Single(env.Completed(id));
            var received = env.ReceivedIds(id);
            Assert.Equal(ids.Order(), received.Order());
        }

        var ownedByFirst = first.Services.GetRequiredService<SyncScheduler>().Owned;
        var ownedBySecond = second.Services.GetRequiredService<SyncScheduler>().Owned;
        Assert.Empty(ownedByFirst.Intersect(ownedBySecond));
        Assert.NotEmpty(ownedByFirst);
        Assert.NotEmpty(ownedBySecond);
        Assert.Equal(20, ownedByFirst.Count + ownedBySecond.Count);
    }

    [Fact]
    public async Task A_dead_replicas_accounts_are_picked_up_after_its_lease_expires()
    {
        var group = await SyncGroup.CreateAsync(env);
        group.Settings["EmailSync:PushEnabled"] = "false";
        group.Settings["EmailSync:DefaultPollingInterval"] = "00:00:00.300";
        var (accountId, email) = await group.AddMailboxAsync();
        var doomed = group.StartReplica("doomed");
        await doomed.ConnectAsync(accountId, email);
        await SyncEnvironment.WaitUntilAsync(() => env.Completed(accountId).Count == 1, Patience, "the initial sync");
        await using var survivor = group.StartReplica("survivor");
        await Task.Delay(500);
        Assert.Contains(accountId, doomed.Services.GetRequiredService<SyncScheduler>().Owned);
        Assert.DoesNotContain(accountId, survivor.Services.GetRequiredService<SyncScheduler>().Owned);

        // A crash gives nothing back: the lease stays with a holder that never renews it (3 s in these tests).
        var redis = survivor.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>();
        await redis.GetDatabase().StringSetAsync("emailsync:lease:" + accountId.ToString("N"), "crashed-replica", TimeSpan.FromSeconds(3));
        await doomed.DisposeAsync();
        await Task.Delay(500);
        Assert.DoesNotContain(accountId, survivor.Services.GetRequiredService<SyncScheduler>().Owned);

        await SyncEnvironment.WaitUntilAsync(() => survivor.Services.GetRequiredService<SyncScheduler>().Owned.Contains(accountId), TimeSpan.FromSeconds(15), "the survivor taking the account");
        var id = await env.DeliverAsync(email, SyncEnvironment.Mail("after the crash"));
        await SyncEnvironment.WaitUntilAsync(() => env.ReceivedIds(accountId).Contains(id), TimeSpan.FromSeconds(15), "the survivor syncing the account");
        Assert.Single(env.ReceivedIds(accountId));
    }

    [Fact]
    public async Task Every_message_arrives_through_5xx_errors_and_429_bursts()
    {
        var group = await SyncGroup.CreateAsync(env);
        group.Settings["EmailSync:PushEnabled"] = "false";
        group.Settings["EmailSync:DefaultPollingInterval"] = "00:00:00.300";
        var (accountId, email) = await group.AddMailboxAsync();
        var seeded = new List<string>();
        for (var i = 0; i < 120; i++)
        {
            seeded.Add(await env.ImportAsync(email, SyncEnvironment.Mail($"f{i}"), DateTimeOffset.UtcNow.AddMinutes(-i * 10)));
        }

        try
        {
            await env.PutFaultsAsync(new
            {
                errorRates = new Dictionary<string, double> { ["500"] = 0.05, ["503"] = 0.05 },
                rateLimitBurst = new { every = "00:00:02", duration = "00:00:00.300" },
                users = new[] { email },
                seed = 7,
            });
            await using var host = group.StartReplica();
            await host.ConnectAsync(accountId, email);
            await SyncEnvironment.WaitUntilAsync(() => env.Completed(accountId).Count == 1, TimeSpan.FromSeconds(90), "the initial sync through faults");
            var delivered = await env.DeliverAsync(email, SyncEnvironment.Mail("through faults"));
            seeded.Add(delivered);
            await SyncEnvironment.WaitUntilAsync(() => env.ReceivedIds(accountId).Contains(delivered), TimeSpan.FromSeconds(60), "the delivered message through faults");
            Assert.Equal(seeded.ToHashSet(), env.ReceivedIds(accountId).ToHashSet());
        }
        finally
        {
            await env.ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task The_status_api_shows_only_the_users_accounts_and_starts_a_resync()
    {
        var group = await SyncGroup.CreateAsync(env);
        group.Settings["EmailSync:PushEnabled"] = "false";
        var (accountId, email) = await group.AddMailboxAsync();
        for (var i = 0; i < 3; i++)
        {
            await env.ImportAsync(email, SyncEnvironment.Mail($"s{i}"), DateTimeOffset.UtcNow.AddHours(-i - 1));
        }

        await using var host = group.StartReplica();
        await host.ConnectAsync(accountId, email);
        await SyncEnvironment.WaitUntilAsync(() => env.Completed(accountId).Count == 1, Patience, "the initial sync");
        var owner = Guid.NewGuid();
        await host.UpdateAccountAsync(accountId, a => a.UserId = owner);
        var tokens = host.Services.GetRequiredService<UserIdentityTokens>();
        using var http = host.Http();

        using var anonymous = await http.GetAsync("api/sync/accounts");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        http.DefaultRequestHeaders.Add(UserIdentityTokens.HeaderName, tokens.Issue(Guid.NewGuid(), "someone@example.com"));
        using var stranger = await http.GetAsync($"api/sync/accounts/{accountId}");
        Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);

        http.DefaultRequestHeaders.Remove(UserIdentityTokens.HeaderName);
        http.DefaultRequestHeaders.Add(UserIdentityTokens.HeaderName, tokens.Issue(owner, "owner@example.com"));
        var list = JsonNode.Parse(await http.GetStringAsync("api/sync/accounts"))!.AsArray();
        var status = Assert.Single(list)!;
        Assert.Equal("Incremental", status["phase"]!.GetValue<string>());
        Assert.Equal(3, status["done"]!.GetValue<int>());
        Assert.True(status["quotaUnitsUsed"]!.GetValue<long>() >= 3 * 5, "messages.get costs 5 units each");
        Assert.NotNull(status["historyId"]);

        // The same units, per minute: the sync just ran, so the last minutes hold all of them.
        var quota = JsonNode.Parse(await http.GetStringAsync($"api/sync/accounts/{accountId}/quota?minutes=10"))!["points"]!.AsArray();
        Assert.Equal(10, quota.Count);
        Assert.Equal(status["quotaUnitsUsed"]!.GetValue<long>(), quota.Sum(p => p!["units"]!.GetValue<long>()));
        using (var tooLong = await http.GetAsync($"api/sync/accounts/{accountId}/quota?minutes=5000"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        }

        using var resync = await http.PostAsync($"api/sync/accounts/{accountId}/resync", null);
        Assert.Equal(HttpStatusCode.Accepted, resync.StatusCode);
        await SyncEnvironment.WaitUntilAsync(() => host.AccountAsync(accountId).Result is { ResyncCount: 1, Phase: SyncPhase.Incremental }, Patience, "the requested re-sync");
        var after = await host.AccountAsync(accountId);
        Assert.Equal("requested", after!.LastResyncReason);
        Assert.Equal(3, env.ReceivedIds(accountId).Count);
    }

    [Fact]
    public async Task Pausing_applies_the_snapshot_stops_the_watch_and_the_sync_and_resuming_starts_both_again()
    {
        var group = await SyncGroup.CreateAsync(env);
        var (accountId, email) = await group.AddMailboxAsync();
        await using var host = group.StartReplica();
        await env.SubscribePushAsync(group.Topic, host.PushUrl);
        await host.ConnectAsync(accountId, email);
        await SyncEnvironment.WaitUntilAsync(() => env.Completed(accountId).Count == 1, Patience, "the initial sync");
        await SyncEnvironment.WaitUntilAsync(() => host.AccountAsync(accountId).Result?.WatchExpiresAt is not null, Patience, "the watch");
        Assert.True(await env.IsWatchedAsync(email));

        await host.PublishAsync(new PreferencesChanged
        {
            AccountId = accountId,
            Revision = 3,
            Preferences = new AccountPreferences { Paused = true, InitialSyncDays = 14, SyncBatchSize = 20, PollingIntervalSeconds = 600, AdaptivePolling = false },
        });
        await SyncEnvironment.WaitUntilAsync(() => !env.IsWatchedAsync(email).Result, TimeSpan.FromSeconds(10), "users.stop after the pause");
        var paused = (await host.AccountAsync(accountId))!;
        Assert.True(paused.Paused);
        Assert.Equal(14, paused.WindowDays);
        Assert.Equal(20, paused.BatchSize);
        Assert.Equal(600, paused.PollingIntervalSeconds);
        Assert.False(paused.AdaptivePolling);
        Assert.Equal(3, paused.PreferencesRevision);
        Assert.Null(paused.WatchExpiresAt);

        // Paused: no sync and no watch renewal, however long it lasts.
        var whilePaused = await env.DeliverAsync(email, SyncEnvironment.Mail("while paused"));
        await Task.Delay(1500);
        Assert.DoesNotContain(accountId, host.Services.GetRequiredService<SyncScheduler>().Owned);
        Assert.DoesNotContain(whilePaused, env.ReceivedIds(accountId));
        Assert.False(await env.IsWatchedAsync(email));

        // An older snapshot arriving late changes nothing.
        await host.PublishAsync(new PreferencesChanged { AccountId = accountId, Revision = 2, Preferences = new AccountPreferences { Paused = false } });
        await Task.Delay(500);
        Assert.True((await host.AccountAsync(accountId))!.Paused);

        await host.PublishAsync(new PreferencesChanged { AccountId = accountId, Revision = 4, Preferences = new AccountPreferences { Paused = false } });
        await SyncEnvironment.WaitUntilAsync(() => env.ReceivedIds(accountId).Contains(whilePaused), Patience, "the mail of the pause after resuming");
        await SyncEnvironment.WaitUntilAsync(() => env.IsWatchedAsync(email).Result, Patience, "the watch after resuming");
        Assert.Single(env.ReceivedIds(accountId), whilePaused);
    }

    [Fact]
    public async Task The_push_webhook_refuses_bad_tokens_bad_envelopes_and_unknown_accounts()
    {
        var group = await SyncGroup.CreateAsync(env);
        await using var host = group.StartReplica();
        using var http = host.Http();
        static object Envelope(string json) => new { message = new { data = Convert.ToBase64String(Encoding.UTF8.GetBytes(json)), messageId = "1" }, subscription = "projects/p/subscriptions/s" };

        using var wrongToken = await http.PostAsJsonAsync("api/push/gmail?token=wrong-token-0123456789", Envelope("{\"emailAddress\":\"a@example.com\",\"historyId\":5}"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongToken.StatusCode);

        using var noData = await http.PostAsJsonAsync($"api/push/gmail?token={SyncGroup.PushToken}", new { message = new { messageId = "1" } });
        Assert.Equal(HttpStatusCode.BadRequest, noData.StatusCode);

        using var unknown = await http.PostAsJsonAsync($"api/push/gmail?token={SyncGroup.PushToken}", Envelope("{\"emailAddress\":\"nobody@example.com\",\"historyId\":5}"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
