using System.Net;
using GmailAutomation.GmailClient.Quota;
using StackExchange.Redis;

namespace GmailAutomation.EmailService.Sync;

/// <summary>
/// Per-account Gmail usage shared by all replicas (Redis hash <c>emailsync:usage:{email}</c>): quota units
/// charged and 429 answers, shown by the status API and exported as metrics; and the units per minute of the last
/// day for the console's quota chart, one hash per hour (<c>emailsync:usage:{email}:minutes:{hour}</c>, field = minute
/// since the epoch) that expires by itself, so an account that never stops working does not grow one hash forever.
/// </summary>
public sealed class GmailUsage(IConnectionMultiplexer redis, TimeProvider time)
{
    private const string Units = "units";
    private const string RateLimited = "rate_limited";

    /// <summary>How long per-minute figures are kept: the chart shows at most a day.</summary>
    public static readonly TimeSpan HistoryRetention = TimeSpan.FromHours(24);

    /// <summary>The account the current sync flow works for (429s are counted against it).</summary>
    private static readonly AsyncLocal<string?> CurrentAccount = new();

    public static string? Current => CurrentAccount.Value;

    public static void Enter(string account) => CurrentAccount.Value = account;

    public void AddUnits(string account, long units)
    {
        var db = redis.GetDatabase();
        db.HashIncrement(Key(account), Units, units, CommandFlags.FireAndForget);
        var minute = Minute(time.GetUtcNow());
        var hour = MinutesKey(account, minute);
        db.HashIncrement(hour, minute, units, CommandFlags.FireAndForget);
        // An hour's hash lives one retention past the hour's end.
        db.KeyExpire(hour, HistoryRetention + TimeSpan.FromHours(1), CommandFlags.FireAndForget);
    }

    /// <summary>Units charged in each of the last <paramref name="minutes"/> minutes, oldest first, zero where none were.</summary>
    public async Task<IReadOnlyList<(DateTimeOffset Minute, long Units)>> ReadHistoryAsync(string account, int minutes)
    {
        var now = Minute(time.GetUtcNow());
        var wanted = Enumerable.Range(0, minutes).Select(i => now - minutes + 1 + i).ToArray();
        var db = redis.GetDatabase();
        var hours = await Task.WhenAll(wanted.GroupBy(minute => minute / 60).Select(async hour =>
        {
            var fields = hour.Select(minute => (RedisValue)minute).ToArray();
            var values = await db.HashGetAsync(MinutesKey(account, hour.First()), fields);
            return hour.Zip(values, (minute, value) => (minute, units: (long?)value ?? 0));
        }));
        return [.. hours.SelectMany(hour => hour).OrderBy(point => point.minute).Select(point => (DateTimeOffset.FromUnixTimeSeconds(point.minute * 60), point.units))];
    }

    public void AddRateLimited(string account, long count) =>
        redis.GetDatabase().HashIncrement(Key(account), RateLimited, count, CommandFlags.FireAndForget);

    public async Task<(long Units, long RateLimited)> ReadAsync(string account)
    {
        var values = await redis.GetDatabase().HashGetAsync(Key(account), [Units, RateLimited]);
        return ((long?)values[0] ?? 0, (long?)values[1] ?? 0);
    }

    private static RedisKey Key(string account) => "emailsync:usage:" + account.ToLowerInvariant();

    private static RedisKey MinutesKey(string account, long minute) =>
        $"emailsync:usage:{account.ToLowerInvariant()}:minutes:{(minute / 60).ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    private static long Minute(DateTimeOffset at) => at.ToUnixTimeSeconds() / 60;
}

/// <summary>Counts the units every Gmail call of an account draws from its bucket, then draws them.</summary>
public sealed class CountingGmailQuota(IGmailQuota inner, GmailUsage usage) : IGmailQuota
{
    public async ValueTask<TimeSpan> AcquireAsync(string account, int units, string method, CancellationToken cancellationToken)
    {
        var waited = await inner.AcquireAsync(account, units, method, cancellationToken);
        usage.AddUnits(account, units);
        return waited;
    }
}

/// <summary>
/// Sits under the Gmail client's retries and counts 429 answers (and 429s inside batch answers) against the account
/// of the current sync flow.
/// </summary>
public sealed class RateLimitCountingHandler(GmailUsage usage) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (GmailUsage.Current is not { } account)
        {
            return response;
        }

        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            usage.AddRateLimited(account, 1);
        }
        else if (response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == "multipart/mixed")
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var inner = CountOf(body, " 429 ");
            if (inner > 0)
            {
                usage.AddRateLimited(account, inner);
            }
        }

        return response;
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            // Only status lines ("HTTP/1.1 429 Too Many Requests") count, not a 429 in a message body.
            var lineStart = text.LastIndexOf('\n', at) + 1;
            if (string.CompareOrdinal(text, lineStart, "HTTP/", 0, 5) == 0)
            {
                count++;
            }
        }

        return count;
    }
}
