using GmailAutomation.DraftService;
using GmailAutomation.DraftService.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapDraftsApi();

app.Run();

/// <summary>Entry point, visible to the service's tests (WebApplicationFactory).</summary>
public partial class Program;
