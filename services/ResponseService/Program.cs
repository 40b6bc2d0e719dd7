using GmailAutomation.ResponseService;
using GmailAutomation.ResponseService.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapRepliesApi();

app.Run();

/// <summary>Entry point, visible to the service's tests (WebApplicationFactory).</summary>
public partial class Program;
