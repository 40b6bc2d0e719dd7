using System.Text.Json;
using GmailAutomation.ClassificationService.Data;
using GmailAutomation.EventBus;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmailAutomation.ClassificationService.Pipeline;

/// <summary>
/// Publishes events saved in the outbox, oldest first, and deletes them once the broker confirmed them. Rows are
/// claimed with <c>FOR UPDATE SKIP LOCKED</c>, so replicas share the work without publishing a row twice at once;
/// a crash between publish and delete republishes the same event id, which consumers absorb.
/// </summary>
public sealed partial class OutboxPublisher(
    IServiceScopeFactory scopes,
    IEventBus bus,
    ClassificationServiceMetrics metrics,
    IOptions<ClassificationOptions> options,
    TimeProvider time,
    ILogger<OutboxPublisher> logger) : BackgroundService
{
    private static readonly Dictionary<string, Type> EventTypes = new(StringComparer.Ordinal)
    {
        [IntegrationEventType.NameOf(typeof(EmailClassified))] = typeof(EmailClassified),
        [IntegrationEventType.NameOf(typeof(ClassificationRulesChanged))] = typeof(ClassificationRulesChanged),
        [IntegrationEventType.NameOf(typeof(ClassificationCorrected))] = typeof(ClassificationCorrected),
    };

    private readonly SemaphoreSlim _wakeup = new(0, 1);

    /// <summary>New rows were committed: publish now rather than at the next sweep.</summary>
    public void Notify()
    {
        try
        {
            _wakeup.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: coalesced with the pending wake-up.
        }
    }

    public static OutboxMessage ToOutbox(IntegrationEvent @event, DateTimeOffset now) => new()
    {
        EventId = @event.Id,
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
                while (await PublishBatchAsync(stoppingToken) > 0)
                {
                    failures = 0;
                }

                failures = 0;
                await _wakeup.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
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

    /// <summary>Publishes one batch; returns how many events went out.</summary>
    public async Task<int> PublishBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClassificationDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var rows = await db.Outbox
            .FromSql($"SELECT * FROM outbox ORDER BY \"Id\" LIMIT {options.Value.OutboxBatchSize} FOR UPDATE SKIP LOCKED")
            .ToListAsync(cancellationToken);
        if (rows.Count == 0)
        {
            return 0;
        }

        var events = rows.Select(Read).Where(e => e is not null).ToList();

        // The bus's channel tracks confirms, so one batch's publishes overlap instead of waiting for each other.
        await Task.WhenAll(events.Select(e => bus.PublishAsync(e!, cancellationToken)));
        db.Outbox.RemoveRange(rows);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        metrics.Published(events.Count);
        return rows.Count;
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
