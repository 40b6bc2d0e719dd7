var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

/// <summary>Entry point, visible to the service's tests (WebApplicationFactory).</summary>
public partial class Program;
