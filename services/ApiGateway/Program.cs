using GmailAutomation.ApiGateway.Apis;
using GmailAutomation.ApiGateway.Docs;
using GmailAutomation.ApiGateway.Status;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddSystemStatus();
builder.AddApiDocs();
builder.AddWebConsole();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseGatewayIdentity();

app.MapStatusApi();
app.MapSessionApi();
app.MapApiTokensApi();
app.MapAuditApi();
app.MapApiDocs();
app.MapWebConsole();
app.MapPublicApiProxy();

app.Run();

/// <summary>Entry point, visible to the service's tests (WebApplicationFactory).</summary>
public partial class Program;
