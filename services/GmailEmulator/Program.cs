using GmailAutomation.GmailEmulator;
using GmailAutomation.GmailEmulator.Admin;
using GmailAutomation.GmailEmulator.GmailApi;
using GmailAutomation.GmailEmulator.Mailboxes;
using GmailAutomation.GmailEmulator.Faults;
using GmailAutomation.GmailEmulator.OAuth;
using GmailAutomation.GmailEmulator.Push;
using GmailAutomation.GmailEmulator.Quota;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddEmulatorGoogleServices();
builder.AddEmulatorMailboxes();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapGmailApi();
app.MapGoogleOAuthEndpoints();
app.MapEmulatorAdminApi();
app.MapEmulatorClientsApi();
app.MapEmulatorFaultsApi();
app.MapEmulatorQuotaApi();
app.MapEmulatorPushApi();

app.Run();

/// <summary>Entry point, visible to the service's tests (WebApplicationFactory).</summary>
public partial class Program;
