var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();

// Backing services this service owns; each registration adds a real health check.
builder.AddRedisClient("redis");
builder.AddNpgsqlDataSource("classificationdb");
builder.AddRabbitMqEventBus("rabbitmq");

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

/// <summary>Entry point, visible to the service's tests (WebApplicationFactory).</summary>
public partial class Program;
