using GmailAutomation.ApiGateway.Apis;
using GmailAutomation.ApiGateway.Status;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddSystemStatus();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapStatusApi();

app.Run();

/// <summary>Entry point, visible to the service's tests (WebApplicationFactory).</summary>
public partial class Program;
