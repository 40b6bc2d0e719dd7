using System.Diagnostics;
using System.Text.Json.Nodes;
using GmailAutomation.Common.Errors;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.GmailClient.Tests.Support;

namespace GmailAutomation.GmailClient.Tests;

/// <summary>
/// Faults injected by the emulator (429 storms, 503s, expired history) and what the client makes of them.
/// Faults are limited to each test's own mailbox and cleared afterwards.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class EmulatorResilienceTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private readonly string account = $"r{Guid.NewGuid():N}@example.com";

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => emulator.ClearFaultsAsync();

    [Fact]
    public async Task A_429_storm_ends_with_every_call_done_and_none_failed()
    {
        var ids = await SeedAsync(12);
        await using var host = await emulator.CreateClientAsync(account, Patient());
        await emulator.PutFaultsAsync(new { errorRates = new Dictionary<string, double> { ["429"] = 0.6 }, users = new[] { account }, seed = 42 });

        var singles = ids.Concat(ids).Select(id => host.Client.GetMessageAsync(account, id, MessageFormat.Minimal));
        var batch = host.Client.GetMessagesAsync(account, ids, MessageFormat.Minimal);
        var messages = await Task.WhenAll(singles).WaitAsync(TimeSpan.FromSeconds(60));
        var batched = await batch.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ids.Concat(ids), messages.Select(m => m.Id));
        Assert.All(batched, r => Assert.True(r.Succeeded, r.Error?.Message));
        Assert.True(host.Metrics.Sum("gmail.client.rate_limited") > 0, "the storm never hit");
        Assert.True(host.Metrics.Sum("gmail.client.retries", ("method", "batch")) > 0, "no inner batch call was retried");
        Assert.True(await InjectedAsync() > 0);
    }

    [Fact]
    public async Task Expired_history_is_a_not_found_the_sync_engine_can_tell_apart()
    {
        await SeedAsync(2);
        await using var host = await emulator.CreateClientAsync(account);
        var start = (await host.Client.GetProfileAsync(account)).HistoryId;
        await emulator.PutFaultsAsync(new { historyExpired = true, users = new[] { account } });

        var expired = await Assert.ThrowsAsync<GmailNotFoundException>(() => host.Client.ListHistoryAsync(account, new HistoryQuery { StartHistoryId = start }));

        Assert.True(expired.IsHistoryExpired);
        Assert.Equal("notFound", expired.Reason);
        Assert.Equal(0, host.Metrics.Sum("gmail.client.retries"));

        await emulator.ClearFaultsAsync();
        var page = await host.Client.ListHistoryAsync(account, new HistoryQuery { StartHistoryId = start });
        Assert.Null(page.History);
        Assert.Equal(start, page.HistoryId);
    }

    [Fact]
    public async Task The_breaker_opens_on_an_unavailable_method_group_and_closes_once_it_recovers()
    {
        var ids = await SeedAsync(1);
        await using var host = await emulator.CreateClientAsync(account, new()
        {
            ["Retry:MaxRetries"] = "0",
            ["CircuitBreaker:MinimumThroughput"] = "4",
            ["CircuitBreaker:BreakDuration"] = "00:00:01",
            ["CircuitBreaker:SamplingDuration"] = "00:05:00",
        });
        await emulator.PutFaultsAsync(new { errorRates = new Dictionary<string, double> { ["503"] = 1.0 }, methods = new[] { "messages.get" }, users = new[] { account } });

        for (var i = 0; i < 4; i++)
        {
            var failure = await Assert.ThrowsAsync<ExternalServiceException>(() => host.Client.GetMessageAsync(account, ids[0]));
            Assert.Equal(503, failure.UpstreamStatus);
        }

        var injectedBefore = await InjectedAsync();
        var open = await Assert.ThrowsAsync<ExternalServiceException>(() => host.Client.GetMessageAsync(account, ids[0]));
        var labels = await host.Client.ListLabelsAsync(account);

        Assert.Equal("circuitOpen", open.Reason);
        Assert.Equal(injectedBefore, await InjectedAsync());
        Assert.NotEmpty(labels);

        await emulator.ClearFaultsAsync();
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        var message = await host.Client.GetMessageAsync(account, ids[0]);

        Assert.Equal(ids[0], message.Id);
        Assert.Equal(1, host.Metrics.Sum("gmail.client.breaker.transitions", ("state", "open")));
        Assert.Equal(1, host.Metrics.Sum("gmail.client.breaker.transitions", ("state", "closed")));
    }

    [Fact]
    public async Task A_batch_with_rate_limited_and_missing_inner_calls_retries_only_what_can_succeed()
    {
        var ids = await SeedAsync(10);
        await using var host = await emulator.CreateClientAsync(account, Patient());
        await emulator.PutFaultsAsync(new { errorRates = new Dictionary<string, double> { ["429"] = 0.5 }, methods = new[] { "messages.get" }, users = new[] { account }, seed = 7 });
        var asked = ids.Append("00000000000000ff").ToList();

        var results = await host.Client.GetMessagesAsync(account, asked, MessageFormat.Minimal).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(results.Take(10), r => Assert.Equal(r.Id, r.Value?.Id));
        Assert.True(results[10].IsNotFound || results[10].Error is ExternalServiceException { UpstreamStatus: 404 });
        Assert.True(host.Metrics.Sum("gmail.client.retries", ("method", "batch")) > 0);
    }

    private static Dictionary<string, string?> Patient() => new()
    {
        ["Retry:MaxRetries"] = "15",
        ["Retry:BaseDelay"] = "00:00:00.010",
        ["Retry:MaxDelay"] = "00:00:00.200",
        ["CircuitBreaker:MinimumThroughput"] = "1000",
    };

    private async Task<long> InjectedAsync()
    {
        var faults = JsonNode.Parse(await emulator.Admin.GetStringAsync("emulator/faults"))!;
        return faults["injected"]!.AsObject().Sum(p => p.Value!.GetValue<long>());
    }

    private async Task<List<string>> SeedAsync(int messages)
    {
        await emulator.CreateMailboxAsync(account);
        var ids = new List<string>();
        for (var i = 0; i < messages; i++)
        {
            ids.Add((await emulator.ImportAsync(account, EmulatorFixture.Mail($"Message {i}"))).Id);
        }

        return ids;
    }
}

/// <summary>The shared Redis bucket against the emulator's own Gmail-like limit of 250 units/s.</summary>
public sealed class EmulatorQuotaTests(QuotaEmulatorFixture emulator) : IClassFixture<QuotaEmulatorFixture>
{
    [Fact]
    public async Task Two_client_instances_sharing_a_user_stay_within_the_budget_and_are_never_rate_limited()
    {
        const string account = "shared-quota@example.com";
        await emulator.CreateMailboxAsync(account);
        var (id, _) = await emulator.ImportAsync(account, EmulatorFixture.Mail("Quota"));
        var settings = new Dictionary<string, string?>
        {
            ["Quota:UnitsPerSecond"] = "200",
            ["Quota:KeyPrefix"] = $"shared:{Guid.NewGuid():N}:",
        };
        await using var first = await emulator.CreateClientAsync(account, new(settings));
        await using var second = await emulator.CreateClientAsync(account, new(settings));

        // Warm up (token exchange, JIT, connections) outside the measured window; the bucket is full again by then.
        await first.Client.GetMessageAsync(account, id, MessageFormat.Minimal);
        await second.Client.GetMessageAsync(account, id, MessageFormat.Minimal);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var warmUp = first.Metrics.Sum("gmail.client.quota.units") + second.Metrics.Sum("gmail.client.quota.units");
        var before = await emulator.GetQuotaAsync(account);
        var window = TimeSpan.FromSeconds(3);
        var clock = Stopwatch.StartNew();

        var workers = Enumerable.Range(0, 16).Select(async worker =>
        {
            var client = (worker % 2 == 0 ? first : second).Client;
            while (clock.Elapsed < window)
            {
                await client.GetMessageAsync(account, id, MessageFormat.Minimal);
            }
        });
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
        var elapsed = clock.Elapsed.TotalSeconds;

        // Every answer the emulator gives is seen by one of the two clients: their counters are the emulator's view.
        var charged = first.Metrics.Sum("gmail.client.quota.units") + second.Metrics.Sum("gmail.client.quota.units");
        var answered = first.Metrics.Sum("gmail.client.calls", ("status", 200)) + second.Metrics.Sum("gmail.client.calls", ("status", 200));
        Assert.Equal(0, first.Metrics.Sum("gmail.client.rate_limited") + second.Metrics.Sum("gmail.client.rate_limited"));
        Assert.Equal(charged, answered * 5);
        var units = charged - warmUp;

        // The emulator's own counters (GET /emulator/quota/{email}) agree: it refused nothing.
        var after = await emulator.GetQuotaAsync(account);
        Assert.Equal(0, after["rateLimited"]!.GetValue<long>() + after["tooManyConcurrent"]!.GetValue<long>());
        Assert.Equal(units, after["unitsCharged"]!.GetValue<long>() - before["unitsCharged"]!.GetValue<long>());
        Assert.True(units <= 200 + (200 * elapsed) + 10, $"{units} units in {elapsed:F2} s exceeds the 200 units/s budget");
        // A sanity floor only: the machine running the tests is shared and busy; the benchmark measures use precisely.
        Assert.True(units >= 0.5 * 200 * elapsed, $"only {units} units in {elapsed:F2} s");
    }
}
