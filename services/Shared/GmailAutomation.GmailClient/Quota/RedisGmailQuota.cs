using GmailAutomation.Common.Errors;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace GmailAutomation.GmailClient.Quota;

/// <summary>
/// One token bucket per Gmail user in Redis, shared by every service and replica. The refill and the
/// charge happen atomically in a Lua script on Redis's own clock (<c>TIME</c>), so replica clocks do not
/// matter. An empty bucket answers how many milliseconds until the charge would fit; we sleep that long
/// and ask again.
/// </summary>
public sealed class RedisGmailQuota : IGmailQuota
{
    // KEYS[1] bucket; ARGV: rate (units/s), capacity, cost. Returns 0 when charged, else ms to wait.
    // A cost above the capacity is let through from a full bucket and leaves a debt, so it is slowed to the
    // refill rate instead of waiting forever.
    internal const string Script = """
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
        local ttl = math.ceil(capacity * 1000 / rate) + 1000
        local need = math.min(cost, capacity)
        if tokens >= need then
          tokens = tokens - cost
          redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
          redis.call('PEXPIRE', KEYS[1], ttl + math.ceil(math.max(0, -tokens) * 1000 / rate))
          return 0
        end
        redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
        redis.call('PEXPIRE', KEYS[1], ttl)
        return math.max(1, math.ceil((need - tokens) * 1000 / rate))
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
        while (true)
        {
            long waitMs;
            try
            {
                waitMs = (long)await database.ScriptEvaluateAsync(Script, key, args).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RedisException ex)
            {
                throw new ExternalServiceException("redis", "the Gmail quota bucket could not be read", reason: "quotaUnavailable", innerException: ex);
            }

            if (waitMs <= 0)
            {
                var waited = time.GetElapsedTime(started);
                metrics.Charged(method, units, waited);
                return waited;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(waitMs), time, cancellationToken).ConfigureAwait(false);
        }
    }
}
