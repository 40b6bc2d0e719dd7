using GmailAutomation.ClassificationService.Tools;

// `eval` and `train` are command-line modes (eng/classify-eval.sh, eng/classify-train.sh): no web host.
if (ClassifierCommands.IsCommand(args))
{
    return ClassifierCommands.Run(args, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();

// Backing services this service owns; each registration adds a real health check.
builder.AddRedisClient("redis");
builder.AddNpgsqlDataSource("classificationdb");
builder.AddRabbitMqEventBus("rabbitmq");

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
return 0;

/// <summary>Entry point, visible to the service's tests (WebApplicationFactory).</summary>
public partial class Program;
