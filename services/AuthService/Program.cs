using GmailAutomation.AuthService.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.Services.AddOpenApi();

var app = builder.Build();

app.UseForwardedHeaders();
app.MapDefaultEndpoints();
app.MapOpenApi();

app.MapAuthApi();
app.MapAccountsApi();
app.MapInternalApi();

app.Run();

/// <summary>Entry point, visible to the service's tests (WebApplicationFactory).</summary>
public partial class Program;
