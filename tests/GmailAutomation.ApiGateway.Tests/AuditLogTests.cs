using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GmailAutomation.ApiGateway.Audit;
using GmailAutomation.ApiGateway.Data;
using GmailAutomation.ApiGateway.Tests.Support;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GmailAutomation.ApiGateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class AuditLogTests(GatewayFixture fixture)
{
    private IEventBus Bus => fixture.Gateway.Services.GetRequiredService<IEventBus>();

    [Fact]
    public async Task Connecting_an_account_through_the_auth_service_is_in_the_owners_audit_log()
    {
        using var browser = new GatewayBrowser(fixture);
        await browser.SignInAsync();
        var accountId = await browser.ConnectAsync();

        var page = await WaitForEntriesAsync(browser, accountId, "?action=account.connected", 1);
        var entry = page.GetProperty("items")[0];
        Assert.Equal("AccountConnected", entry.GetProperty("eventType").GetString());
        Assert.Equal(browser.UserId, entry.GetProperty("userId").GetGuid());
        Assert.Equal("user", entry.GetProperty("decidedBy").GetString());
        Assert.False(string.IsNullOrEmpty(entry.GetProperty("correlationId").GetString()));
    }

    [Fact]
    public async Task Events_become_entries_once_each_with_decider_and_before_after_and_are_queryable_with_filters_and_paging()
    {
        using var browser = new GatewayBrowser(fixture);
        await browser.SignInAsync();
        var accountId = Guid.NewGuid();
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600);
        await Bus.PublishAsync(new AccountConnected { AccountId = accountId, EmailAddress = "mailbox@example.test", UserId = browser.UserId, CreatedAt = start });
        await WaitForEntriesAsync(browser, accountId, string.Empty, 1);

        var classified = Enumerable.Range(0, 25).Select(i => new EmailClassified
        {
            AccountId = accountId,
            GmailMessageId = $"m{i:D3}",
            ThreadId = $"t{i:D3}",
            Category = i % 2 == 0 ? "Newsletter" : "Work",
            Confidence = 0.9,
            DecidedBy = i % 2 == 0 ? ClassificationDecision.Rule("newsletter-list-id") : ClassificationDecision.Model("sdca-7"),
            CreatedAt = start.AddSeconds(i + 1),
        }).ToList();
        foreach (var e in classified)
        {
            await Bus.PublishAsync(e);
        }

        // At-least-once delivery: the same event twice is one entry.
        await Bus.PublishAsync(classified[3]);
        await Bus.PublishAsync(new PreferencesChanged { AccountId = accountId, Revision = 1, Preferences = new AccountPreferences { Tone = "friendly" }, CreatedAt = start.AddMinutes(1) });
        // Consumers run concurrently; the second snapshot is sent once the first is in, so its "before" is known.
        await WaitForEntriesAsync(browser, accountId, "?action=preferences.changed", 1);
        await Bus.PublishAsync(new PreferencesChanged { AccountId = accountId, Revision = 2, Preferences = new AccountPreferences { Tone = "formal" }, CreatedAt = start.AddMinutes(2) });
        await Bus.PublishAsync(new ReplyGenerated { AccountId = accountId, GmailMessageId = "m001", ThreadId = "t001", ReplyText = "Thanks!", Provider = "template", Model = "v1", CreatedAt = start.AddMinutes(3) });
        // Entries are listed in the order they were recorded; the draft follows its reply, as in the pipeline.
        await WaitForEntriesAsync(browser, accountId, "?action=reply.generated", 1);
        await Bus.PublishAsync(new DraftCreated { AccountId = accountId, GmailMessageId = "m001", ThreadId = "t001", DraftId = "r1", DraftMessageId = "dm1", CreatedAt = start.AddMinutes(4) });
        await Bus.PublishAsync(new AccountDisconnected { AccountId = accountId, Reason = AccountDisconnectReasons.TokenRevoked, CreatedAt = start.AddMinutes(5) });

        await WaitForEntriesAsync(browser, accountId, string.Empty, 31);
        Assert.Equal(25, await CountAsync(accountId, AuditActions.EmailClassified));

        // Paging: newest first, 10 at a time, no entry twice, none left out.
        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await GetAsync(browser, accountId, $"?limit=10{cursor}");
            var ids = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).ToList();
            Assert.InRange(ids.Count, 1, 10);
            Assert.Equal(ids.OrderDescending(), ids);
            seen.AddRange(ids);
            cursor = page.GetProperty("nextBefore").ValueKind == JsonValueKind.Null ? null : $"&before={page.GetProperty("nextBefore").GetInt64()}";
        }
        while (cursor is not null);
        Assert.Equal(31, seen.Count);
        Assert.Equal(31, seen.Distinct().Count());

        // Filters: action, message id, time range.
        var rules = await GetAsync(browser, accountId, "?action=email.classified&limit=200");
        Assert.Equal(25, rules.GetProperty("items").GetArrayLength());
        var message = await GetAsync(browser, accountId, "?messageId=m001");
        Assert.Equal(
            ["draft.created", "reply.generated", "email.classified"],
            message.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("action").GetString()));
        var reply = message.GetProperty("items")[1];
        Assert.Equal("provider:template/v1", reply.GetProperty("decidedBy").GetString());
        Assert.DoesNotContain("Thanks!", reply.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("model:sdca-7", message.GetProperty("items")[2].GetProperty("decidedBy").GetString());
        var window = await GetAsync(browser, accountId, $"?from={Uri.EscapeDataString(start.AddSeconds(1).ToString("O"))}&to={Uri.EscapeDataString(start.AddSeconds(6).ToString("O"))}");
        Assert.Equal(5, window.GetProperty("items").GetArrayLength());

        var preferences = (await GetAsync(browser, accountId, "?action=preferences.changed")).GetProperty("items");
        Assert.Equal("formal", preferences[0].GetProperty("after").GetProperty("tone").GetString());
        Assert.Equal("friendly", preferences[0].GetProperty("before").GetProperty("tone").GetString());
        Assert.Equal(JsonValueKind.Null, preferences[1].GetProperty("before").ValueKind);
        var disconnected = (await GetAsync(browser, accountId, "?action=account.disconnected")).GetProperty("items")[0];
        Assert.Equal("system", disconnected.GetProperty("decidedBy").GetString());
        Assert.Equal("token-revoked", disconnected.GetProperty("after").GetProperty("reason").GetString());

        using var badLimit = await browser.GetAsync($"/api/audit/accounts/{accountId}/entries?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);

        using var stranger = new GatewayBrowser(fixture);
        await stranger.SignInAsync();
        using var foreign = await stranger.GetAsync($"/api/audit/accounts/{accountId}/entries");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        using var unknown = await browser.GetAsync($"/api/audit/accounts/{Guid.NewGuid()}/entries");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_rule_change_is_one_entry_per_account_of_its_user_once_and_none_for_another_user()
    {
        using var browser = new GatewayBrowser(fixture);
        await browser.SignInAsync();
        using var stranger = new GatewayBrowser(fixture);
        await stranger.SignInAsync();
        var (first, second, foreign) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await Bus.PublishAsync(new AccountConnected { AccountId = first, EmailAddress = "first@example.test", UserId = browser.UserId });
        await Bus.PublishAsync(new AccountConnected { AccountId = second, EmailAddress = "second@example.test", UserId = browser.UserId });
        await Bus.PublishAsync(new AccountConnected { AccountId = foreign, EmailAddress = "foreign@example.test", UserId = stranger.UserId });
        foreach (var (who, account) in new[] { (browser, first), (browser, second), (stranger, foreign) })
        {
            await WaitForEntriesAsync(who, account, "?action=account.connected", 1);
        }

        var ruleId = Guid.NewGuid().ToString();
        var change = new ClassificationRulesChanged
        {
            UserId = browser.UserId,
            Action = ClassificationChangeActions.RuleUpdated,
            RuleId = ruleId,
            Revision = 7,
            Before = JsonSerializer.SerializeToElement(new { id = ruleId, name = "Invoices", enabled = true, position = 0 }),
            After = JsonSerializer.SerializeToElement(new { id = ruleId, name = "Invoices", enabled = false, position = 0 }),
        };
        // At-least-once delivery: the same event twice is still one entry per account.
        await Bus.PublishAsync(change);
        await Bus.PublishAsync(change);

        foreach (var (account, address) in new[] { (first, "first@example.test"), (second, "second@example.test") })
        {
            var entry = (await WaitForEntriesAsync(browser, account, "?action=rule.updated", 1)).GetProperty("items")[0];
            Assert.Equal(change.Id, entry.GetProperty("eventId").GetGuid());
            Assert.Equal("ClassificationRulesChanged", entry.GetProperty("eventType").GetString());
            Assert.Equal(browser.UserId, entry.GetProperty("userId").GetGuid());
            Assert.Equal(address, entry.GetProperty("accountEmail").GetString());
            Assert.Equal("user", entry.GetProperty("decidedBy").GetString());
            Assert.Equal(change.CorrelationId, entry.GetProperty("correlationId").GetString());
            Assert.True(entry.GetProperty("before").GetProperty("enabled").GetBoolean());
            Assert.False(entry.GetProperty("after").GetProperty("enabled").GetBoolean());
            Assert.Equal(ruleId, entry.GetProperty("after").GetProperty("id").GetString());
        }

        // A redelivery after both copies were handled adds nothing either.
        await using (var scope = fixture.Gateway.Services.CreateAsyncScope())
        {
            await ActivatorUtilities.CreateInstance<AuditEventHandler>(scope.ServiceProvider).Handle(change, CancellationToken.None);
        }

        Assert.Equal(new Guid?[] { first, second }.Order(), (await EntriesOfEventAsync(change.Id)).Order());
        var strangers = await GetAsync(stranger, foreign, string.Empty);
        Assert.Equal(["account.connected"], strangers.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("action").GetString()));
        using var peek = await stranger.GetAsync($"/api/audit/accounts/{first}/entries?action=rule.updated");
        Assert.Equal(HttpStatusCode.NotFound, peek.StatusCode);

        // A user with no known account: the change is still on record, once, without an account.
        var alone = new ClassificationRulesChanged { UserId = Guid.NewGuid(), Action = ClassificationChangeActions.CategoryAdded, After = JsonSerializer.SerializeToElement(new { name = "Travel" }) };
        await Bus.PublishAsync(alone);
        await WaitAsync(async () => (await EntriesOfEventAsync(alone.Id)).Count == 1);
        await using (var scope = fixture.Gateway.Services.CreateAsyncScope())
        {
            await ActivatorUtilities.CreateInstance<AuditEventHandler>(scope.ServiceProvider).Handle(alone, CancellationToken.None);
        }

        Assert.Equal([null], await EntriesOfEventAsync(alone.Id));
    }

    [Fact]
    public async Task A_correction_and_a_regeneration_request_are_entries_about_the_message_decided_by_the_user()
    {
        using var browser = new GatewayBrowser(fixture);
        await browser.SignInAsync();
        var accountId = Guid.NewGuid();
        await Bus.PublishAsync(new AccountConnected { AccountId = accountId, EmailAddress = "mailbox@example.test", UserId = browser.UserId });
        await WaitForEntriesAsync(browser, accountId, string.Empty, 1);

        var requestId = Guid.NewGuid();
        await Bus.PublishAsync(new ClassificationCorrected
        {
            AccountId = accountId,
            UserId = browser.UserId,
            GmailMessageId = "m42",
            ThreadId = "t42",
            PreviousCategory = "Receipt",
            Category = "Promotion",
            LabelIdsAdded = ["Label_9"],
            LabelIdsRemoved = ["Label_3"],
        });
        // Listed in the order recorded: the request follows the correction.
        await WaitForEntriesAsync(browser, accountId, "?action=category.corrected", 1);
        await Bus.PublishAsync(new DraftRegenerationRequested
        {
            AccountId = accountId,
            GmailMessageId = "m42",
            ThreadId = "t42",
            DraftId = "r-7",
            RequestId = requestId,
            PreviousProvider = "template",
        });

        var items = (await WaitForEntriesAsync(browser, accountId, "?messageId=m42", 2)).GetProperty("items");
        Assert.Equal(["draft.regeneration-requested", "category.corrected"], items.EnumerateArray().Select(i => i.GetProperty("action").GetString()));
        Assert.All(items.EnumerateArray(), i =>
        {
            Assert.Equal("user", i.GetProperty("decidedBy").GetString());
            Assert.Equal("t42", i.GetProperty("threadId").GetString());
            Assert.Equal(browser.UserId, i.GetProperty("userId").GetGuid());
        });

        var regeneration = items[0];
        Assert.Equal("template", regeneration.GetProperty("before").GetProperty("provider").GetString());
        Assert.Equal("r-7", regeneration.GetProperty("after").GetProperty("draftId").GetString());
        Assert.Equal(requestId, regeneration.GetProperty("after").GetProperty("requestId").GetGuid());
        var correction = items[1];
        Assert.Equal("Receipt", correction.GetProperty("before").GetProperty("category").GetString());
        Assert.Equal("Promotion", correction.GetProperty("after").GetProperty("category").GetString());
        Assert.Equal("Label_3", correction.GetProperty("after").GetProperty("labelIdsRemoved")[0].GetString());
    }

    [Fact]
    public async Task The_owner_of_an_account_whose_connect_event_was_not_seen_is_asked_of_the_auth_service()
    {
        using var browser = new GatewayBrowser(fixture);
        await browser.SignInAsync();
        var accountId = await browser.ConnectAsync();
        await WaitForEntriesAsync(browser, accountId, string.Empty, 1);
        await using (var scope = fixture.Gateway.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<GatewayDbContext>().AccountOwners.Where(o => o.AccountId == accountId).ExecuteDeleteAsync();
        }

        using var stranger = new GatewayBrowser(fixture);
        await stranger.SignInAsync();
        using var foreign = await stranger.GetAsync($"/api/audit/accounts/{accountId}/entries");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        using var own = await browser.GetAsync($"/api/audit/accounts/{accountId}/entries");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task Entries_cannot_be_updated_or_deleted_and_only_the_retention_job_removes_old_ones()
    {
        var accountId = Guid.NewGuid();
        var old = new DraftCreated { AccountId = accountId, GmailMessageId = "old", ThreadId = "t", DraftId = "d", DraftMessageId = "dm", CreatedAt = DateTimeOffset.UtcNow.AddDays(-400) };
        var recent = new DraftCreated { AccountId = accountId, GmailMessageId = "new", ThreadId = "t", DraftId = "d2", DraftMessageId = "dm2", CreatedAt = DateTimeOffset.UtcNow.AddDays(-2) };
        await Bus.PublishAsync(old);
        await Bus.PublishAsync(recent);
        await WaitAsync(async () => await CountAsync(accountId, AuditActions.DraftCreated) == 2);

        await using var connection = new NpgsqlConnection(fixture.AuditDbConnectionString);
        await connection.OpenAsync();
        await AssertRefusedAsync(connection, $"""UPDATE audit_entries SET "Action" = 'x' WHERE "AccountId" = '{accountId}'""");
        await AssertRefusedAsync(connection, $"""DELETE FROM audit_entries WHERE "AccountId" = '{accountId}'""");
        await AssertRefusedAsync(connection, "TRUNCATE audit_entries");

        await using var retention = fixture.CreateGateway(settings => settings["AuditRetention:Days"] = "30");
        // The job also runs on its own when the gateway starts; running it again finds nothing more to delete.
        await retention.Services.GetRequiredService<AuditRetentionJob>().PurgeAsync(CancellationToken.None);
        await using var scope = fixture.Gateway.Services.CreateAsyncScope();
        var left = await scope.ServiceProvider.GetRequiredService<GatewayDbContext>().AuditEntries.AsNoTracking()
            .Where(e => e.AccountId == accountId).Select(e => e.MessageId).ToListAsync();
        Assert.Equal(["new"], left);
    }

    private static async Task AssertRefusedAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
    }

    /// <summary>The accounts of the entries written for <paramref name="eventId"/> (null for an entry without an account).</summary>
    private async Task<List<Guid?>> EntriesOfEventAsync(Guid eventId)
    {
        await using var scope = fixture.Gateway.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<GatewayDbContext>().AuditEntries.AsNoTracking()
            .Where(e => e.EventId == eventId).Select(e => e.AccountId).ToListAsync();
    }

    private async Task<int> CountAsync(Guid accountId, string action)
    {
        await using var scope = fixture.Gateway.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<GatewayDbContext>().AuditEntries.CountAsync(e => e.AccountId == accountId && e.Action == action);
    }

    private static async Task<JsonElement> GetAsync(GatewayBrowser browser, Guid accountId, string query)
    {
        using var response = await browser.GetAsync($"/api/audit/accounts/{accountId}/entries{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<JsonElement> WaitForEntriesAsync(GatewayBrowser browser, Guid accountId, string query, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var separator = query.Length == 0 ? "?" : "&";
        while (true)
        {
            using var response = await browser.GetAsync($"/api/audit/accounts/{accountId}/entries{query}{separator}limit=200");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                if (page.GetProperty("items").GetArrayLength() >= count)
                {
                    return page;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"Fewer than {count} audit entries for {accountId} after 30 s (last answer {(int)response.StatusCode}).");
            await Task.Delay(100);
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 30 s.");
            await Task.Delay(100);
        }
    }
}
