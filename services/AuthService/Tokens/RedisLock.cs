using System.Security.Cryptography;
using StackExchange.Redis;

namespace GmailAutomation.AuthService.Tokens;

/// <summary>
/// A lock shared by every replica: <c>SET key token NX PX timeout</c>, released only by its holder (compare and
/// delete in one script), and freed by expiry if the holder dies.
/// </summary>
public sealed class RedisLock(IConnectionMultiplexer redis)
{
    private static readonly LuaScript s_release = LuaScript.Prepare(
        "if redis.call('get', @key) == @token then return redis.call('del', @key) else return 0 end");

    /// <summary>The holder's token when the lock was free, else null.</summary>
    public async Task<string?> TryAcquireAsync(RedisKey key, TimeSpan timeout)
    {
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        return await redis.GetDatabase().StringSetAsync(key, token, timeout, When.NotExists) ? token : null;
    }

    public Task<bool> IsHeldAsync(RedisKey key) => redis.GetDatabase().KeyExistsAsync(key);

    public async Task ReleaseAsync(RedisKey key, string token) =>
        await redis.GetDatabase().ScriptEvaluateAsync(s_release, new { key, token });
}
