using GmailAutomation.Common.Errors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace GmailAutomation.EventBus.RabbitMq;

/// <summary>
/// Owns the channel everything is published on (events, retries, dead letters): publisher confirms with
/// tracking, so a publish returns only once the broker has taken the message, and fails when it was nacked.
/// A channel closed by the broker is replaced; while the connection recovers, publishing is retried with backoff.
/// </summary>
internal sealed partial class RabbitMqPublisher : IAsyncDisposable
{
    private readonly IServiceProvider _services;
    private readonly EventBusOptions _options;
    private readonly ILogger<RabbitMqPublisher> _logger;
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;
    private IChannel? _channel;
    private bool _disposed;

    public RabbitMqPublisher(IServiceProvider services, IOptions<EventBusOptions> options, TimeProvider timeProvider, ILogger<RabbitMqPublisher> logger)
    {
        _services = services;
        _options = options.Value;
        _logger = logger;
        var retry = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (_options.PublishRetryCount > 0)
        {
            retry.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<OperationInterruptedException>()
                    .Handle<BrokerUnreachableException>()
                    .Handle<ConnectFailureException>()
                    .Handle<BrokerUnavailableException>()
                    .Handle<IOException>()
                    .Handle<PublishException>(e => !e.IsReturn),
                MaxRetryAttempts = _options.PublishRetryCount,
                Delay = _options.PublishRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    LogPublishRetry(_logger, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            });
        }

        _retry = retry.Build();
    }

    /// <summary>The connection registered by Aspire's RabbitMQ client (automatic recovery on).</summary>
    public async ValueTask<IConnection> GetConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            return _connection;
        }

        // Aspire creates the connection synchronously, with its own connect retries: keep that off the caller's thread.
        var connection = await Task.Run(() => _services.GetRequiredService<IConnection>(), cancellationToken).ConfigureAwait(false);
        return _connection = connection;
    }

    /// <summary>Publishes with confirms, retrying while the broker is unreachable; throws <see cref="ExternalServiceException"/> when it gives up.</summary>
    public async Task PublishAsync(string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        try
        {
            await _retry.ExecuteAsync(
                async ct =>
                {
                    var channel = await GetChannelAsync(ct).ConfigureAwait(false);
                    await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, body, ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationInterruptedException or BrokerUnreachableException or ConnectFailureException
                                       or BrokerUnavailableException or IOException or PublishException)
        {
            throw new ExternalServiceException(
                "rabbitmq",
                $"the message {properties.MessageId} ({properties.Type}) to '{exchange}' / '{routingKey}' was not confirmed: {ex.Message}",
                reason: ex is PublishException ? "nacked" : "unreachable",
                innerException: ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_channel is not null)
            {
                await CloseQuietlyAsync(_channel).ConfigureAwait(false);
                _channel = null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<IChannel> GetChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
        {
            return open;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_channel is { IsOpen: true } reopened)
            {
                return reopened;
            }

            var connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
            if (!connection.IsOpen)
            {
                // Automatic recovery is reconnecting; it also brings the channel back. Wait through the retry.
                throw new BrokerUnavailableException(connection.CloseReason?.ReplyText ?? "the connection is closed");
            }

            if (_channel is not null)
            {
                // Closed by the broker (a channel error), not by a lost connection: it will not come back.
                LogChannelReplaced(_logger, _channel.CloseReason?.ReplyText);
                await CloseQuietlyAsync(_channel).ConfigureAwait(false);
                _channel = null;
            }

            var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken).ConfigureAwait(false);
            await channel.ExchangeDeclareAsync(_options.ExchangeName, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return _channel = channel;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task CloseQuietlyAsync(IChannel channel)
    {
        try
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationInterruptedException or IOException or ObjectDisposedException)
        {
            // Already closed underneath; nothing left to release.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing failed, attempt {Attempt} in {Delay}: {Error}")]
    private static partial void LogPublishRetry(ILogger logger, int attempt, TimeSpan delay, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The publishing channel was closed by the broker ({Reason}); opening a new one")]
    private static partial void LogChannelReplaced(ILogger logger, string? reason);
}

/// <summary>The connection to the broker is down (automatic recovery is at work).</summary>
internal sealed class BrokerUnavailableException(string message) : Exception(message);
