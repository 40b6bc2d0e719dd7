using GmailAutomation.Common.Errors;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace GmailAutomation.GmailClient.Quota;

/// <summary>
/// One token bucket per Gmail user in Redis, shared by every service and replica. The refill and the
/// charge happen atomically in a Lua script on Redis's own clock (<c>TIME</c>), so replica clocks do not
/// matter. The script answers 0 (go now) or the milliseconds to wait; the caller sleeps that long and then
/// sends. The charge is taken when the script runs, even when the bucket is short (it goes negative):
/// callers are served in the order they asked, a large batch cannot be starved by a stream of small calls,
/// and there is no herd of sleepers retrying the script. A caller cancelled while it sleeps gives its units back.
/// </summary>
public sealed class RedisGmailQuota : IGmailQuota
{
    // KEYS[1] bucket; ARGV: rate (units/s), capacity, cost. Returns 0 when the units were there, else the ms
    // until the debt this charge created is refilled.
    internal const string ChargeScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local rate = tonumber(ARGV[1])
        local capacity = tonumber(ARGV[2])
        local cost = tonumber(ARGV[3])
        local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
        local tokens = tonumber(state[1])
        local ts = tonumber(state[2])
        if tokens == nil or ts == nil then
          tokens = capacity
          ts = now
        end
        if now > ts then
          tokens = math.min(capacity, tokens + (now - ts) * rate / 1000000)
          ts = now
        end
        tokens = tokens - cost
        redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
        local wait = 0
        if tokens < 0 then
          wait = math.ceil(-tokens * 1000 / rate)
        end
        redis.call('PEXPIRE', KEYS[1], wait + math.ceil(capacity * 1000 / rate) + 1000)
        return wait
        """;

    // KEYS[1] bucket; ARGV: capacity, units. Gives back units reserved by a caller that gave up waiting.
    internal const string RefundScript = """
        local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens'))
        if tokens ~= nil then
          redis.call('HSET', KEYS[1], 'tokens', tostring(math.min(tonumber(ARGV[1]), tokens + tonumber(ARGV[2]))))
        end
        return 0
        """;

    private readonly IConnectionMultiplexer redis;
    private readonly GmailQuotaOptions options;
    private readonly GmailClientMetrics metrics;
    private readonly TimeProvider time;

    public RedisGmailQuota(IConnectionMultiplexer redis, IOptions<GmailClientOptions> options, GmailClientMetrics metrics, TimeProvider time)
    {
        this.redis = redis;
        this.options = options.Value.Quota;
        this.metrics = metrics;
        this.time = time;
    }

    public async ValueTask<TimeSpan> AcquireAsync(string account, int units, string method, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(account);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        var key = new RedisKey[] { options.KeyPrefix + account.ToLowerInvariant() };
        var args = new RedisValue[] { options.UnitsPerSecond, options.Capacity, units };
        var started = time.GetTimestamp();
        var database = redis.GetDatabase();
        long waitMs;
        try
        {
            // Not abandoned on cancellation: once sent, the charge happens, and only a caller that saw it can refund it.
            waitMs = (long)await database.ScriptEvaluateAsync(ChargeScript, key, args).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            throw new ExternalServiceException("redis", "the Gmail quota bucket could not be read", reason: "quotaUnavailable", innerException: ex);
        }

        if (waitMs > 0 || cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(waitMs), time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await RefundAsync(database, key, units).ConfigureAwait(false);
                throw;
            }
        }

        var waited = time.GetElapsedTime(started);
        metrics.Charged(method, units, waited);
        return waited;
    }

    private async Task RefundAsync(IDatabase database, RedisKey[] key, int units)
    {
        try
        {
            await database.ScriptEvaluateAsync(RefundScript, key, [options.Capacity, units]).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Only later callers lose: they wait for units nobody used. The cancellation is what the caller sees.
        }
    }
}
