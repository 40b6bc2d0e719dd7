using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace GmailAutomation.IntegrationTests;

/// <summary>
/// A person at the web console in headless Chromium (Debian's, driven by Playwright's bundled node driver; no browser
/// download) against the whole running AppHost: sign in through the emulator's consent page, connect the demo
/// mailbox, watch the initial sync, see the classified mail, change a rule after a dry-run, correct a category, open
/// a draft and read all of it back in the audit log. Every page is saved as a screenshot in artifacts/screenshots.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed partial class WebConsoleBrowserTests(AppHostFixture fixture) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private const string DemoMailbox = "demo@gmail-automation.local";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private int _shot;

    private Uri Gateway => fixture.App.GetEndpoint("api-gateway", "http");

    private static string ScreenshotFolder { get; } = FindScreenshotFolder();

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: eng/common.sh installs Debian's chromium package.");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // As root (CI, these machines) Chromium refuses to start with its sandbox.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
        _context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        // Two cores shared with the whole AppHost (and often a build): give pages and assertions time.
        _context.SetDefaultTimeout(60_000);
        Assertions.SetDefaultExpectTimeout(30_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task A_person_signs_in_connects_the_demo_mailbox_and_uses_every_page_of_the_console()
    {
        await Step("sign-in page", async () =>
        {
            await _page.GotoAsync(Gateway.ToString());
            await Expect(_page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Google" })).ToBeVisibleAsync();
            await ShotAsync("sign-in");
        });

        await Step("sign in through the emulator's consent page", async () =>
        {
            await _page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Google" }).ClickAsync();
            await ConsentAsync();
            await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Your Gmail accounts" })).ToBeVisibleAsync();
            await Expect(_page.GetByText($"Signed in as {DemoMailbox}")).ToBeVisibleAsync();
            await ShotAsync("signed-in");
        });

        await Step("connect the demo mailbox", async () =>
        {
            await _page.GetByRole(AriaRole.Link, new() { Name = "Connect a Gmail account" }).ClickAsync();
            await ConsentAsync();
            await Expect(_page.GetByRole(AriaRole.Link, new() { Name = DemoMailbox })).ToBeVisibleAsync();
            await Expect(_page.GetByText("Connected", new() { Exact = true })).ToBeVisibleAsync();
            await ShotAsync("accounts");
        });

        await Step("watch the initial sync", async () =>
        {
            await _page.GetByRole(AriaRole.Link, new() { Name = "Sync & quota" }).ClickAsync();
            var progress = _page.Locator("#initial-sync");
            // Right after connecting, the email-service may not have taken the account on yet: the page says so and refreshes.
            await WaitForAsync(() => progress.IsVisibleAsync(), "the initial sync's progress bar", reload: true);
            var seen = new List<int>();
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                var value = int.Parse(await progress.GetAttributeAsync("value") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
                if (seen.Count == 0 || seen[^1] != value)
                {
                    seen.Add(value);
                    await ShotAsync($"sync-{value:000}");
                }

                if (value == 100 && await _page.GetByText("Complete:").IsVisibleAsync())
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, $"the initial sync did not complete within {Patience.TotalMinutes} min; progress seen: {string.Join(", ", seen)}");
                await Task.Delay(1000);
                await _page.ReloadAsync();
            }

            Assert.Contains(100, seen);
            await Expect(_page.Locator("svg.chart rect").First).ToBeAttachedAsync();
            await ShotAsync("sync-complete");
        });

        string subject = string.Empty, category = string.Empty;
        await Step("see the classified messages", async () =>
        {
            await _page.GetByRole(AriaRole.Link, new() { Name = "Activity" }).ClickAsync();
            var rows = _page.Locator("#activity tbody tr");
            await WaitForAsync(async () => await rows.CountAsync() > 0, "classified messages on the activity page", reload: true);
            var first = rows.First;
            subject = (await first.Locator(".subject").InnerTextAsync()).Trim();
            category = (await first.Locator(".category strong").InnerTextAsync()).Trim();
            Assert.False(string.IsNullOrEmpty(category), "the newest message shows no category");
            Assert.False(string.IsNullOrWhiteSpace(await first.Locator(".decider").InnerTextAsync()), "the newest message does not say who decided");
            await ShotAsync("activity");

            await _page.GetByLabel("Category", new() { Exact = true }).SelectOptionAsync(category);
            await _page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
            foreach (var shown in await _page.Locator("#activity tbody .category strong").AllInnerTextsAsync())
            {
                Assert.Equal(category, shown.Trim());
            }

            await ShotAsync("activity-filtered");
        });

        var target = category == "Promotion" ? "Notification" : "Promotion";
        var ruleName = "Console test rule";
        await Step("change a rule after a dry-run", async () =>
        {
            await _page.GetByRole(AriaRole.Link, new() { Name = "Rules", Exact = true }).ClickAsync();
            await ShotAsync("rules");
            await _page.GetByRole(AriaRole.Link, new() { Name = "New rule" }).ClickAsync();
            await _page.GetByLabel("Name", new() { Exact = true }).FillAsync(ruleName);
            await _page.Locator("#cond-0-field").SelectOptionAsync("subject");
            await _page.Locator("#cond-0-op").SelectOptionAsync("equals");
            await _page.Locator("#cond-0-value").FillAsync(subject);
            await _page.GetByLabel("Set the category").SelectOptionAsync(target);

            await _page.GetByRole(AriaRole.Button, new() { Name = "Preview on recent mail" }).ClickAsync();
            var preview = _page.Locator("#preview");
            await Expect(preview).ToBeVisibleAsync();
            await Expect(preview.GetByRole(AriaRole.Heading)).ToHaveTextAsync(new Regex(@"Preview: [1-9]\d* of the last \d+ messages would change"));
            await Expect(preview.GetByText(subject).First).ToBeVisibleAsync();
            await Expect(preview.GetByText(target, new() { Exact = true }).First).ToBeVisibleAsync();
            await ShotAsync("rule-preview");

            await _page.GetByRole(AriaRole.Button, new() { Name = "Save rule" }).ClickAsync();
            await Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Rule “{ruleName}” is saved");
            await Expect(_page.Locator("#rules").GetByRole(AriaRole.Link, new() { Name = ruleName })).ToBeVisibleAsync();
            await _page.GetByRole(AriaRole.Button, new() { Name = $"Disable rule {ruleName}" }).ClickAsync();
            await Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("is off");
            await ShotAsync("rules-saved");
        });

        string corrected = string.Empty;
        await Step("correct a category", async () =>
        {
            await _page.GetByRole(AriaRole.Link, new() { Name = "Activity" }).ClickAsync();
            var row = _page.Locator("#activity tbody tr").First;
            corrected = await row.GetAttributeAsync("data-message-id") ?? string.Empty;
            var was = (await row.Locator(".category strong").InnerTextAsync()).Trim();
            var to = was == "Work" ? "Personal" : "Work";
            await row.GetByRole(AriaRole.Combobox).SelectOptionAsync(to);
            await row.GetByRole(AriaRole.Button, new() { Name = "Correct" }).ClickAsync();
            await Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Category changed from {was} to {to}");
            var after = _page.Locator($"#activity tr[data-message-id=\"{corrected}\"]");
            await Expect(after.Locator(".category strong")).ToHaveTextAsync(to);
            await Expect(after.GetByText("corrected", new() { Exact = true })).ToBeVisibleAsync();
            await Expect(after.Locator(".decider")).ToHaveTextAsync("you (correction)");
            await ShotAsync("activity-corrected");
        });

        await Step("open a draft", async () =>
        {
            // The person's own rule decides that Alice's mail needs an answer (the shipped model may file a short
            // question as anything); then new mail from her arrives: push → sync → rule → reply → Gmail draft.
            await _page.GetByRole(AriaRole.Link, new() { Name = "Rules", Exact = true }).ClickAsync();
            await _page.GetByRole(AriaRole.Link, new() { Name = "New rule" }).ClickAsync();
            await _page.GetByLabel("Name", new() { Exact = true }).FillAsync("Alice needs an answer");
            await _page.Locator("#cond-0-field").SelectOptionAsync("from");
            await _page.Locator("#cond-0-op").SelectOptionAsync("contains");
            await _page.Locator("#cond-0-value").FillAsync("alice@example.com");
            await _page.GetByLabel("Set the category").SelectOptionAsync("Personal");
            await _page.GetByLabel("Needs a reply").SelectOptionAsync("set");
            await _page.GetByRole(AriaRole.Button, new() { Name = "Save rule" }).ClickAsync();
            await Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("Rule “Alice needs an answer” is saved");

            var asked = await DeliverQuestionAsync();
            await _page.GetByRole(AriaRole.Link, new() { Name = "Activity" }).ClickAsync();
            var question = _page.Locator($"#activity tr[data-message-id=\"{asked}\"]");
            await WaitForAsync(() => question.IsVisibleAsync(), "the delivered question on the activity page", reload: true);
            await Expect(question.Locator("td[data-label='Needs reply'] .reply")).ToHaveTextAsync("Yes");
            await Expect(question.Locator(".decider")).ToHaveTextAsync("rule “Alice needs an answer”");
            await ShotAsync("activity-question");
            await _page.GetByRole(AriaRole.Link, new() { Name = "Drafts" }).ClickAsync();
            var open = _page.Locator($"#drafts a[href^=\"/drafts/{asked}?\"]");
            await WaitForAsync(() => open.IsVisibleAsync(), "a reply draft on the drafts page", reload: true);
            await ShotAsync("drafts");
            await open.ClickAsync();
            await Expect(_page.Locator("#draft-facts")).ToContainTextAsync("template");
            await Expect(_page.Locator("#draft-text")).Not.ToBeEmptyAsync();
            await ShotAsync("draft");
            await _page.GetByRole(AriaRole.Button, new() { Name = "Write it again" }).ClickAsync();
            await Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("A new reply is being written");
        });

        await Step("preferences show the service's validation next to the field", async () =>
        {
            await _page.GetByRole(AriaRole.Link, new() { Name = "Preferences" }).ClickAsync();
            await _page.GetByLabel("Initial sync window (days)").FillAsync("5");
            await _page.GetByRole(AriaRole.Button, new() { Name = "Save preferences" }).ClickAsync();
            await Expect(_page.Locator("#pref-syncWindowDays-error")).ToContainTextAsync("between 7 and 90");
            await Expect(_page.GetByLabel("Initial sync window (days)")).ToHaveAttributeAsync("aria-invalid", "true");
            await ShotAsync("preferences-invalid");
            await _page.GetByLabel("Initial sync window (days)").FillAsync("30");
            await _page.GetByLabel("Tone").SelectOptionAsync("formal");
            await _page.GetByRole(AriaRole.Button, new() { Name = "Save preferences" }).ClickAsync();
            await Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("are saved");
        });

        await Step("read the audit entries of those actions", async () =>
        {
            await _page.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
            var actions = _page.Locator("#audit td.action");
            await Expect(actions.First).ToBeVisibleAsync();
            await ShotAsync("audit");

            // What the automation did and what the person changed, one filter at a time. Every entry comes from an
            // integration event, so it may arrive a moment after the change: each filter reloads until it shows.
            foreach (var action in new[] { "account.connected", "email.classified", "draft.created", "preferences.changed", "rule.created", "rule.updated", "draft.regeneration-requested", "category.corrected" })
            {
                await _page.GetByLabel("Action").SelectOptionAsync(action);
                await _page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
                await WaitForAsync(async () => await actions.CountAsync() > 0, $"an audit entry '{action}'", reload: true);
                Assert.All(await actions.AllInnerTextsAsync(), shown => Assert.Equal(action, shown.Trim()));
            }

            await Expect(actions).ToHaveCountAsync(1);
            await Expect(_page.Locator("#audit tbody tr").First).ToContainTextAsync(corrected);
            await ShotAsync("audit-filtered");
        });

        await Step("readable on a phone", async () =>
        {
            await _page.SetViewportSizeAsync(390, 844);
            await _page.GetByRole(AriaRole.Link, new() { Name = "Activity" }).ClickAsync();
            var width = await _page.EvaluateAsync<int>("document.documentElement.scrollWidth");
            Assert.True(width <= 390, $"the activity page is {width} px wide on a 390 px phone screen: it scrolls sideways");
            await ShotAsync("phone-activity");
            await _page.SetViewportSizeAsync(1280, 900);
        });

        await Step("keyboard: the skip link and the first menu entry are reachable with Tab", async () =>
        {
            await _page.Keyboard.PressAsync("Tab");
            Assert.Equal("Skip to content", await _page.EvaluateAsync<string>("document.activeElement.textContent"));
            await _page.Keyboard.PressAsync("Enter");
            Assert.Equal("content", await _page.EvaluateAsync<string>("document.activeElement.id"));
        });
    }

    /// <summary>Delivers a message to the demo mailbox through the emulator's admin API (as new mail arrives); returns its Gmail id.</summary>
    private async Task<string> DeliverQuestionAsync()
    {
        using var admin = new HttpClient { BaseAddress = fixture.App.GetEndpoint("gmail-emulator", "http"), Timeout = TimeSpan.FromSeconds(60) };
        var mail = $"From: Alice Example <alice@example.com>\r\nTo: {DemoMailbox}\r\nSubject: Can you send me the Q3 report?\r\n"
            + $"Date: {DateTimeOffset.UtcNow:R}\r\nMessage-ID: <{Guid.NewGuid():N}@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            + "Hi,\r\n\r\nCould you send me the Q3 report by Friday?\r\n\r\nThanks,\r\nAlice\r\n";
        using var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(mail));
        content.Headers.ContentType = new("message/rfc822");
        using var response = await admin.PostAsync($"/emulator/mailboxes/{Uri.EscapeDataString(DemoMailbox)}/deliver", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"the emulator refused the delivery: {(int)response.StatusCode} {body}");
        return System.Text.Json.Nodes.JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    /// <summary>The emulator's "Sign in with Google" page when it shows (a fresh consent), answered as the person would.</summary>
    private async Task ConsentAsync()
    {
        await _page.WaitForLoadStateAsync(LoadState.Load);
        if (await _page.GetByRole(AriaRole.Heading, new() { Name = "Sign in with Google" }).IsVisibleAsync())
        {
            await ShotAsync("consent");
            await _page.GetByLabel("Email").FillAsync(DemoMailbox);
            // The callback redirects on to the console page; the caller waits for what that page shows.
            await _page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
        }
    }

    private async Task WaitForAsync(Func<Task<bool>> condition, string what, bool reload)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {Patience.TotalMinutes} min waiting for {what}");
            await Task.Delay(2000);
            if (reload)
            {
                await _page.ReloadAsync();
            }
        }
    }

    /// <summary>Runs one step; a failure names the step and the page, carries what the page said and leaves a screenshot.</summary>
    private async Task Step(string name, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception failure) when (failure is not StepFailedException)
        {
            var file = await ShotAsync("FAILED-" + name);
            var said = await _page.Locator("main").InnerTextAsync(new() { Timeout = 2000 }).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "(no main element)");
            throw new StepFailedException(
                $"Step '{name}' failed on {_page.Url}: {failure.Message}\nThe page said:\n{Excerpt(said)}\nScreenshot: {file}\n{await ServiceLogsAsync()}", failure);
        }
    }

    /// <summary>The last lines each pipeline service logged, so a failed step shows where the mail stopped.</summary>
    private async Task<string> ServiceLogsAsync()
    {
        var logs = fixture.App.Services.GetRequiredService<ResourceLoggerService>();
        var text = new System.Text.StringBuilder();
        foreach (var name in new[] { "email-service", "classification-service", "response-service", "draft-service" })
        {
            if (!fixture.App.ResourceNotifications.TryGetCurrentState(name, out var state))
            {
                continue;
            }

            var lines = new List<string>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await foreach (var batch in logs.GetAllAsync(state.ResourceId).WithCancellation(timeout.Token))
                {
                    lines.AddRange(batch.Select(line => line.Content));
                }
            }
            catch (OperationCanceledException)
            {
                // What arrived in time is enough.
            }

            text.AppendLine($"--- {name} (last lines that are not debug noise)");
            foreach (var line in lines.Where(l => !l.Contains("DbCommand", StringComparison.Ordinal) && !l.Contains("dbug", StringComparison.Ordinal)).TakeLast(25))
            {
                text.AppendLine("  | " + line);
            }
        }

        return text.ToString();
    }

    private async Task<string> ShotAsync(string name)
    {
        var file = Path.Combine(ScreenshotFolder, $"{++_shot:00}-{FileName().Replace(name, "-")}.png");
        await _page.ScreenshotAsync(new() { Path = file, FullPage = true });
        return file;
    }

    private static string Excerpt(string text) => text.Length > 1500 ? text[..1500] + "…" : text;

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static string FindScreenshotFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GmailAutomation.sln")))
        {
            dir = dir.Parent;
        }

        var folder = Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        return folder;
    }

    [GeneratedRegex("[^A-Za-z0-9-]+")]
    private static partial Regex FileName();

    private sealed class StepFailedException(string message, Exception inner) : Exception(message, inner);
}
