using Npgsql;
using RabbitMQ.Client;
using StackExchange.Redis;

namespace GmailAutomation.IntegrationTests;

/// <summary>
/// The data folder outlives the AppHost: a second AppHost on the same folder (same generated passwords) finds the
/// Redis key, the PostgreSQL table and the durable RabbitMQ message the first one left. Only the backing services
/// are started, which keeps this to two short boots.
/// </summary>
[Collection(Name)]
public sealed class DataPersistenceTests : IAsyncLifetime
{
    public const string Name = "Data persistence";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly string _dataPath = Directory.CreateTempSubdirectory("gmail-automation-data-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_dataPath, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Data_written_before_a_restart_is_still_there_after_it()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var marker = Guid.NewGuid().ToString("N");

        await using (var first = await StartBackingServicesAsync(timeout.Token))
        {
            var redis = await ConnectionMultiplexer.ConnectAsync(await ConnectionStringAsync(first, "redis", timeout.Token));
            await using (redis)
            {
                await redis.GetDatabase().StringSetAsync("restart-check", marker);
            }

            await using (var postgres = await OpenAsync(first, "authdb", timeout.Token))
            {
                await using var create = new NpgsqlCommand("CREATE TABLE restart_check (value text NOT NULL)", postgres);
                await create.ExecuteNonQueryAsync(timeout.Token);
                await using var insert = new NpgsqlCommand("INSERT INTO restart_check VALUES ($1)", postgres)
                {
                    Parameters = { new() { Value = marker } },
                };
                await insert.ExecuteNonQueryAsync(timeout.Token);
            }

            await using (var rabbit = await ConnectRabbitAsync(first, timeout.Token))
            await using (var channel = await rabbit.CreateChannelAsync(cancellationToken: timeout.Token))
            {
                await channel.QueueDeclareAsync("restart-check", durable: true, exclusive: false, autoDelete: false, cancellationToken: timeout.Token);
                await channel.BasicPublishAsync("", "restart-check", mandatory: false,
                    new BasicProperties { DeliveryMode = DeliveryModes.Persistent }, System.Text.Encoding.UTF8.GetBytes(marker), timeout.Token);
            }

            NpgsqlConnection.ClearAllPools();
        }

        await using var second = await StartBackingServicesAsync(timeout.Token);

        var redisAgain = await ConnectionMultiplexer.ConnectAsync(await ConnectionStringAsync(second, "redis", timeout.Token));
        await using (redisAgain)
        {
            Assert.Equal(marker, (string?)await redisAgain.GetDatabase().StringGetAsync("restart-check"));
        }

        await using (var postgres = await OpenAsync(second, "authdb", timeout.Token))
        {
            await using var select = new NpgsqlCommand("SELECT value FROM restart_check", postgres);
            Assert.Equal(marker, await select.ExecuteScalarAsync(timeout.Token));
        }

        NpgsqlConnection.ClearAllPools();
        await using var rabbitAgain = await ConnectRabbitAsync(second, timeout.Token);
        await using var channelAgain = await rabbitAgain.CreateChannelAsync(cancellationToken: timeout.Token);
        var message = await channelAgain.BasicGetAsync("restart-check", autoAck: true, timeout.Token);
        Assert.NotNull(message);
        Assert.Equal(marker, System.Text.Encoding.UTF8.GetString(message.Body.Span));
    }

    private async Task<DistributedApplication> StartBackingServicesAsync(CancellationToken cancellationToken)
    {
        var builder = await AppHostLauncher.CreateBuilderAsync(_dataPath, cancellationToken);
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.Resources.Remove(project);
        }

        return await AppHostLauncher.StartAsync(builder, AppHostLauncher.BackingResources, cancellationToken);
    }

    private static async Task<string> ConnectionStringAsync(DistributedApplication app, string name, CancellationToken cancellationToken) =>
        await app.GetConnectionStringAsync(name, cancellationToken)
            ?? throw new InvalidOperationException($"{name} has no connection string.");

    private static async Task<NpgsqlConnection> OpenAsync(DistributedApplication app, string database, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(await ConnectionStringAsync(app, database, cancellationToken));
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task<IConnection> ConnectRabbitAsync(DistributedApplication app, CancellationToken cancellationToken) =>
        await new ConnectionFactory { Uri = new Uri(await ConnectionStringAsync(app, "rabbitmq", cancellationToken)) }
            .CreateConnectionAsync(cancellationToken);
}
