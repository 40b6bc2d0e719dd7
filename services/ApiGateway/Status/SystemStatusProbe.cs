using System.Diagnostics;
using System.Net.Http.Json;
using GmailAutomation.ServiceDefaults;
using Npgsql;
using RabbitMQ.Client;
using StackExchange.Redis;

namespace GmailAutomation.ApiGateway.Status;

/// <summary>
/// Asks every referenced service for its /health and every backing resource for its version, in
/// parallel, each bounded by <see cref="StatusOptions.ProbeTimeout"/>. Services are the ones the AppHost
/// referenced (configuration section <c>services</c>, filled by Aspire service discovery), so the list
/// always matches the wiring.
/// </summary>
public sealed class SystemStatusProbe(
    IHttpClientFactory httpClientFactory,
    IConfiguration configuration,
    IServiceProvider services,
    TimeProvider timeProvider,
    Microsoft.Extensions.Options.IOptions<StatusOptions> options,
    ILogger<SystemStatusProbe> logger)
{
    public const string HttpClientName = "status-probe";

    public async Task<SystemStatus> CheckAsync(CancellationToken cancellationToken)
    {
        var serviceChecks = ReferencedServices().Select(name => CheckServiceAsync(name, cancellationToken));
        var resourceChecks = new[]
        {
            CheckResourceAsync("redis", RedisVersionAsync, cancellationToken),
            CheckResourceAsync("rabbitmq", RabbitMqVersionAsync, cancellationToken),
            CheckResourceAsync("postgres", PostgresVersionAsync, cancellationToken),
        };

        var servicesStatus = await Task.WhenAll(serviceChecks);
        var resourcesStatus = await Task.WhenAll(resourceChecks);
        var all = servicesStatus.Concat(resourcesStatus).ToList();
        var overall = all.Count > 0 && all.All(c => c.Status == HealthStates.Healthy) ? HealthStates.Healthy : HealthStates.Unhealthy;

        return new SystemStatus(overall, HealthReportWriter.ServiceVersion, timeProvider.GetUtcNow(), servicesStatus, resourcesStatus);
    }

    /// <summary>Names of the services the AppHost gave this gateway a reference to.</summary>
    public IReadOnlyList<string> ReferencedServices() =>
        configuration.GetSection("services").GetChildren().Select(s => s.Key).Order(StringComparer.Ordinal).ToList();

    private async Task<ComponentStatus> CheckServiceAsync(string name, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.ProbeTimeout);
            var client = httpClientFactory.CreateClient(HttpClientName);
            using var response = await client.GetAsync(new Uri($"http://{name}{Extensions.HealthEndpointPath}"), timeout.Token);
            var health = await response.Content.ReadFromJsonAsync<HealthDocument>(timeout.Token);
            var status = response.IsSuccessStatusCode ? health?.Status ?? HealthStates.Unhealthy : HealthStates.Unhealthy;
            var error = status == HealthStates.Healthy ? null : DescribeFailedChecks(health, (int)response.StatusCode);
            return new ComponentStatus(name, status, health?.Version, Elapsed(started), error);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            logger.LogWarning("Status probe of {Service} failed: {Error}", name, ex.Message);
            return new ComponentStatus(name, HealthStates.Unhealthy, null, Elapsed(started), ex.Message);
        }
    }

    private async Task<ComponentStatus> CheckResourceAsync(string name, Func<CancellationToken, Task<string>> readVersion, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.ProbeTimeout);
            var version = await readVersion(timeout.Token).WaitAsync(timeout.Token);
            return new ComponentStatus(name, HealthStates.Healthy, version, Elapsed(started));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogWarning("Status probe of {Resource} failed: {Error}", name, ex.Message);
            return new ComponentStatus(name, HealthStates.Unhealthy, null, Elapsed(started), ex.Message);
        }
    }

    private async Task<string> RedisVersionAsync(CancellationToken cancellationToken)
    {
        var redis = services.GetRequiredService<IConnectionMultiplexer>();
        var latency = await redis.GetDatabase().PingAsync();
        cancellationToken.ThrowIfCancellationRequested();
        var server = redis.GetServers().FirstOrDefault(s => s.IsConnected)
            ?? throw new InvalidOperationException($"No connected Redis server (ping took {latency.TotalMilliseconds:F0} ms).");
        return server.Version.ToString();
    }

    private Task<string> RabbitMqVersionAsync(CancellationToken cancellationToken)
    {
        var connection = services.GetRequiredService<IConnection>();
        if (!connection.IsOpen)
        {
            throw new InvalidOperationException($"Connection to RabbitMQ is closed: {connection.CloseReason?.ReplyText}");
        }

        var version = connection.ServerProperties is { } properties && properties.TryGetValue("version", out var raw) && raw is byte[] bytes
            ? System.Text.Encoding.UTF8.GetString(bytes)
            : "unknown";
        return Task.FromResult(version);
    }

    private async Task<string> PostgresVersionAsync(CancellationToken cancellationToken)
    {
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand("SHOW server_version");
        return (string?)await command.ExecuteScalarAsync(cancellationToken) ?? "unknown";
    }

    private static string DescribeFailedChecks(HealthDocument? health, int statusCode)
    {
        var failed = health?.Checks.Where(c => c.Value.Status != HealthStates.Healthy).Select(c => c.Key).ToList();
        return failed is { Count: > 0 } ? $"Failing checks: {string.Join(", ", failed)}" : $"/health answered {statusCode}";
    }

    private static double Elapsed(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}

public sealed class StatusOptions
{
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
