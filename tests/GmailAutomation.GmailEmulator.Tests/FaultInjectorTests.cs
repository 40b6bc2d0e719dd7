using GmailAutomation.Common.Errors;
using GmailAutomation.GmailEmulator.Faults;
using GmailAutomation.GmailEmulator.Hosting;
using GmailAutomation.GmailEmulator.Tests.GoogleSide;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>Fault injection: error rates, deterministic fail-next, 429 bursts, latency, expired history.</summary>
public sealed class FaultInjectorTests
{
    private const string Alice = "alice@example.com";

    [Fact]
    public async Task No_faults_are_injected_by_default()
    {
        await using var google = GoogleSideServices.Create();
        var faults = google.Get<IFaultInjector>();

        for (var i = 0; i < 200; i++)
        {
            Assert.Null(await faults.BeforeCallAsync(Alice, "messages.get", CancellationToken.None));
        }

        Assert.False(faults.HistoryExpired);
    }

    [Fact]
    public async Task Error_rates_inject_each_status_at_about_its_rate()
    {
        await using var google = GoogleSideServices.Create();
        google.Get<FaultInjector>().Apply(new FaultSettings { ErrorRates = { ["500"] = 0.2, ["503"] = 0.1 }, Seed = 7 });
        var faults = google.Get<IFaultInjector>();

        var outcomes = new List<int?>();
        for (var i = 0; i < 4000; i++)
        {
            outcomes.Add((await faults.BeforeCallAsync(Alice, "messages.get", CancellationToken.None))?.StatusCode);
        }

        var failed500 = outcomes.Count(o => o == 500);
        var failed503 = outcomes.Count(o => o == 503);
        Assert.InRange(failed500, 700, 900);
        Assert.InRange(failed503, 320, 480);
        Assert.Equal(4000, failed500 + failed503 + outcomes.Count(o => o is null));

        var statistics = google.Get<FaultInjector>().Statistics();
        Assert.Equal(failed500, statistics.Injected["500"]);
        Assert.Equal(failed503, statistics.Injected["503"]);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_sequence_of_faults()
    {
        async Task<List<int?>> RunAsync()
        {
            await using var google = GoogleSideServices.Create();
            google.Get<FaultInjector>().Apply(new FaultSettings { ErrorRates = { ["500"] = 0.5 }, Seed = 1234 });
            var outcomes = new List<int?>();
            for (var i = 0; i < 100; i++)
            {
                outcomes.Add((await google.Get<IFaultInjector>().BeforeCallAsync(Alice, "messages.list", CancellationToken.None))?.StatusCode);
            }

            return outcomes;
        }

        var first = await RunAsync();
        Assert.Equal(first, await RunAsync());
        Assert.Contains(500, first);
        Assert.Contains(null, first);
    }

    [Fact]
    public async Task Fail_next_fails_exactly_that_many_calls()
    {
        await using var google = GoogleSideServices.Create();
        var injector = google.Get<FaultInjector>();
        injector.Apply(new FaultSettings { FailNext = new FailNextSettings { Count = 3, StatusCode = 503 } });

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(503, (await injector.BeforeCallAsync(Alice, "history.list", CancellationToken.None))?.StatusCode);
        }

        Assert.Equal(0, injector.Current().FailNext!.Count);
        Assert.Null(await injector.BeforeCallAsync(Alice, "history.list", CancellationToken.None));
    }

    [Fact]
    public async Task Method_and_user_filters_limit_where_faults_land()
    {
        await using var google = GoogleSideServices.Create();
        var injector = google.Get<FaultInjector>();
        injector.Apply(new FaultSettings { ErrorRates = { ["500"] = 1.0 }, Methods = ["messages.get"], Users = [Alice] });

        Assert.Equal(500, (await injector.BeforeCallAsync(Alice, "gmail.users.messages.get", CancellationToken.None))?.StatusCode);
        Assert.Equal(500, (await injector.BeforeCallAsync("ALICE@example.com", "messages.get", CancellationToken.None))?.StatusCode);
        Assert.Null(await injector.BeforeCallAsync(Alice, "messages.list", CancellationToken.None));
        Assert.Null(await injector.BeforeCallAsync("bob@example.com", "messages.get", CancellationToken.None));
    }

    [Fact]
    public async Task Rate_limit_bursts_answer_429_during_each_window_only()
    {
        await using var google = GoogleSideServices.Create();
        var injector = google.Get<FaultInjector>();
        injector.Apply(new FaultSettings { RateLimitBurst = new RateLimitBurstSettings { Every = TimeSpan.FromSeconds(10), Duration = TimeSpan.FromSeconds(2) } });

        async Task<int?> CallAsync() => (await injector.BeforeCallAsync(Alice, "messages.get", CancellationToken.None))?.StatusCode;

        Assert.Equal(429, await CallAsync());
        google.Time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(429, await CallAsync());
        google.Time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Null(await CallAsync());
        google.Time.Advance(TimeSpan.FromSeconds(7));
        Assert.Null(await CallAsync());
        google.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(429, await CallAsync());
    }

    [Fact]
    public async Task Added_latency_holds_the_call_until_the_clock_has_moved_on()
    {
        await using var google = GoogleSideServices.Create();
        var injector = google.Get<FaultInjector>();
        injector.Apply(new FaultSettings { Latency = new LatencySettings { Added = TimeSpan.FromSeconds(2), Probability = 1 } });

        var call = injector.BeforeCallAsync(Alice, "messages.get", CancellationToken.None).AsTask();
        Assert.False(call.IsCompleted);

        google.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(call.IsCompleted);

        google.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await call.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, injector.Statistics().DelayedCalls);
    }

    [Fact]
    public async Task Latency_with_probability_zero_never_delays()
    {
        await using var google = GoogleSideServices.Create();
        var injector = google.Get<FaultInjector>();
        injector.Apply(new FaultSettings { Latency = new LatencySettings { Added = TimeSpan.FromSeconds(2), Probability = 0 } });

        var call = injector.BeforeCallAsync(Alice, "messages.get", CancellationToken.None);
        Assert.True(call.IsCompleted);
        Assert.Equal(0, injector.Statistics().DelayedCalls);
    }

    [Fact]
    public async Task History_expired_switch_is_reported_to_the_history_endpoint()
    {
        await using var google = GoogleSideServices.Create();
        var injector = google.Get<FaultInjector>();

        injector.Apply(new FaultSettings { HistoryExpired = true });
        Assert.True(google.Get<IFaultInjector>().HistoryExpired);
        Assert.Null(await injector.BeforeCallAsync(Alice, "history.list", CancellationToken.None));

        injector.Apply(new FaultSettings());
        Assert.False(google.Get<IFaultInjector>().HistoryExpired);
    }

    [Theory]
    [InlineData("500", 0.7, "503", 0.5)]
    [InlineData("200", 0.1, "503", 0.1)]
    [InlineData("500", -0.1, "503", 0.1)]
    [InlineData("abc", 0.1, "503", 0.1)]
    public async Task Invalid_error_rates_are_rejected(string status1, double rate1, string status2, double rate2)
    {
        await using var google = GoogleSideServices.Create();
        var injector = google.Get<FaultInjector>();

        var error = Assert.Throws<ValidationException>(() => injector.Apply(new FaultSettings { ErrorRates = { [status1] = rate1, [status2] = rate2 } }));
        Assert.NotEmpty(error.Errors);
        Assert.Null(await injector.BeforeCallAsync(Alice, "messages.get", CancellationToken.None));
    }

    [Fact]
    public async Task A_burst_longer_than_its_period_is_rejected()
    {
        await using var google = GoogleSideServices.Create();
        var error = Assert.Throws<ValidationException>(() => google.Get<FaultInjector>().Apply(
            new FaultSettings { RateLimitBurst = new RateLimitBurstSettings { Every = TimeSpan.FromSeconds(1), Duration = TimeSpan.FromSeconds(2) } }));
        Assert.Contains("rateLimitBurst", error.Errors.Keys);
    }

    [Fact]
    public async Task Configured_faults_apply_from_start_and_reset_returns_to_them()
    {
        await using var google = GoogleSideServices.Create(("Emulator:Faults:ErrorRates:503", "1"), ("Emulator:Faults:HistoryExpired", "true"));
        var injector = google.Get<FaultInjector>();

        Assert.Equal(503, (await injector.BeforeCallAsync(Alice, "messages.get", CancellationToken.None))?.StatusCode);
        Assert.True(injector.HistoryExpired);

        injector.Apply(new FaultSettings());
        Assert.Null(await injector.BeforeCallAsync(Alice, "messages.get", CancellationToken.None));

        foreach (var resettable in google.GetAll<IEmulatorResettable>())
        {
            resettable.Reset();
        }

        Assert.Equal(503, (await injector.BeforeCallAsync(Alice, "messages.get", CancellationToken.None))?.StatusCode);
        Assert.Equal(1, injector.Statistics().Injected["503"]);
    }

    [Fact]
    public async Task Invalid_fault_configuration_fails_at_start()
    {
        await using var services = GoogleSideServices.Create(("Emulator:Faults:ErrorRates:503", "1.5"));
        var error = Assert.ThrowsAny<Exception>(() => services.Get<Microsoft.Extensions.Options.IOptions<FaultSettings>>().Value);
        Assert.Contains("Emulator:Faults", error.Message);
    }
}
