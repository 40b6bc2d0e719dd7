using System.Collections.Concurrent;
using StackExchange.Redis;

namespace GmailAutomation.EmailService.Sync;

/// <summary>
/// Wakes an account's sync loop wherever it runs: a push notification or a re-sync request received by any
/// replica goes over a Redis channel to every replica, and the one syncing the account wakes up. Signals for one
/// account coalesce: however many arrive while a sync runs, one more sync follows.
/// </summary>
public sealed class AccountSignals : IAsyncDisposable
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("emailsync:signals");
    private readonly ConcurrentDictionary<Guid, AccountWakeup> wakeups = new();
    private readonly IConnectionMultiplexer redis;
    private ChannelMessageQueue? subscription;

    public AccountSignals(IConnectionMultiplexer redis) => this.redis = redis;

    public async Task StartAsync()
    {
        subscription = await redis.GetSubscriber().SubscribeAsync(Channel);
        subscription.OnMessage(message =>
        {
            if (Guid.TryParse((string?)message.Message, out var accountId))
            {
                WakeLocal(accountId);
            }
        });
    }

    /// <summary>Wakes the account on whichever replica syncs it.</summary>
    public async Task WakeAsync(Guid accountId)
    {
        WakeLocal(accountId);
        await redis.GetSubscriber().PublishAsync(Channel, accountId.ToString("N"));
    }

    /// <summary>The wake-up handle of an account synced here.</summary>
    public AccountWakeup Register(Guid accountId) => wakeups.GetOrAdd(accountId, _ => new AccountWakeup());

    public void Unregister(Guid accountId) => wakeups.TryRemove(accountId, out _);

    private void WakeLocal(Guid accountId)
    {
        if (wakeups.TryGetValue(accountId, out var wakeup))
        {
            wakeup.Set();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (subscription is null)
        {
            return;
        }

        try
        {
            await subscription.UnsubscribeAsync();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or RedisException)
        {
            // The connection went first at shutdown; the subscription ended with it.
        }
    }
}

/// <summary>A coalescing flag: any number of <see cref="Set"/> calls release one <see cref="WaitAsync"/>.</summary>
public sealed class AccountWakeup
{
    private readonly SemaphoreSlim flag = new(0, 1);

    public void Set()
    {
        try
        {
            flag.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already set: this signal is coalesced with the pending one.
        }
    }

    /// <summary>True when woken, false when <paramref name="timeout"/> passed.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) =>
        WaitCoreAsync(timeout, time, cancellationToken);

    private async Task<bool> WaitCoreAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var woken = flag.WaitAsync(Timeout.Infinite, linked.Token);
        var elapsed = Task.Delay(timeout, time, linked.Token);
        var first = await Task.WhenAny(woken, elapsed);
        await linked.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        if (first == woken)
        {
            return true;
        }

        // The wait was cancelled after the delay won; a release that raced with it must not be lost.
        try
        {
            return await woken;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
