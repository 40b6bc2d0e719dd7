using GmailAutomation.GmailEmulator.Seeding;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>Start-up seeding from the shared corpus plus generated mail.</summary>
public sealed class SeedingTests : IDisposable
{
    private const string Email = "seeded@gmail-automation.local";

    private readonly EmulatorFactory _factory = new EmulatorFactory()
        .WithSetting("Emulator:Seed:Mailboxes:0:Email", Email)
        .WithSetting("Emulator:Seed:Mailboxes:0:Folders:0", "spamassassin/easy_ham")
        .WithSetting("Emulator:Seed:Mailboxes:0:Folders:1", "enron_berkeley/4")
        .WithSetting("Emulator:Seed:Mailboxes:0:MaxMessages", "40")
        .WithSetting("Emulator:Seed:Mailboxes:0:Days", "30")
        .WithSetting("Emulator:Seed:Mailboxes:0:GeneratedMessages", "10");

    [Fact]
    public async Task Corpus_folders_become_labels_and_generated_mail_fills_the_gaps()
    {
        var gmail = await _factory.CreateGmailClientAsync(Email);
        using var box = new TestMailbox(_factory, Email, gmail);

        var profile = await box.GetJsonAsync("profile");
        Assert.Equal(50, profile.GetProperty("messagesTotal").GetInt32());

        var labels = (await box.GetJsonAsync("labels")).GetProperty("labels").EnumerateArray()
            .ToDictionary(l => l.GetProperty("name").GetString()!, l => l.GetProperty("id").GetString()!);
        Assert.Contains("Corpus/easy_ham", labels.Keys);
        Assert.Contains("Corpus/enron_berkeley-4", labels.Keys);
        Assert.Equal(20, (await box.GetJsonAsync($"labels/{labels["Corpus/easy_ham"]}")).GetProperty("messagesTotal").GetInt32());
        Assert.Equal(20, (await box.GetJsonAsync($"labels/{labels["Corpus/enron_berkeley-4"]}")).GetProperty("messagesTotal").GetInt32());

        // Generated calendar invites carry a text/calendar part and say they are generated.
        var invites = Json.Ids(await box.GetJsonAsync("messages?q=label:generated-calendar"));
        Assert.Equal(2, invites.Length);
        var invite = await box.GetJsonAsync($"messages/{invites[0]}");
        Assert.Contains(invite.GetProperty("payload").GetProperty("headers").EnumerateArray(),
            h => h.GetProperty("name").GetString() == GeneratedMail.GeneratedHeader && h.GetProperty("value").GetString() == "true");
        Assert.Contains("text/calendar", invite.GetProperty("payload").GetRawText());
        Assert.Equal(2, Json.Ids(await box.GetJsonAsync("messages?q=label:generated-receipt")).Length);

        // People write to the owner directly (To: the mailbox), the mail that needs a reply.
        var questions = Json.Ids(await box.GetJsonAsync("messages?q=label:generated-question"));
        Assert.Equal(2, questions.Length);
        var question = await box.GetJsonAsync($"messages/{questions[0]}?format=metadata&metadataHeaders=To");
        Assert.Contains(Email, question.GetProperty("payload").GetProperty("headers")[0].GetProperty("value").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, Json.Ids(await box.GetJsonAsync("messages?q=label:generated-scheduling")).Length);

        // Internal dates are spread over the configured 30 days, generated mail among the corpus, not after it.
        Assert.Equal(50, (await box.GetJsonAsync("messages?q=newer_than:31d&maxResults=500")).GetProperty("resultSizeEstimate").GetInt32());
        Assert.NotEmpty(Json.Ids(await box.GetJsonAsync("messages?q=label:generated-question newer_than:16d")));
        Assert.True((await box.GetJsonAsync("messages?q=older_than:15d")).GetProperty("resultSizeEstimate").GetInt32() > 10);
    }

    [Fact]
    public void Corpus_path_is_found_beside_an_ancestor_of_the_content_root()
    {
        var found = MailboxSeeder.ResolveCorpusPath(null, AppContext.BaseDirectory);
        Assert.NotNull(found);
        Assert.True(File.Exists(Path.Combine(found, "README.md")));
        Assert.Equal("Corpus/easy_ham", MailboxSeeder.LabelFor("spamassassin/easy_ham"));
        Assert.Equal("Corpus/enron_berkeley-4", MailboxSeeder.LabelFor("enron_berkeley/4"));
    }

    [Fact]
    public void Generated_mail_is_the_same_in_every_run_for_the_same_mailbox()
    {
        Assert.Equal(MailboxSeeder.StableSeed("Demo@Gmail-Automation.local"), MailboxSeeder.StableSeed("demo@gmail-automation.local"));
        Assert.NotEqual(MailboxSeeder.StableSeed("demo@gmail-automation.local"), MailboxSeeder.StableSeed("other@gmail-automation.local"));

        // FNV-1a of "a" is 0xE40C292C; its lower 31 bits do not depend on the process.
        Assert.Equal(0x640C292C, MailboxSeeder.StableSeed("a"));
    }

    public void Dispose() => _factory.Dispose();
}

public sealed class DemoSeedOptionsTests
{
    [Fact]
    public void Demo_switch_adds_the_demo_mailbox_once()
    {
        var options = new SeedOptions { Demo = true };
        var demo = Assert.Single(options.EffectiveMailboxes());
        Assert.Equal("demo@gmail-automation.local", demo.Email);
        Assert.Contains("spamassassin/spam", demo.Folders);
        Assert.True(demo.GeneratedMessages > 0);

        options.Mailboxes.Add(new SeedMailboxOptions { Email = "DEMO@gmail-automation.local" });
        Assert.Single(options.EffectiveMailboxes());
        Assert.Empty(new SeedOptions().EffectiveMailboxes());
    }
}
