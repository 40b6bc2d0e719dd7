using GmailAutomation.ClassificationService;
using GmailAutomation.ClassificationService.Apis;
using GmailAutomation.ClassificationService.Tools;

// `eval` and `train` are command-line modes (eng/classify-eval.sh, eng/classify-train.sh): no web host.
if (ClassifierCommands.IsCommand(args))
{
    return ClassifierCommands.Run(args, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.Services.AddOpenApi();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapRulesApi();
app.MapClassifyApi();
app.MapMessagesApi();

app.Run();
return 0;

/// <summary>Entry point, visible to the service's tests (WebApplicationFactory).</summary>
public partial class Program;
