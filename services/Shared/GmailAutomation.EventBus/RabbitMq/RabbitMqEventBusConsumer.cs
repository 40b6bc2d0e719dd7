using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GmailAutomation.Common.Errors;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Correlation = GmailAutomation.Common.Correlation.CorrelationId;

namespace GmailAutomation.EventBus.RabbitMq;

/// <summary>
/// Consumes this service's queue from start-up to shutdown. Each delivery runs the subscribed handlers in a
/// DI scope with the message's correlation id and trace context; success is acknowledged, a failure is sent
/// to a retry queue (broker-side delay, so a crash loses nothing) with the attempt count, and after the last
/// attempt — or at once when the body cannot be read — to the dead-letter queue with the reason. A message the
/// broker hands out again because its consumer never settled it (crash, kill, lost connection) is moved to the
/// quarantine queue, handled there one at a time, and dead-lettered once it has taken its consumer down
/// <see cref="EventBusOptions.MaxUnsettledDeliveries"/> times, so one such message cannot stall the queue. The
/// connection recovers by itself after a broker restart and brings this channel and consumer back; a channel
/// the broker closed for an error is opened again here.
/// </summary>
internal sealed partial class RabbitMqEventBusConsumer : IHostedService, IAsyncDisposable
{
    private const int MaxReasonLength = 2000;

    private readonly IServiceProvider _services;
    private readonly RabbitMqPublisher _publisher;
    private readonly EventBusOptions _options;
    private readonly IReadOnlyDictionary<string, Type> _eventTypes;
    private readonly EventBusTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger<RabbitMqEventBusConsumer> _logger;
    private readonly SemaphoreSlim _setupGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private IConnection? _connection;
    private IChannel? _channel;
    private string? _consumerTag;
    private string? _quarantineTag;
    private int _inFlight;
    private int _restartScheduled;
    private volatile bool _stopRequested;

    public RabbitMqEventBusConsumer(
        IServiceProvider services,
        RabbitMqPublisher publisher,
        IOptions<EventBusOptions> options,
        IOptions<EventBusSubscriptionInfo> subscriptions,
        EventBusTelemetry telemetry,
        TimeProvider time,
        ILogger<RabbitMqEventBusConsumer> logger)
    {
        _services = services;
        _publisher = publisher;
        _options = options.Value;
        _eventTypes = subscriptions.Value.EventTypes;
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
    }

    private string QueueName => _options.SubscriptionClientName;

    /// <summary>True while the consumer is registered on an open channel (false while the broker is away).</summary>
    public bool IsConsuming => _eventTypes.Count == 0 || (_channel is { IsOpen: true } && _consumerTag is not null && _quarantineTag is not null && !_stopRequested);

    private string QuarantineName => RabbitMqTopology.QuarantineQueue(QueueName);

    public bool HasSubscriptions => _eventTypes.Count > 0;

    /// <summary>The channel consuming now (for tests that break it on purpose).</summary>
    internal IChannel? Channel => _channel;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_eventTypes.Count == 0)
        {
            LogNoSubscriptions(_logger, QueueName);
            return;
        }

        // Consuming has begun when the host has started: a broker that stays away fails the start loudly.
        await SetUpAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopRequested)
        {
            return;
        }

        // From here on, a cancelled consumer or closed channel is ours, not the broker's doing.
        _stopRequested = true;
        await _setupGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        IChannel? channel;
        try
        {
            channel = _channel;
            _channel = null;
            string?[] tags = [_consumerTag, _quarantineTag];
            _consumerTag = null;
            _quarantineTag = null;
            foreach (var tag in tags)
            {
                if (channel is null || tag is null || !channel.IsOpen)
                {
                    continue;
                }

                try
                {
                    await channel.BasicCancelAsync(tag, noWait: false, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationInterruptedException or IOException or TimeoutException)
                {
                    // The channel is going away anyway; unacknowledged messages return to the queue.
                }
            }
        }
        finally
        {
            _setupGate.Release();
        }

        // Let handlers in progress finish (and acknowledge), then cancel those that take too long.
        using (var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            drain.CancelAfter(_options.ShutdownTimeout);
            await WaitForIdleAsync(drain.Token).ConfigureAwait(false);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        using (var cancelled = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await WaitForIdleAsync(cancelled.Token).ConfigureAwait(false);
        }

        if (channel is not null)
        {
            await CloseQuietlyAsync(channel).ConfigureAwait(false);
        }

        LogStopped(_logger, QueueName);
    }

    public async ValueTask DisposeAsync()
    {
        _stopRequested = true;
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        if (_channel is { } channel)
        {
            _channel = null;
            await CloseQuietlyAsync(channel).ConfigureAwait(false);
        }

        // The gate and the token source are left to the GC: a restart still winding down may touch them.
    }

    private async Task SetUpAsync(CancellationToken cancellationToken)
    {
        await _setupGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_stopRequested)
            {
                return;
            }

            if (_channel is { } previous)
            {
                _channel = null;
                _consumerTag = null;
                _quarantineTag = null;
                await CloseQuietlyAsync(previous).ConfigureAwait(false);
            }

            var connection = await _publisher.GetConnectionAsync(cancellationToken).ConfigureAwait(false);
            var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(
                    publisherConfirmationsEnabled: false,
                    publisherConfirmationTrackingEnabled: false,
                    consumerDispatchConcurrency: (ushort)_options.ConsumerConcurrency),
                cancellationToken).ConfigureAwait(false);
            try
            {
                await DeclareTopologyAsync(channel, cancellationToken).ConfigureAwait(false);

                // The quarantine consumer holds one message at a time (a prefetch applies to consumers started after
                // it). The main queue's prefetch is set last, so it is also the one the client restores after recovery.
                await channel.BasicQosAsync(0, 1, global: false, cancellationToken).ConfigureAwait(false);
                var quarantine = new QueueConsumer(channel, OnQuarantinedReceivedAsync, OnCancelledByBrokerAsync);
                _quarantineTag = await channel.BasicConsumeAsync(QuarantineName, autoAck: false, quarantine, cancellationToken).ConfigureAwait(false);
                await channel.BasicQosAsync(0, (ushort)_options.PrefetchCount, global: false, cancellationToken).ConfigureAwait(false);

                var consumer = new QueueConsumer(channel, OnReceivedAsync, OnCancelledByBrokerAsync);
                // The event's sender is the client's inner channel, not this recovering wrapper: capture ours.
                channel.ChannelShutdownAsync += (_, reason) => OnChannelShutdownAsync(channel, reason);
                if (!ReferenceEquals(_connection, connection))
                {
                    connection.ConsumerTagChangeAfterRecoveryAsync += OnConsumerTagChangedAsync;
                    connection.RecoverySucceededAsync += OnRecoverySucceededAsync;
                    _connection = connection;
                }

                _consumerTag = await channel.BasicConsumeAsync(QueueName, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
                _channel = channel;
            }
            catch
            {
                await CloseQuietlyAsync(channel).ConfigureAwait(false);
                throw;
            }

            LogConsuming(_logger, QueueName, string.Join(", ", _eventTypes.Keys), _options.ExchangeName);
        }
        finally
        {
            _setupGate.Release();
        }
    }

    private async Task DeclareTopologyAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(_options.ExchangeName, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        await channel.QueueDeclareAsync(QueueName, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        await channel.QueueDeclareAsync(RabbitMqTopology.DeadLetterQueue(QueueName), durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        await channel.QueueDeclareAsync(QuarantineName, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken)
            .ConfigureAwait(false);

        foreach (var delay in _options.RetryDelays.Distinct())
        {
            // Expired messages go back to the main queue through the default exchange.
            var arguments = new Dictionary<string, object?>
            {
                ["x-message-ttl"] = (long)Math.Max(1, delay.TotalMilliseconds),
                ["x-dead-letter-exchange"] = string.Empty,
                ["x-dead-letter-routing-key"] = QueueName,
            };
            await channel.QueueDeclareAsync(RabbitMqTopology.RetryQueue(QueueName, delay), durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }

        foreach (var eventName in _eventTypes.Keys)
        {
            await channel.QueueBindAsync(QueueName, _options.ExchangeName, routingKey: eventName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private Task OnReceivedAsync(IChannel channel, BasicDeliverEventArgs delivery) => ReceiveAsync(channel, delivery, quarantined: false);

    private Task OnQuarantinedReceivedAsync(IChannel channel, BasicDeliverEventArgs delivery) => ReceiveAsync(channel, delivery, quarantined: true);

    private async Task ReceiveAsync(IChannel channel, BasicDeliverEventArgs delivery, bool quarantined)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (delivery.Redelivered && await HoldBackRedeliveryAsync(channel, delivery, quarantined).ConfigureAwait(false))
            {
                return;
            }

            await HandleDeliveryAsync(channel, delivery).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Nothing may escape: an unacknowledged message would sit on this channel until it closes.
            LogDeliveryCrashed(_logger, ex, delivery.BasicProperties.MessageId);
            await SettleAsync(channel, delivery, requeue: true).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task HandleDeliveryAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        var properties = delivery.BasicProperties;
        var headers = properties.Headers;
        var eventName = properties.Type ?? delivery.RoutingKey;
        var attempt = Math.Max(1, MessageHeaders.GetInt32(headers, MessageHeaders.DeliveryAttempt) ?? 1);
        var tags = EventBusTelemetry.Tags(eventName, QueueName);

        using var activity = EventBusTelemetry.ActivitySource.StartActivity($"{eventName} process", ActivityKind.Consumer, ExtractParentContext(headers));
        if (activity is not null)
        {
            activity.SetTag("messaging.system", "rabbitmq");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", QueueName);
            activity.SetTag("messaging.consumer.group.name", QueueName);
            activity.SetTag("messaging.message.id", properties.MessageId);
            activity.SetTag("messaging.rabbitmq.delivery_attempt", attempt);
        }

        var sentCorrelationId = FirstValid(MessageHeaders.GetString(headers, MessageHeaders.CorrelationId), properties.CorrelationId);
        var correlationId = sentCorrelationId ?? Correlation.New();
        using var correlation = Correlation.Begin(correlationId);
        using var logScope = _logger.BeginScope(new Dictionary<string, object?>
        {
            ["CorrelationId"] = correlationId,
            ["EventName"] = eventName,
            ["EventId"] = properties.MessageId,
            ["DeliveryAttempt"] = attempt,
        });

        if (!_eventTypes.TryGetValue(eventName, out var eventType))
        {
            _telemetry.Failed.Add(1, tags);
            await DeadLetterAsync(channel, delivery, attempt, $"No handler for event type '{eventName}' in '{QueueName}'.", exceptionType: null, tags).ConfigureAwait(false);
            return;
        }

        IntegrationEvent @event;
        try
        {
            @event = IntegrationEventSerializer.Deserialize(delivery.Body.Span, eventType);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            // A poison message: retrying cannot make it readable.
            _telemetry.Failed.Add(1, tags);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            await DeadLetterAsync(channel, delivery, attempt, $"The message body is not a valid {eventName}: {ex.Message}", ex.GetType().FullName, tags)
                .ConfigureAwait(false);
            return;
        }

        // A producer that wrote no header still has the id in the event itself.
        using var bodyCorrelation = sentCorrelationId is null && Correlation.IsValid(@event.CorrelationId)
            ? Correlation.Begin(@event.CorrelationId)
            : null;
        using var bodyLogScope = bodyCorrelation is null ? null : _logger.BeginScope(new Dictionary<string, object?> { ["CorrelationId"] = @event.CorrelationId });

        var started = _time.GetTimestamp();
        try
        {
            await using var scope = _services.CreateAsyncScope();
            foreach (var handler in scope.ServiceProvider.GetKeyedServices<IIntegrationEventHandler>(eventType))
            {
                await handler.Handle(@event, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutdown cut the handler short: the message goes back to the queue, this attempt not counted.
            await SettleAsync(channel, delivery, requeue: true).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            _telemetry.Failed.Add(1, tags);
            _telemetry.HandlerDuration.Record(_time.GetElapsedTime(started).TotalSeconds, tags);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            activity?.AddException(ex);

            if (attempt >= _options.MaxDeliveryAttempts)
            {
                LogGivingUp(_logger, ex, eventName, properties.MessageId, attempt);
                await DeadLetterAsync(channel, delivery, attempt, ex.Message, ex.GetType().FullName, tags).ConfigureAwait(false);
            }
            else
            {
                await ScheduleRetryAsync(channel, delivery, attempt, ex, tags).ConfigureAwait(false);
            }

            return;
        }

        _telemetry.HandlerDuration.Record(_time.GetElapsedTime(started).TotalSeconds, tags);
        if (await SettleAsync(channel, delivery, requeue: null).ConfigureAwait(false))
        {
            _telemetry.Consumed.Add(1, tags);
        }
    }

    /// <summary>
    /// A redelivery: an earlier consumer received this message and never settled it. From the main queue it moves
    /// to quarantine (it may have been one of many in flight when the process died). In quarantine it was the only
    /// message held, so it took the consumer down: counted, and dead-lettered at the limit. True when handled here.
    /// </summary>
    private async Task<bool> HoldBackRedeliveryAsync(IChannel channel, BasicDeliverEventArgs delivery, bool quarantined)
    {
        var received = delivery.BasicProperties.Headers;
        var unsettled = MessageHeaders.GetInt32(received, MessageHeaders.UnsettledDeliveries) ?? 0;
        var eventName = delivery.BasicProperties.Type ?? delivery.RoutingKey;
        if (quarantined)
        {
            unsettled++;
            if (unsettled >= _options.MaxUnsettledDeliveries)
            {
                var attempt = Math.Max(1, MessageHeaders.GetInt32(received, MessageHeaders.DeliveryAttempt) ?? 1);
                var tags = EventBusTelemetry.Tags(eventName, QueueName);
                _telemetry.Failed.Add(1, tags);
                await DeadLetterAsync(
                    channel,
                    delivery,
                    attempt,
                    $"Its consumer stopped without settling it {unsettled} times while handling it alone (crash, kill or lost connection).",
                    exceptionType: null,
                    tags).ConfigureAwait(false);
                return true;
            }
        }

        var properties = CopyForRepublish(delivery);
        properties.Headers![MessageHeaders.UnsettledDeliveries] = unsettled;

        try
        {
            await _publisher.PublishAsync(string.Empty, QuarantineName, properties, delivery.Body, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ExternalServiceException ex)
        {
            // The copy was not stored: handle the message as it is rather than risk it.
            LogRepublishFailed(_logger, ex, delivery.BasicProperties.MessageId);
            return false;
        }

        // The copy is confirmed; only now is the original released.
        LogQuarantined(_logger, eventName, delivery.BasicProperties.MessageId, QuarantineName);
        await SettleAsync(channel, delivery, requeue: null).ConfigureAwait(false);
        return true;
    }

    private async Task ScheduleRetryAsync(IChannel channel, BasicDeliverEventArgs delivery, int attempt, Exception failure, TagList tags)
    {
        var nextAttempt = attempt + 1;
        var delay = _options.RetryDelayBefore(nextAttempt);
        var properties = CopyForRepublish(delivery);
        properties.Headers![MessageHeaders.DeliveryAttempt] = nextAttempt;
        properties.Headers[MessageHeaders.FailureReason] = Truncate(failure.Message);
        properties.Headers[MessageHeaders.ExceptionType] = failure.GetType().FullName;

        LogRetrying(_logger, failure, delivery.BasicProperties.Type, delivery.BasicProperties.MessageId, attempt, delay);
        try
        {
            await _publisher.PublishAsync(string.Empty, RabbitMqTopology.RetryQueue(QueueName, delay), properties, delivery.Body, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (ExternalServiceException ex)
        {
            // The retry copy was not stored: keep the original by handing it back to the queue.
            LogRepublishFailed(_logger, ex, delivery.BasicProperties.MessageId);
            await SettleAsync(channel, delivery, requeue: true).ConfigureAwait(false);
            return;
        }

        // The copy is confirmed; only now is the original released (a crash in between means one extra attempt, never a lost message).
        await SettleAsync(channel, delivery, requeue: null).ConfigureAwait(false);
        _telemetry.Retried.Add(1, tags);
    }

    private async Task DeadLetterAsync(IChannel channel, BasicDeliverEventArgs delivery, int attempts, string reason, string? exceptionType, TagList tags)
    {
        var properties = CopyForRepublish(delivery);
        var headers = properties.Headers!;
        headers[MessageHeaders.FailureReason] = Truncate(reason);
        headers[MessageHeaders.ExceptionType] = exceptionType ?? string.Empty;
        headers[MessageHeaders.FailedAt] = _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        headers[MessageHeaders.DeliveryAttempts] = attempts;
        headers[MessageHeaders.FailedConsumer] = QueueName;

        try
        {
            await _publisher.PublishAsync(string.Empty, RabbitMqTopology.DeadLetterQueue(QueueName), properties, delivery.Body, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (ExternalServiceException ex)
        {
            LogRepublishFailed(_logger, ex, delivery.BasicProperties.MessageId);
            await SettleAsync(channel, delivery, requeue: true).ConfigureAwait(false);
            return;
        }

        LogDeadLettered(_logger, delivery.BasicProperties.Type, delivery.BasicProperties.MessageId, RabbitMqTopology.DeadLetterQueue(QueueName), reason);
        await SettleAsync(channel, delivery, requeue: null).ConfigureAwait(false);
        _telemetry.DeadLettered.Add(1, tags);
    }

    /// <summary>Acknowledges (requeue null) or rejects the delivery; false when the channel is gone (the broker redelivers then).</summary>
    private async Task<bool> SettleAsync(IChannel channel, BasicDeliverEventArgs delivery, bool? requeue)
    {
        try
        {
            if (requeue is null)
            {
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
            }
            else
            {
                await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: requeue.Value).ConfigureAwait(false);
            }

            return true;
        }
        catch (Exception ex) when (ex is OperationInterruptedException or IOException or ObjectDisposedException)
        {
            LogSettleFailed(_logger, delivery.BasicProperties.MessageId, ex.Message);
            return false;
        }
    }

    private static BasicProperties CopyForRepublish(BasicDeliverEventArgs delivery)
    {
        var properties = new BasicProperties(delivery.BasicProperties)
        {
            DeliveryMode = DeliveryModes.Persistent,
        };
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (delivery.BasicProperties.Headers is { } original)
        {
            foreach (var (name, value) in original)
            {
                // Broker and client bookkeeping of the previous hop, not part of the message.
                if (name is "x-death" or "x-first-death-exchange" or "x-first-death-queue" or "x-first-death-reason"
                    || name == RabbitMQ.Client.Constants.PublishSequenceNumberHeader)
                {
                    continue;
                }

                headers[name] = value;
            }
        }

        // Where the message first came from, kept across retry hops (which arrive through the default exchange).
        if (!headers.ContainsKey(MessageHeaders.OriginalExchange))
        {
            headers[MessageHeaders.OriginalExchange] = delivery.Exchange;
            headers[MessageHeaders.OriginalRoutingKey] = delivery.RoutingKey;
        }

        properties.Headers = headers;
        return properties;
    }

    private static ActivityContext ExtractParentContext(IDictionary<string, object?>? headers)
    {
        if (headers is null)
        {
            return default;
        }

        DistributedContextPropagator.Current.ExtractTraceIdAndState(
            headers,
            static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
            {
                values = null;
                value = MessageHeaders.GetString(carrier as IDictionary<string, object?>, name);
            },
            out var traceParent,
            out var traceState);

        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
    }

    private static string? FirstValid(params string?[] candidates) =>
        candidates.FirstOrDefault(Correlation.IsValid);

    private static string Truncate(string value) =>
        value.Length <= MaxReasonLength ? value : value[..MaxReasonLength];

    private async Task WaitForIdleAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (Volatile.Read(ref _inFlight) > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Bounded wait: the caller moves on.
        }
    }

    private Task OnChannelShutdownAsync(IChannel channel, ShutdownEventArgs reason)
    {
        // A lost connection is recovered by the client (channel and consumer included); only a channel the
        // broker closed on an open connection, e.g. after a protocol error, has to be opened again here.
        if (_stopRequested || reason.Initiator == ShutdownInitiator.Application || !ReferenceEquals(channel, _channel))
        {
            return Task.CompletedTask;
        }

        if (_connection is { IsOpen: true })
        {
            LogChannelClosed(_logger, reason.ReplyCode, reason.ReplyText);
            ScheduleRestart();
        }

        return Task.CompletedTask;
    }

    private Task OnCancelledByBrokerAsync(string consumerTag)
    {
        // The broker cancelled our consumer: the queue was deleted, or the node is shutting down. Either
        // way the client forgets the consumer and would not recover it, so declare and consume again.
        if (!_stopRequested && ((_consumerTag is { } tag && tag == consumerTag) || (_quarantineTag is { } held && held == consumerTag)))
        {
            _consumerTag = null;
            _quarantineTag = null;
            LogConsumerCancelled(_logger, QueueName);
            ScheduleRestart();
        }

        return Task.CompletedTask;
    }

    private Task OnConsumerTagChangedAsync(object sender, ConsumerTagChangedAfterRecoveryEventArgs args)
    {
        if (args.TagBefore == _consumerTag)
        {
            _consumerTag = args.TagAfter;
        }
        else if (args.TagBefore == _quarantineTag)
        {
            _quarantineTag = args.TagAfter;
        }

        return Task.CompletedTask;
    }

    private Task OnRecoverySucceededAsync(object sender, AsyncEventArgs args)
    {
        LogRecovered(_logger, QueueName);
        return Task.CompletedTask;
    }

    private void ScheduleRestart()
    {
        if (Interlocked.Exchange(ref _restartScheduled, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            var delay = TimeSpan.FromMilliseconds(500);
            try
            {
                while (!_stopRequested)
                {
                    try
                    {
                        await Task.Delay(delay, _time, _stopping.Token).ConfigureAwait(false);
                        if (_connection is { IsOpen: false })
                        {
                            // The broker is away; automatic recovery reconnects, then we consume again.
                            continue;
                        }

                        await SetUpAsync(_stopping.Token).ConfigureAwait(false);
                        return;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogRestartFailed(_logger, ex, delay);
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
            finally
            {
                Volatile.Write(ref _restartScheduled, 0);
            }
        });
    }

    private static async Task CloseQuietlyAsync(IChannel channel)
    {
        try
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationInterruptedException or IOException or ObjectDisposedException)
        {
            // Already closed underneath.
        }
    }

    /// <summary>Hands deliveries to the bus, and tells a cancel sent by the broker apart from a channel shutdown.</summary>
    private sealed class QueueConsumer(
        IChannel channel,
        Func<IChannel, BasicDeliverEventArgs, Task> onDelivery,
        Func<string, Task> onCancelledByBroker) : AsyncDefaultBasicConsumer(channel)
    {
        public override Task HandleBasicDeliverAsync(
            string consumerTag,
            ulong deliveryTag,
            bool redelivered,
            string exchange,
            string routingKey,
            IReadOnlyBasicProperties properties,
            ReadOnlyMemory<byte> body,
            CancellationToken cancellationToken = default) =>
            onDelivery(Channel, new BasicDeliverEventArgs(consumerTag, deliveryTag, redelivered, exchange, routingKey, properties, body, cancellationToken));

        public override async Task HandleBasicCancelAsync(string consumerTag, CancellationToken cancellationToken = default)
        {
            await base.HandleBasicCancelAsync(consumerTag, cancellationToken).ConfigureAwait(false);
            await onCancelledByBroker(consumerTag).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{EventName} {EventId} was handed out again unsettled (a consumer stopped while holding it); moved to {Queue}")]
    private static partial void LogQuarantined(ILogger logger, string? eventName, string? eventId, string queue);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming queue {Queue} for {Events} from exchange {Exchange}")]
    private static partial void LogConsuming(ILogger logger, string queue, string events, string exchange);

    [LoggerMessage(Level = LogLevel.Debug, Message = "No event subscriptions for {Queue}: nothing to consume")]
    private static partial void LogNoSubscriptions(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped consuming queue {Queue}")]
    private static partial void LogStopped(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handling {EventName} {EventId} failed on attempt {Attempt}; retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string? eventName, string? eventId, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling {EventName} {EventId} failed on the last attempt ({Attempt})")]
    private static partial void LogGivingUp(ILogger logger, Exception exception, string eventName, string? eventId, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {EventName} {EventId} moved to {DeadLetterQueue}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string? eventName, string? eventId, string deadLetterQueue, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not republish message {EventId}; it goes back to the queue")]
    private static partial void LogRepublishFailed(ILogger logger, Exception exception, string? eventId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure while handling message {EventId}; it goes back to the queue")]
    private static partial void LogDeliveryCrashed(ILogger logger, Exception exception, string? eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not settle message {EventId} ({Error}); the broker will deliver it again")]
    private static partial void LogSettleFailed(ILogger logger, string? eventId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The consumer channel was closed by the broker ({ReplyCode} {ReplyText}); opening it again")]
    private static partial void LogChannelClosed(ILogger logger, ushort replyCode, string replyText);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker cancelled the consumer of {Queue}; declaring and consuming again")]
    private static partial void LogConsumerCancelled(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection to the broker recovered; consuming {Queue} again")]
    private static partial void LogRecovered(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consuming again failed; next try in {Delay}")]
    private static partial void LogRestartFailed(ILogger logger, Exception exception, TimeSpan delay);
}
