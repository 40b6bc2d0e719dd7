using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace GmailAutomation.EmailService.Sync;

/// <summary>A held account lease; <see cref="Fence"/> grows with every acquisition, so a stale holder's writes are refused.</summary>
public sealed record AccountLease(Guid AccountId, long Fence);

/// <summary>
/// Redis leases that spread accounts over replicas: an account is synced only by the replica whose id is stored
/// under its key, and the key expires when that replica stops renewing it. Replicas also announce themselves so
/// each takes no more than its fair share.
/// </summary>
public sealed class AccountLeases(IConnectionMultiplexer redis, IOptions<EmailSyncOptions> options, ReplicaIdentity replica, TimeProvider time)
{
    private const string Prefix = "emailsync:";
    private static readonly RedisKey Replicas = Prefix + "replicas";

    private const string RenewScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
    private const string ReleaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private IDatabase Db => redis.GetDatabase();

    public async Task<AccountLease?> TryAcquireAsync(Guid accountId)
    {
        if (!await Db.StringSetAsync(LeaseKey(accountId), replica.Id, options.Value.LeaseDuration, When.NotExists))
        {
            return null;
        }

        var fence = await Db.StringIncrementAsync(Prefix + "fence:" + accountId.ToString("N"));
        return new AccountLease(accountId, fence);
    }

    public async Task<bool> RenewAsync(Guid accountId)
    {
        var result = await Db.ScriptEvaluateAsync(RenewScript, [LeaseKey(accountId)], [replica.Id, (long)options.Value.LeaseDuration.TotalMilliseconds]);
        return (long)result == 1;
    }

    public Task ReleaseAsync(Guid accountId) =>
        Db.ScriptEvaluateAsync(ReleaseScript, [LeaseKey(accountId)], [replica.Id]);

    /// <summary>The replica currently holding <paramref name="accountId"/>, if any.</summary>
    public async Task<string?> OwnerAsync(Guid accountId) => await Db.StringGetAsync(LeaseKey(accountId));

    /// <summary>Announces this replica for one lease period and answers how many replicas are alive.</summary>
    public async Task<int> HeartbeatAsync()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var db = Db;
        await db.SortedSetAddAsync(Replicas, replica.Id, now + (long)options.Value.LeaseDuration.TotalMilliseconds);
        await db.SortedSetRemoveRangeByScoreAsync(Replicas, double.NegativeInfinity, now);
        return (int)Math.Max(1, await db.SortedSetLengthAsync(Replicas));
    }

    public Task LeaveAsync() => Db.SortedSetRemoveAsync(Replicas, replica.Id);

    private static RedisKey LeaseKey(Guid accountId) => Prefix + "lease:" + accountId.ToString("N");
}

/// <summary>This process's replica id.</summary>
public sealed class ReplicaIdentity(IOptions<EmailSyncOptions> options)
{
    public string Id { get; } = options.Value.ReplicaId is { Length: > 0 } configured
        ? configured
        : $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
}
