using StackExchange.Redis;

namespace GmailAutomation.EventBus.Idempotency;

/// <summary>
/// <see cref="IProcessedEventStore"/> in Redis: a claim is <c>SET key claim:token NX PX timeout</c>, completion
/// overwrites it with <c>done</c> for the retention time, and a release deletes the key only while it still
/// holds this caller's claim. Every replica of a service shares the markers.
/// </summary>
public sealed class RedisProcessedEventStore(IConnectionMultiplexer redis) : IProcessedEventStore
{
    private const string Done = "done";
    private const string ClaimPrefix = "claim:";

    private static readonly LuaScript s_releaseIfOwned = LuaScript.Prepare(
        "if redis.call('GET', @key) == @claim then return redis.call('DEL', @key) else return 0 end");

    public async Task<ProcessingClaim> TryClaimAsync(string key, TimeSpan claimTimeout, CancellationToken cancellationToken)
    {
        var database = redis.GetDatabase();
        var token = Guid.NewGuid().ToString("N");

        // Two rounds: the holder's claim can expire between our SET and GET.
        for (var round = 0; round < 2; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await database.StringSetAsync(key, ClaimPrefix + token, claimTimeout, When.NotExists).ConfigureAwait(false))
            {
                return new ProcessingClaim(key, token, ClaimOutcome.Claimed);
            }

            var current = await database.StringGetAsync(key).ConfigureAwait(false);
            if (current == Done)
            {
                return new ProcessingClaim(key, token, ClaimOutcome.AlreadyProcessed);
            }

            if (current.HasValue)
            {
                return new ProcessingClaim(key, token, ClaimOutcome.InProgress);
            }
        }

        return new ProcessingClaim(key, token, ClaimOutcome.InProgress);
    }

    public Task CompleteAsync(ProcessingClaim claim, TimeSpan retention, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);

        // Unconditional: the effect ran, whoever holds the claim now must not run it again.
        return redis.GetDatabase().StringSetAsync(claim.Key, Done, retention);
    }

    public Task ReleaseAsync(ProcessingClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return redis.GetDatabase().ScriptEvaluateAsync(s_releaseIfOwned, new { key = (RedisKey)claim.Key, claim = ClaimPrefix + claim.Token });
    }
}
