using GmailAutomation.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GmailAutomation.ApiGateway.Tests;

/// <summary>
/// The gateway against real Redis, RabbitMQ and PostgreSQL, with one real downstream service (a
/// minimal app built with our service defaults, on Kestrel) that the tests can take down.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public LocalRedisServer Redis { get; private set; } = null!;

    public LocalRabbitMqServer RabbitMq { get; private set; } = null!;

    public LocalPostgresServer Postgres { get; private set; } = null!;

    public WebApplication Downstream { get; private set; } = null!;

    public WebApplicationFactory<Program> Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var redis = LocalRedisServer.GetSharedAsync();
        var rabbit = LocalRabbitMqServer.StartAsync();
        var postgres = LocalPostgresServer.GetSharedAsync();
        Redis = await redis;
        RabbitMq = await rabbit;
        Postgres = await postgres;
        Downstream = await StartDownstreamAsync();

        var downstreamUrl = Downstream.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Gateway = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:redis", Redis.ConnectionString);
            web.UseSetting("ConnectionStrings:rabbitmq", RabbitMq.ConnectionString);
            web.UseSetting("ConnectionStrings:postgres", Postgres.ConnectionString);
            // What Aspire's WithReference(service) gives the gateway: a service-discovery entry per service.
            web.UseSetting("services:draft-service:http:0", downstreamUrl);
            web.ConfigureLogging(logging => logging.ClearProviders());
        });
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Downstream.DisposeAsync();
        await RabbitMq.DisposeAsync();
    }

    private static async Task<WebApplication> StartDownstreamAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration["OTEL_SERVICE_NAME"] = "draft-service";
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        return app;
    }
}
