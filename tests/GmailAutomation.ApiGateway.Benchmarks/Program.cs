using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

// The activity page of the web console with many processed messages: how long the gateway takes to render it (its
// Server-Timing header: the page's service calls included) and what the client sees, over sequential requests.
var requests = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
var messages = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
var dataPath = Directory.CreateTempSubdirectory("gmail-automation-bench-").FullName;
using var startTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));

Console.WriteLine($"Starting the AppHost (local processes, data in {dataPath}) …");
var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.GmailAutomation_AppHost>(
    ["Infrastructure:Mode=LocalProcesses", $"Infrastructure:DataPath={dataPath}", "Gateway:Port=0"],
    (options, _) => options.DisableDashboard = true,
    startTimeout.Token);

// The driver is one user making hundreds of requests a minute: lift the per-user budget so no request is refused.
builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "api-gateway").Annotations.Add(
    new EnvironmentCallbackAnnotation(environment => environment["RateLimiting__UserPermitLimit"] = "1000000"));
await using var app = await builder.BuildAsync(startTimeout.Token);
await app.StartAsync(startTimeout.Token);
foreach (var name in new[] { "gmail-emulator", "auth-service", "email-service", "classification-service", "response-service", "draft-service", "api-gateway" })
{
    await app.ResourceNotifications.WaitForResourceHealthyAsync(name, startTimeout.Token);
}

var gateway = app.GetEndpoint("api-gateway", "http");
var emulator = app.GetEndpoint("gmail-emulator", "http");
var email = $"bench.{Guid.NewGuid():N}"[..18] + "@example.test";
using var admin = new HttpClient { BaseAddress = emulator };
(await admin.PostAsJsonAsync("/emulator/mailboxes", new { email })).EnsureSuccessStatusCode();

// Sign in and connect through the gateway as a browser does (cookies kept, the consent form answered).
var cookies = new CookieContainer();
using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(60) };
var toGoogle = await RedirectAsync(browser, $"/api/auth/signin?connectGmail=true&returnUrl=%2F&loginHint={Uri.EscapeDataString(email)}");
var consentPage = await browser.GetStringAsync(toGoogle);
var consentId = WebUtility.HtmlDecode(Regex.Match(consentPage, "name=\"consent_request\" value=\"([^\"]*)\"").Groups[1].Value);
using var allowed = await browser.PostAsync(new Uri(emulator, "/o/oauth2/v2/auth/consent"), new FormUrlEncodedContent(new Dictionary<string, string>
{
    ["consent_request"] = consentId, ["decision"] = "allow", ["email"] = email,
}));
using var callback = await browser.GetAsync(allowed.Headers.Location);
if (callback.StatusCode != HttpStatusCode.Redirect)
{
    throw new InvalidOperationException($"The sign-in callback answered {(int)callback.StatusCode}: {await callback.Content.ReadAsStringAsync()}");
}

var accounts = await browser.GetFromJsonAsync<List<AccountRow>>("/api/accounts") ?? [];
var account = accounts.Single();
var session = await browser.GetFromJsonAsync<SessionRow>("/api/session");

// The classification service learns an account on first use (it asks the auth-service), the draft service from
// AccountConnected: one visit of the page and a wait for both, so every measured request is the ordinary page.
await browser.GetAsync($"/activity?account={account.Id}");
var learning = Stopwatch.StartNew();
while ((await browser.GetAsync($"/api/drafts/accounts/{account.Id}")).StatusCode != HttpStatusCode.OK)
{
    if (learning.Elapsed > TimeSpan.FromMinutes(2))
    {
        throw new TimeoutException("The draft service never learned of the connected account.");
    }

    await Task.Delay(500);
}

// 10,000 processed messages with their decision, as the classification pipeline stores them (written straight into
// classificationdb: driving that many through Gmail quota would take the better part of an hour on this machine).
var classificationDb = await app.GetConnectionStringAsync("classificationdb", startTimeout.Token);
await using (var db = new NpgsqlConnection(classificationDb))
{
    await db.OpenAsync();
    var wait = Stopwatch.StartNew();
    while (true)
    {
        await using var known = new NpgsqlCommand("SELECT count(*) FROM accounts WHERE \"Id\" = @id", db);
        known.Parameters.AddWithValue("id", account.Id);
        if ((long)(await known.ExecuteScalarAsync())! == 1)
        {
            break;
        }

        if (wait.Elapsed > TimeSpan.FromMinutes(2))
        {
            throw new TimeoutException("The classification service never learned of the connected account.");
        }

        await Task.Delay(500);
    }

    var seed = Stopwatch.StartNew();
    await using var insert = new NpgsqlCommand("""
        INSERT INTO processed_messages ("AccountId", "GmailMessageId", "UserId", "ThreadId", "EventId", "InternalDate", "Features", "Category", "ProcessedAt")
        SELECT @account, 'bench' || i, @user, 'thread' || i, gen_random_uuid(), now() - i * interval '1 minute',
               json_build_object('subject', 'Benchmark message ' || i, 'from', json_build_object('address', 'sender' || (i % 50) || '@example.com'))::jsonb,
               (ARRAY['Personal','Work','Newsletter','Promotion','Notification','Receipt'])[1 + i % 6], now() - i * interval '1 minute'
        FROM generate_series(1, @count) AS i;
        INSERT INTO classification_history ("AccountId", "GmailMessageId", "Source", "Category", "Confidence", "NeedsReply", "NeedsReplyReason", "DecidedBy",
                                            "RuleId", "ModelVersion", "Labels", "LabelIdsApplied", "LabelIdsRemoved", "Notes", "ClassifiedAt")
        SELECT @account, 'bench' || i, 'event', (ARRAY['Personal','Work','Newsletter','Promotion','Notification','Receipt'])[1 + i % 6], 0.9, i % 6 < 2, 'benchmark',
               CASE WHEN i % 3 = 0 THEN 'builtin' ELSE 'model' END, CASE WHEN i % 3 = 0 THEN 'builtin:newsletter' END, 'bench-model',
               ARRAY['Automation/' || (ARRAY['Personal','Work','Newsletter','Promotion','Notification','Receipt'])[1 + i % 6]], ARRAY[]::text[], ARRAY[]::text[], ARRAY[]::text[],
               now() - i * interval '1 minute'
        FROM generate_series(1, @count) AS i;
        ANALYZE processed_messages; ANALYZE classification_history;
        """, db);
    insert.Parameters.AddWithValue("account", account.Id);
    insert.Parameters.AddWithValue("user", session!.UserId);
    insert.Parameters.AddWithValue("count", messages);
    await insert.ExecuteNonQueryAsync();
    Console.WriteLine($"Seeded {messages} processed messages in {seed.Elapsed.TotalSeconds:0.0} s.");
}

var pages = new (string Name, string Query)[]
{
    ("newest 50", ""),
    ("category=Work", "&category=Work"),
    ("needs reply", "&needsReply=yes"),
    ("decided by builtin", "&decidedBy=builtin"),
};
Console.WriteLine($"Warming up, then {requests} sequential requests per variant of GET /activity …");
var results = new List<(string Name, double[] Server, double[] Client)>();
foreach (var (name, query) in pages)
{
    var path = $"/activity?account={account.Id}{query}";
    for (var i = 0; i < 20; i++)
    {
        await MeasureAsync(browser, path);
    }

    var server = new double[requests];
    var client = new double[requests];
    for (var i = 0; i < requests; i++)
    {
        (server[i], client[i]) = await MeasureAsync(browser, path);
    }

    results.Add((name, server, client));
}

Console.WriteLine();
Console.WriteLine($"Activity page, {messages} processed messages, {requests} requests each, {Environment.ProcessorCount} cores shared with the whole AppHost");
Console.WriteLine("| page | server p50 | server p95 | server p99 | client p50 | client p99 |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
foreach (var (name, server, client) in results)
{
    Console.WriteLine($"| {name} | {P(server, 50):0.0} ms | {P(server, 95):0.0} ms | {P(server, 99):0.0} ms | {P(client, 50):0.0} ms | {P(client, 99):0.0} ms |");
}

await app.StopAsync();
try
{
    Directory.Delete(dataPath, recursive: true);
}
catch (IOException)
{
    // A process still closing its files: the temporary folder is left for the system to clean.
}

return 0;

static async Task<(double Server, double Client)> MeasureAsync(HttpClient http, string path)
{
    var clock = Stopwatch.StartNew();
    using var response = await http.GetAsync(path);
    var body = await response.Content.ReadAsStringAsync();
    var client = clock.Elapsed.TotalMilliseconds;
    if (response.StatusCode != HttpStatusCode.OK || !body.Contains("id=\"activity\"", StringComparison.Ordinal))
    {
        throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode} without the activity table:\n{body[..Math.Min(body.Length, 2000)]}");
    }

    var timing = response.Headers.TryGetValues("Server-Timing", out var values) ? values.First() : throw new InvalidOperationException("No Server-Timing header.");
    var server = double.Parse(Regex.Match(timing, @"dur=([\d.]+)").Groups[1].Value, CultureInfo.InvariantCulture);
    return (server, client);
}

static double P(double[] values, int percentile)
{
    var sorted = values.Order().ToArray();
    var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1;
    return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
}

static async Task<Uri> RedirectAsync(HttpClient http, string path)
{
    using var response = await http.GetAsync(path);
    return response.StatusCode == HttpStatusCode.Redirect
        ? response.Headers.Location!
        : throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
}

internal sealed record AccountRow(Guid Id, string EmailAddress);

internal sealed record SessionRow(Guid UserId, string Email);
