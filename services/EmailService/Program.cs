using GmailAutomation.EmailService;
using GmailAutomation.EmailService.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapPushApi();
app.MapSyncStatusApi();

app.Run();

/// <summary>Entry point, visible to the service's tests (WebApplicationFactory).</summary>
public partial class Program;
