using System.Net;
using System.Net.Http.Json;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>The emulator's admin API: mailboxes, import, deliver, contents, reset.</summary>
public sealed class AdminApiTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    [Fact]
    public async Task Creating_a_mailbox_is_201_then_idempotent_200()
    {
        using var admin = factory.CreateClient();
        var email = $"admin-{Guid.NewGuid():N}@example.com";
        using var first = await admin.PostAsJsonAsync("/emulator/mailboxes", new { email });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using var again = await admin.PostAsJsonAsync("/emulator/mailboxes", new { email });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        using var invalid = await admin.PostAsJsonAsync("/emulator/mailboxes", new { email = "not an address" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task Import_creates_unknown_user_labels_and_contents_shows_ids_and_names()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (id, threadId) = await box.ImportAsync(Mail.Simple(subject: "Invoice"), 1772452800000, "INBOX", "Finance/Invoices");

        var contents = await box.ContentsAsync();
        var message = Assert.Single(contents.GetProperty("messages").EnumerateArray());
        Assert.Equal(id, message.GetProperty("id").GetString());
        Assert.Equal(threadId, message.GetProperty("threadId").GetString());
        Assert.Equal("1772452800000", message.GetProperty("internalDate").GetString());
        Assert.Equal("Invoice", message.GetProperty("subject").GetString());
        Assert.Equal(["INBOX", "Finance/Invoices"], message.GetProperty("labelNames").EnumerateArray().Select(l => l.GetString()));
        var userLabel = message.GetProperty("labelIds")[1].GetString();
        Assert.StartsWith("Label_", userLabel);
        Assert.Contains(contents.GetProperty("labels").EnumerateArray(), l => l.GetProperty("id").GetString() == userLabel && l.GetProperty("name").GetString() == "Finance/Invoices");
    }

    [Fact]
    public async Task Deliver_adds_inbox_unread_a_history_record_and_notifies_push()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var start = (await box.GetJsonAsync("profile")).GetProperty("historyId").GetString();
        using var admin = factory.CreateClient();
        using var content = new StringContent(Mail.Simple(subject: "Fresh"));
        content.Headers.ContentType = new("message/rfc822");
        using var response = await admin.PostAsync($"/emulator/mailboxes/{box.Email}/deliver", content);
        var delivered = await Json.ReadAsync(response, HttpStatusCode.Created);
        var id = delivered.GetProperty("id").GetString();

        var message = await box.GetJsonAsync($"messages/{id}?format=minimal");
        Assert.Equal(["INBOX", "UNREAD"], message.GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()!).Order());
        var history = await box.GetJsonAsync($"history?startHistoryId={start}&historyTypes=messageAdded");
        Assert.Equal(id, history.GetProperty("history")[0].GetProperty("messagesAdded")[0].GetProperty("message").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Unknown_mailbox_is_404_problem_details()
    {
        using var admin = factory.CreateClient();
        using var response = await admin.GetAsync("/emulator/mailboxes/nobody@example.com");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }
}

/// <summary>Reset clears every mailbox (own factory: it wipes shared state).</summary>
public sealed class AdminResetTests : IDisposable
{
    private readonly EmulatorFactory _factory = new();

    [Fact]
    public async Task Reset_deletes_mailboxes_and_revokes_tokens()
    {
        using var box = await TestMailbox.CreateAsync(_factory);
        await box.ImportAsync(Mail.Simple());
        using var admin = _factory.CreateClient();
        using (var reset = await admin.PostAsync("/emulator/reset", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        }

        using var gone = await admin.GetAsync($"/emulator/mailboxes/{box.Email}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using var profile = await box.Gmail.GetAsync("/gmail/v1/users/me/profile");
        Assert.Equal(HttpStatusCode.Unauthorized, profile.StatusCode);
    }

    public void Dispose() => _factory.Dispose();
}
