using System.Diagnostics.Metrics;
using GmailAutomation.EventBus.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace GmailAutomation.EventBus.Tests;

/// <summary>
/// Builds generic hosts the way a service does (<c>AddRabbitMqEventBus("rabbitmq").AddSubscription…</c>),
/// pointed at the local broker. Each test gets its own exchange, so tests never see each other's messages.
/// </summary>
public sealed class TestBus(BrokerFixture broker)
{
    public string Exchange { get; } = $"test-{Guid.NewGuid():N}";

    public Probe Probe { get; } = new();

    public static string NewQueueName(string purpose) => $"{purpose}-{Guid.NewGuid():N}";

    public async Task<BusHost> StartHostAsync(string queue, Action<IEventBusBuilder>? subscribe = null, int maxDeliveryAttempts = 3)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "eventbus-tests",
            EnvironmentName = Environments.Development,
            DisableDefaults = true,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = broker.RabbitMq.ConnectionString,
            ["ConnectionStrings:redis"] = broker.Redis.ConnectionString,
            ["EventBus:ExchangeName"] = Exchange,
            ["EventBus:SubscriptionClientName"] = queue,
            ["EventBus:MaxDeliveryAttempts"] = maxDeliveryAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Short backoffs keep the suite fast; production defaults are seconds to minutes.
            ["EventBus:RetryDelays:0"] = "00:00:00.200",
            ["EventBus:RetryDelays:1"] = "00:00:00.400",
            ["EventBus:PublishRetryDelay"] = "00:00:00.200",
            ["EventBus:PublishRetryCount"] = "5",
            ["EventBus:ShutdownTimeout"] = "00:00:05",
            ["Aspire:RabbitMQ:Client:ConnectionFactory:NetworkRecoveryInterval"] = "00:00:00.500",
        });
        builder.Logging.AddSimpleConsole(console => console.TimestampFormat = "HH:mm:ss.fff ")
            .SetMinimumLevel(LogLevel.Warning)
            // The client logs every failed reconnect attempt while the broker restarts.
            .AddFilter("RabbitMQ.Client", LogLevel.Critical);

        builder.AddRedisClient("redis");
        var bus = builder.AddRabbitMqEventBus("rabbitmq");
        subscribe?.Invoke(bus);
        builder.Services.AddSingleton(Probe);

        var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(timeout.Token);
        return new BusHost(host);
    }

    /// <summary>A plain AMQP connection to look at queues and publish hand-made messages, bypassing the bus.</summary>
    public async Task<IConnection> ConnectRawAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(broker.RabbitMq.ConnectionString) };
        return await factory.CreateConnectionAsync();
    }

    /// <summary>Waits (bounded) until a message can be taken from <paramref name="queue"/>.</summary>
    public async Task<BasicGetResult> GetMessageAsync(IChannel channel, string queue, TimeSpan? timeout = null)
    {
        var limit = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTimeOffset.UtcNow < limit)
        {
            var message = await channel.BasicGetAsync(queue, autoAck: true);
            if (message is not null)
            {
                return message;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"No message arrived in {queue}.");
    }
}

/// <summary>
/// A started host, stopped and disposed asynchronously: a synchronous dispose would block one of the few
/// threads of xunit's synchronization context while the client library closes its connection.
/// </summary>
public sealed class BusHost(IHost host) : IAsyncDisposable
{
    public IServiceProvider Services => host.Services;

    public async Task StopAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            host.Dispose();
        }
    }
}

/// <summary>Counts the bus's counters for one consumer queue, as a metrics exporter would see them.</summary>
public sealed class BusCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _totals = [];
    private readonly string _queue;

    public BusCounters(string queue)
    {
        _queue = queue;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EventBusTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "messaging.consumer.group.name" && (string?)tag.Value == _queue)
                {
                    lock (_totals)
                    {
                        _totals[instrument.Name] = _totals.GetValueOrDefault(instrument.Name) + value;
                    }
                }
            }
        });
        _listener.Start();
    }

    public long this[string instrument]
    {
        get
        {
            lock (_totals)
            {
                return _totals.GetValueOrDefault(instrument);
            }
        }
    }

    public async Task WaitForAsync(string instrument, long atLeast, TimeSpan? timeout = null)
    {
        var limit = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (this[instrument] < atLeast)
        {
            if (DateTimeOffset.UtcNow > limit)
            {
                throw new TimeoutException($"{instrument} for {_queue} reached {this[instrument]}, expected {atLeast}.");
            }

            await Task.Delay(50);
        }
    }

    public void Dispose() => _listener.Dispose();
}
