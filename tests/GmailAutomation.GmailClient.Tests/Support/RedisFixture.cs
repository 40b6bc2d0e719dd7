using GmailAutomation.Testing;
using StackExchange.Redis;

namespace GmailAutomation.GmailClient.Tests.Support;

/// <summary>One real redis-server for the whole test assembly (started on first use, killed at process exit).</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public LocalRedisServer Server { get; private set; } = null!;

    public IConnectionMultiplexer Connection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await LocalRedisServer.GetSharedAsync();
        Connection = await ConnectionMultiplexer.ConnectAsync(Server.ConnectionString);
    }

    public async Task DisposeAsync() => await Connection.DisposeAsync();
}
