using System.Diagnostics;
using GmailAutomation.Testing;

namespace GmailAutomation.EventBus.Tests;

/// <summary>One real RabbitMQ node and one real Redis for the whole test assembly, and trace collection.</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private ActivityListener? _listener;

    public LocalRabbitMqServer RabbitMq { get; private set; } = null!;

    public LocalRedisServer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Record every span of the bus (and of the tests), as an exporter would, so trace context is created and propagated.
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("GmailAutomation.", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);

        var rabbit = LocalRabbitMqServer.StartAsync();
        var redis = LocalRedisServer.StartAsync();
        try
        {
            await Task.WhenAll(rabbit, redis);
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed: stop whichever server did start.
            if (redis.IsCompletedSuccessfully)
            {
                await redis.Result.DisposeAsync();
            }

            if (rabbit.IsCompletedSuccessfully)
            {
                await rabbit.Result.DisposeAsync();
            }

            throw;
        }

        RabbitMq = rabbit.Result;
        Redis = redis.Result;
    }

    public async Task DisposeAsync()
    {
        _listener?.Dispose();

        // Redis first: it is killed at once, while the broker takes a few seconds to stop.
        try
        {
            if (Redis is not null)
            {
                await Redis.DisposeAsync();
            }
        }
        finally
        {
            if (RabbitMq is not null)
            {
                await RabbitMq.DisposeAsync();
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BrokerCollection : ICollectionFixture<BrokerFixture>
{
    public const string Name = "broker";
}
