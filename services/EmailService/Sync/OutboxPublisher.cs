using System.Text.Json;
using GmailAutomation.EmailService.Data;
using GmailAutomation.EventBus;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmailAutomation.EmailService.Sync;

/// <summary>
/// Publishes events saved in the outbox and deletes them once the broker confirmed them. Rows are claimed with
/// <c>FOR UPDATE SKIP LOCKED</c>, so two replicas never publish a row at once (one that finds a round's rows held by
/// the other tries again at the next wake-up); a crash between publish and delete republishes the same event id,
/// which consumers absorb.
/// <para>
/// Accounts take turns: each round hands out at most <see cref="EmailSyncOptions.OutboxEventsPerAccountRound"/>
/// events of an account, oldest first, and an account with more waiting makes the next round wait for
/// <see cref="EmailSyncOptions.OutboxRoundInterval"/>. An initial sync commits a page of a hundred messages at once;
/// published as it came, the broker's queue would hold one account's page after another, every downstream handler
/// would work on the same account and wait at its Gmail quota while the other accounts' quotas sat unused. Taking
/// turns keeps each account's order and spreads the queue over the accounts. Live mail (a message or two at a time)
/// never waits.
/// </para>
/// </summary>
public sealed partial class OutboxPublisher(
    IServiceScopeFactory scopes,
    IEventBus bus,
    EmailServiceMetrics metrics,
    IOptions<EmailSyncOptions> options,
    TimeProvider time,
    ILogger<OutboxPublisher> logger) : BackgroundService
{
    private static readonly Dictionary<string, Type> EventTypes = new(StringComparer.Ordinal)
    {
        [IntegrationEventType.NameOf(typeof(EmailReceived))] = typeof(EmailReceived),
        [IntegrationEventType.NameOf(typeof(SyncCompleted))] = typeof(SyncCompleted),
    };

    private readonly AccountWakeup wakeup = new();

    /// <summary>New rows were committed: publish now rather than at the next sweep.</summary>
    public void Notify() => wakeup.Set();

    public static OutboxMessage ToOutbox(IntegrationEvent @event, DateTimeOffset now) => new()
    {
        EventId = @event.Id,
        AccountId = (@event as IAccountEvent)?.AccountId,
        EventType = IntegrationEventType.NameOf(@event.GetType()),
        Payload = JsonSerializer.Serialize(@event, @event.GetType(), IntegrationEventSerializer.Options),
        CreatedAt = now,
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (true)
                {
                    var started = time.GetTimestamp();
                    var round = await PublishRoundAsync(stoppingToken);
                    failures = 0;
                    if (round.Published == 0)
                    {
                        break;
                    }

                    // A full batch goes on at once; a round cut short by an account's turn waits out the interval.
                    var wait = options.Value.OutboxRoundInterval - time.GetElapsedTime(started);
                    if (round.TurnsLeft && round.Published < options.Value.OutboxBatchSize && wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, time, stoppingToken);
                    }
                }

                failures = 0;
                await wakeup.WaitAsync(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                LogPublishFailed(ex);
                var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, Math.Min(failures, 8))));
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// One round: up to a batch of events, each account's oldest first and at most its turn's share, in turns
    /// (every account's first, then every account's second…). <c>TurnsLeft</c>: an account has more waiting.
    /// </summary>
    private async Task<(int Published, bool TurnsLeft)> PublishRoundAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EmailDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var turn = settings.OutboxEventsPerAccountRound;
        var candidates = await db.Database.SqlQuery<OutboxCandidate>($"""
            SELECT "Id", "Waiting" > {turn} AS "TurnsLeft" FROM (
                SELECT "Id",
                       row_number() OVER (PARTITION BY "AccountId" ORDER BY "Id") AS "Turn",
                       count(*) OVER (PARTITION BY "AccountId") AS "Waiting"
                FROM outbox) AS queued
            WHERE "Turn" <= {turn}
            ORDER BY "Turn", "Id"
            LIMIT {settings.OutboxBatchSize}
            """).ToListAsync(cancellationToken);
        if (candidates.Count == 0)
        {
            return (0, false);
        }

        // Claim them; rows another replica holds are skipped (it publishes them).
        var ids = candidates.Select(c => c.Id).ToArray();
        var claimed = await db.Outbox
            .FromSql($"SELECT * FROM outbox WHERE \"Id\" = ANY({ids}) FOR UPDATE SKIP LOCKED")
            .ToListAsync(cancellationToken);
        if (claimed.Count == 0)
        {
            return (0, false);
        }

        var order = candidates.Select((c, i) => (c.Id, i)).ToDictionary(c => c.Id, c => c.i);
        var rows = claimed.OrderBy(r => order[r.Id]).ToList();
        var turnsLeft = candidates.Any(c => c.TurnsLeft);

        var events = rows.Select(Read).ToList();

        // The bus's channel tracks confirms, so one batch's publishes overlap instead of waiting for each other.
        await Task.WhenAll(events.Where(e => e is not null).Select(e => bus.PublishAsync(e!, cancellationToken)));
        db.Outbox.RemoveRange(rows);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        metrics.Published(rows.Count);
        return (rows.Count, turnsLeft);
    }

    private sealed class OutboxCandidate
    {
        public long Id { get; init; }

        public bool TurnsLeft { get; init; }
    }

    private IntegrationEvent? Read(OutboxMessage row)
    {
        if (EventTypes.TryGetValue(row.EventType, out var type))
        {
            try
            {
                return IntegrationEventSerializer.Deserialize(System.Text.Encoding.UTF8.GetBytes(row.Payload), type);
            }
            catch (JsonException ex)
            {
                LogUnreadable(row.Id, row.EventType, ex.Message);
                return null;
            }
        }

        LogUnreadable(row.Id, row.EventType, "unknown event type");
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing from the outbox failed; retrying")]
    private partial void LogPublishFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox row {Id} ({EventType}) cannot be read and is dropped: {Reason}")]
    private partial void LogUnreadable(long id, string eventType, string reason);
}
