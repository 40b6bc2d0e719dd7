using System.Text.Json;
using System.Threading.Channels;
using GmailAutomation.AuthService.Data;
using GmailAutomation.EventBus;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmailAutomation.AuthService.Outbox;

/// <summary>
/// The transactional outbox: an event is saved with the change it announces (same <see cref="AuthDbContext"/>
/// transaction), then published by <see cref="OutboxPublisher"/>. A crash between commit and publish only
/// delays the event; it is never lost.
/// </summary>
public static class OutboxWriter
{
    /// <summary>The events this service publishes, by wire name.</summary>
    public static readonly IReadOnlyDictionary<string, Type> EventTypes = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        [IntegrationEventType.NameOf(typeof(AccountConnected))] = typeof(AccountConnected),
        [IntegrationEventType.NameOf(typeof(AccountDisconnected))] = typeof(AccountDisconnected),
        [IntegrationEventType.NameOf(typeof(PreferencesChanged))] = typeof(PreferencesChanged),
    };

    /// <summary>Adds <paramref name="event"/> to the pending changes of <paramref name="db"/>; it is stored by the next SaveChanges.</summary>
    public static void Enqueue(AuthDbContext db, IntegrationEvent @event, DateTimeOffset now)
    {
        var type = @event.GetType();
        db.Outbox.Add(new OutboxMessage
        {
            Id = @event.Id,
            EventType = IntegrationEventType.NameOf(type),
            Payload = JsonSerializer.Serialize(@event, type, IntegrationEventSerializer.Options),
            CreatedAt = now,
        });
    }
}

/// <summary>Wakes the publisher right after a commit, so events go out at once rather than at the next sweep.</summary>
public sealed class OutboxSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Notify() => _channel.Writer.TryWrite(true);

    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            await _channel.Reader.ReadAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The sweep interval passed without a signal.
        }
    }
}

/// <summary>
/// Publishes outbox messages in creation order. Safe on several replicas: each batch is claimed with
/// <c>FOR UPDATE SKIP LOCKED</c>, so two replicas never publish the same message at once. A message that fails
/// stays pending (with the error) and is tried again at the next sweep; consumers deduplicate by event id.
/// </summary>
public sealed partial class OutboxPublisher(
    IServiceScopeFactory scopes,
    IEventBus eventBus,
    OutboxSignal signal,
    TimeProvider time,
    IOptions<AuthServiceOptions> options,
    ILogger<OutboxPublisher> logger) : BackgroundService
{
    private const int BatchSize = 50;
    private static readonly TimeSpan s_retention = TimeSpan.FromDays(7);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await PublishPendingAsync(stoppingToken) == BatchSize)
                {
                    // A full batch: there may be more.
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(ex);
            }

            await signal.WaitAsync(options.Value.OutboxPollInterval, time, stoppingToken);
        }
    }

    /// <summary>Publishes one batch of pending messages; returns how many were claimed.</summary>
    public async Task<int> PublishPendingAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();

        // The claim (FOR UPDATE SKIP LOCKED) needs a transaction; the retrying execution strategy runs it as one unit.
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(
            (db, this),
            static async (_, state, cancellationToken) => await state.Item2.PublishBatchAsync(state.db, cancellationToken),
            verifySucceeded: null,
            cancellationToken);
    }

    private async Task<int> PublishBatchAsync(AuthDbContext db, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var batch = await db.Outbox
            .FromSql($"""SELECT * FROM outbox_messages WHERE "PublishedAt" IS NULL ORDER BY "CreatedAt" LIMIT {BatchSize} FOR UPDATE SKIP LOCKED""")
            .ToListAsync(cancellationToken);

        foreach (var message in batch)
        {
            try
            {
                var type = OutboxWriter.EventTypes[message.EventType];
                var @event = (IntegrationEvent)(JsonSerializer.Deserialize(message.Payload, type, IntegrationEventSerializer.Options)
                    ?? throw new InvalidDataException($"Outbox message {message.Id} has an empty payload."));
                await eventBus.PublishAsync(@event, cancellationToken);
                message.PublishedAt = time.GetUtcNow();
                LogPublished(message.EventType, message.Id);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                message.Attempts++;
                message.LastError = ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message;
                LogPublishFailed(ex, message.EventType, message.Id, message.Attempts);

                // Keep the order: later events of the same account must not overtake this one.
                break;
            }
        }

        var cutoff = time.GetUtcNow() - s_retention;
        await db.Outbox.Where(m => m.PublishedAt != null && m.PublishedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return batch.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Published {EventType} {EventId} from the outbox")]
    private partial void LogPublished(string eventType, Guid eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {EventType} {EventId} failed (attempt {Attempts}); it stays in the outbox")]
    private partial void LogPublishFailed(Exception exception, string eventType, Guid eventId, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "The outbox sweep failed")]
    private partial void LogSweepFailed(Exception exception);
}
