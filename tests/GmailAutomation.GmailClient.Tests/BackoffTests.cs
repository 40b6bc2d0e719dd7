using GmailAutomation.GmailClient.Resilience;

namespace GmailAutomation.GmailClient.Tests;

public class BackoffTests
{
    private readonly GmailRetryOptions options = new() { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(32) };

    [Fact]
    public void Doubles_each_attempt_with_at_most_one_base_delay_of_jitter()
    {
        var random = new Random(7);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var floor = TimeSpan.FromSeconds(Math.Pow(2, attempt));
            var delay = GmailBackoff.Delay(attempt, null, options, random);
            Assert.InRange(delay, floor, floor + options.BaseDelay);
        }
    }

    [Fact]
    public void Jitter_spreads_clients_apart()
    {
        var random = new Random(1);
        var delays = Enumerable.Range(0, 20).Select(_ => GmailBackoff.Delay(2, null, options, random)).Distinct().Count();
        Assert.True(delays > 10);
    }

    [Fact]
    public void Is_truncated_at_the_maximum()
    {
        Assert.Equal(options.MaxDelay, GmailBackoff.Delay(10, null, options, new Random(3)));
        Assert.Equal(options.MaxDelay, GmailBackoff.Delay(400, null, options, new Random(3)));
    }

    [Fact]
    public void Honours_retry_after_up_to_the_maximum()
    {
        Assert.Equal(TimeSpan.FromSeconds(3), GmailBackoff.Delay(0, TimeSpan.FromSeconds(3), options, new Random(3)));
        Assert.Equal(TimeSpan.FromSeconds(3), GmailBackoff.Delay(4, TimeSpan.FromSeconds(3), options, new Random(3)));
        Assert.Equal(options.MaxDelay, GmailBackoff.Delay(0, TimeSpan.FromMinutes(5), options, new Random(3)));
    }
}
