using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.IntegrationTests;

/// <summary>
/// The whole pipeline through the AppHost under a crash and under a log scan. The longer chaos runs (every service
/// killed in turn, RabbitMQ/Redis/PostgreSQL restarts, emulator faults, replicas) are in eng/e2e.sh; this is the
/// short one that fits the suite.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed partial class PipelineFaultTests(AppHostFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(150);
    private EmulatorAdmin _emulator = null!;

    public Task InitializeAsync()
    {
        _emulator = new EmulatorAdmin(fixture.App.GetEndpoint("gmail-emulator", "http"));
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _emulator.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Killing_the_classification_service_mid_run_leaves_every_message_labelled_once_and_drafted_once()
    {
        var mailbox = await ConnectAsync("kill");
        var sent = new List<(string GmailId, string MessageId, bool Invitation)>();
        await DeliverAsync(mailbox, sent, from: 0, count: 10);
        await WaitUntilAsync(async () => Labelled(await _emulator.GetMailboxAsync(mailbox), sent) > 0, "the first labels");

        // kill -9 while the first half may still be in flight; the second half arrives while no classifier runs.
        var pid = ProcessId("classification-service");
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        await DeliverAsync(mailbox, sent, from: 10, count: 10);
        using var timeout = new CancellationTokenSource(Patience);
        await fixture.App.ResourceNotifications.WaitForResourceAsync(
            "classification-service", state => state.Snapshot.State?.Text is "Exited" or "Finished" or "FailedToStart", timeout.Token);
        var commands = fixture.App.Services.GetRequiredService<ResourceCommandService>();
        var started = await commands.ExecuteCommandAsync("classification-service", KnownResourceCommands.StartCommand, timeout.Token);
        Assert.True(started.Success, started.Message);
        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("classification-service", timeout.Token);

        await WaitUntilAsync(async () => PipelineEndState.Problems(await _emulator.GetMailboxAsync(mailbox), sent).Count == 0, "every label and draft");

        // A redelivered event acted on twice would show up a little later: look again.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Empty(PipelineEndState.Problems(await _emulator.GetMailboxAsync(mailbox), sent));
    }

    [Fact]
    public async Task No_service_log_line_holds_a_token_or_the_text_of_a_message()
    {
        var canary = "canary" + Guid.NewGuid().ToString("N")[..12];
        var mailbox = await ConnectAsync("logscan");
        var sent = new List<(string GmailId, string MessageId, bool Invitation)>();
        await DeliverAsync(mailbox, sent, from: 0, count: 4, canary);
        await WaitUntilAsync(async () => PipelineEndState.Problems(await _emulator.GetMailboxAsync(mailbox), sent).Count == 0, "labels and drafts");

        var logs = fixture.App.Services.GetRequiredService<ResourceLoggerService>();
        var findings = new List<string>();
        var scanned = 0;
        foreach (var service in AppHostLauncher.Services.Where(s => s != "gmail-emulator"))
        {
            Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(service, out var state), $"{service} is unknown");
            using var read = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await foreach (var batch in logs.GetAllAsync(state.ResourceId).WithCancellation(read.Token))
                {
                    foreach (var line in batch)
                    {
                        scanned++;
                        if (line.Content.Contains(canary, StringComparison.Ordinal))
                        {
                            findings.Add($"{service}: message text in \"{Cut(line.Content)}\"");
                        }

                        if (Token().IsMatch(line.Content))
                        {
                            findings.Add($"{service}: a token in \"{Cut(Token().Replace(line.Content, "<token>"))}\"");
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Everything logged so far has been read.
            }
        }

        Assert.True(scanned > 100, $"only {scanned} log lines were read; the scan proves nothing");
        Assert.Empty(findings);
    }

    private async Task<string> ConnectAsync(string prefix)
    {
        var email = $"{prefix}.{Guid.NewGuid():N}"[..20] + "@example.test";
        using var browser = new MailboxBrowser();
        await browser.SignInAndConnectAsync(fixture.App.GetEndpoint("auth-service", "http"), fixture.App.GetEndpoint("gmail-emulator", "http"), email);
        await WaitUntilAsync(() => _emulator.IsWatchedAsync(email), "email-service's users.watch");
        return email;
    }

    /// <summary>Every third message is an invitation (needs a reply), the others receipts.</summary>
    private async Task DeliverAsync(string mailbox, List<(string, string, bool)> sent, int from, int count, string bodyText = "Thanks.")
    {
        for (var n = from; n < from + count; n++)
        {
            var invitation = n % 3 == 0;
            var (raw, messageId) = PipelineEndState.Compose(mailbox, n, invitation, bodyText);
            sent.Add((await _emulator.DeliverRawAsync(mailbox, raw), messageId, invitation));
        }
    }

    private static int Labelled(System.Text.Json.Nodes.JsonNode mailbox, IEnumerable<(string GmailId, string, bool)> sent)
    {
        var ids = sent.Select(s => s.GmailId).ToHashSet(StringComparer.Ordinal);
        return mailbox["messages"]!.AsArray().Count(m => ids.Contains(m!["id"]!.GetValue<string>())
            && m["labelNames"]!.AsArray().Any(l => l!.GetValue<string>().StartsWith("Automation/", StringComparison.Ordinal)));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {Patience.TotalSeconds:0} s waiting for {what}.");
            }

            await Task.Delay(250);
        }
    }

    private int ProcessId(string resource)
    {
        Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(resource, out var state), $"{resource} is unknown");
        var pid = state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        Assert.NotNull(pid);
        return Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Cut(string line) => line.Length <= 160 ? line : line[..160] + "…";

    // The shapes of Google's (and the emulator's) tokens: access ya29.a0…, refresh 1//0…, authorization code 4/0A….
    [GeneratedRegex(@"ya29\.a0[A-Za-z0-9_\-]{20,}|1//0[A-Za-z0-9_\-]{20,}|4/0A[A-Za-z0-9_\-]{20,}", RegexOptions.CultureInvariant)]
    private static partial Regex Token();
}
