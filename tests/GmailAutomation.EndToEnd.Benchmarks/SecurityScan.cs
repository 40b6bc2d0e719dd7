using System.Text.RegularExpressions;
using Npgsql;
using StackExchange.Redis;

namespace GmailAutomation.EndToEnd.Benchmarks;

/// <summary>One finding of the security scan: where, and what kind of secret or content.</summary>
internal sealed record Finding(string Where, string What);

internal sealed record SecurityReport(
    int LogLines, int RedisKeys, int PostgresRows, IReadOnlyList<int> ReplayStatuses, IReadOnlyList<Finding> Findings)
{
    /// <summary>Every replayed OAuth callback (same state, same code, same PKCE verifier) was refused.</summary>
    public bool ReplayRejected => ReplayStatuses.Count > 0 && ReplayStatuses.All(s => s >= 400);

    public bool Passed => Findings.Count == 0 && ReplayRejected;
}

/// <summary>
/// After a full run: no Google token (the emulator issues Google's shapes: <c>ya29.a0…</c> access, <c>1//0…</c>
/// refresh, <c>4/0A…</c> codes) in clear text in Redis or any PostgreSQL database, and neither a token nor the
/// body text of a delivered message (its canary word) in any console line of any service. The emulator's own log
/// is Google's side and is not scanned.
/// </summary>
internal static partial class SecurityScan
{
    public static async Task<SecurityReport> RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        var findings = new List<Finding>();
        var lines = 0;
        foreach (var file in Directory.EnumerateFiles(harness.Session.LogPath, "*.log"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (name.StartsWith("gmail-emulator", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var line in File.ReadLines(file))
            {
                lines++;
                if (Token().Match(line) is { Success: true } token)
                {
                    findings.Add(new Finding($"log {name}", $"token-shaped text {token.Value[..8]}…"));
                }

                if (line.Contains(harness.Canary, StringComparison.Ordinal))
                {
                    findings.Add(new Finding($"log {name}", "the body text of a delivered message"));
                }
            }
        }

        var redisKeys = await ScanRedisAsync(await harness.Session.ConnectionStringAsync("redis", cancellationToken), findings);
        var rows = 0;
        foreach (var database in new[] { "authdb", "emaildb", "classificationdb", "responsedb", "draftdb", "auditdb" })
        {
            rows += await ScanPostgresAsync(database, await harness.Session.ConnectionStringAsync(database, cancellationToken), findings, cancellationToken);
        }

        return new SecurityReport(lines, redisKeys, rows, [.. harness.ReplayStatuses], findings.Take(50).ToList());
    }

    private static async Task<int> ScanRedisAsync(string connectionString, List<Finding> findings)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var db = redis.GetDatabase();
        var keys = 0;
        foreach (var endpoint in redis.GetEndPoints())
        {
            await foreach (var key in redis.GetServer(endpoint).KeysAsync(pattern: "*", pageSize: 500))
            {
                keys++;
                var values = await db.KeyTypeAsync(key) switch
                {
                    RedisType.String => [(string?)await db.StringGetAsync(key)],
                    RedisType.Hash => (await db.HashGetAllAsync(key)).SelectMany(e => new[] { (string?)e.Name, (string?)e.Value }).ToArray(),
                    RedisType.List => (await db.ListRangeAsync(key)).Select(v => (string?)v).ToArray(),
                    RedisType.Set => (await db.SetMembersAsync(key)).Select(v => (string?)v).ToArray(),
                    RedisType.SortedSet => (await db.SortedSetRangeByRankAsync(key)).Select(v => (string?)v).ToArray(),
                    _ => Array.Empty<string?>(),
                };
                foreach (var value in values.Append(key.ToString()))
                {
                    if (value is not null && Token().IsMatch(value))
                    {
                        findings.Add(new Finding($"redis key {Cut(key.ToString())}", "a token in clear text"));
                    }
                }
            }
        }

        return keys;
    }

    private static async Task<int> ScanPostgresAsync(string database, string connectionString, List<Finding> findings, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await connection.OpenAsync(cancellationToken);
                break;
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.TooManyConnections)
            {
                // With replicas the services' pools can hold every connection PostgreSQL allows; wait for one to free up.
                if (attempt == 30)
                {
                    findings.Add(new Finding(database, "not scanned: PostgreSQL refused every connection (too many clients)"));
                    return 0;
                }

                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }

        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')", connection))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                tables.Add(reader.GetString(0));
            }
        }

        var rows = 0;
        foreach (var table in tables)
        {
            // Every row as JSON text: columns of any type (text, jsonb, bytea as hex) are searched alike.
            await using var select = new NpgsqlCommand($"SELECT row_to_json(t)::text FROM {table} t", connection);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows++;
                if (Token().IsMatch(reader.GetString(0)))
                {
                    findings.Add(new Finding($"{database} {table}", "a token in clear text"));
                }
            }
        }

        return rows;
    }

    private static string Cut(string value) => value.Length <= 40 ? value : value[..40] + "…";

    [GeneratedRegex(@"ya29\.a0[A-Za-z0-9_\-]{20,}|1//0[A-Za-z0-9_\-]{20,}|4/0A[A-Za-z0-9_\-]{20,}", RegexOptions.CultureInvariant)]
    private static partial Regex Token();
}
