using System.Net;
using System.Net.Http.Headers;
using System.Text;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>messages.insert/import, permanent deletion and the metadata scope's limits (discovery document).</summary>
public sealed class InsertAndDeleteTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    [Fact]
    public async Task Insert_stores_with_the_given_labels_and_import_takes_the_date_header()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var inserted = await box.PostJsonAsync("messages", new { raw = Mail.Base64Url(Mail.Simple(subject: "inserted")), labelIds = new[] { "INBOX", "STARRED" } });
        Assert.Equal(["INBOX", "STARRED"], inserted.GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));

        var imported = await box.PostJsonAsync("messages/import", new { raw = Mail.Base64Url(Mail.Simple(subject: "imported", date: "Mon, 02 Mar 2026 10:00:00 +0000")) });
        var message = await box.GetJsonAsync($"messages/{imported.GetProperty("id").GetString()}?format=minimal");
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds().ToString(), message.GetProperty("internalDate").GetString());

        var bad = await box.PostJsonAsync("messages", new { raw = Mail.Base64Url(Mail.Simple()), labelIds = new[] { "NOPE" } }, HttpStatusCode.BadRequest);
        Json.AssertGoogleError(bad, 400, "invalidArgument", "INVALID_ARGUMENT", "Invalid label: NOPE");
    }

    [Fact]
    public async Task Multipart_upload_carries_metadata_and_the_message()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (_, threadId) = await box.ImportAsync(Mail.Simple(subject: "Kickoff", messageId: "<kick@example.org>"));
        var body = "--sep\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{\"threadId\":\"" + threadId + "\"}\r\n" +
                   "--sep\r\nContent-Type: message/rfc822\r\n\r\n" + Mail.Simple(subject: "Re: Kickoff", inReplyTo: "<kick@example.org>") + "\r\n--sep--\r\n";
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/related; boundary=sep");
        using var response = await box.Gmail.PostAsync("/upload/gmail/v1/users/me/messages/send?uploadType=multipart", content);
        var sent = await Json.ReadAsync(response, HttpStatusCode.OK);
        Assert.Equal(threadId, sent.GetProperty("threadId").GetString());
    }

    [Fact]
    public async Task Permanent_delete_needs_full_mail_scope_and_records_message_deleted()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (id, _) = await box.ImportAsync(Mail.Simple(), null, "INBOX");
        using (var denied = await box.Gmail.DeleteAsync($"/gmail/v1/users/me/messages/{id}"))
        {
            Json.AssertGoogleError(await Json.ReadAsync(denied, HttpStatusCode.Forbidden), 403, "insufficientPermissions", "PERMISSION_DENIED");
        }

        using var full = await factory.CreateGmailClientAsync(box.Email, GmailScopes.FullAccess);
        var start = (await box.GetJsonAsync("profile")).GetProperty("historyId").GetString();
        using (var deleted = await full.DeleteAsync($"/gmail/v1/users/me/messages/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var record = (await box.GetJsonAsync($"history?startHistoryId={start}")).GetProperty("history")[0];
        Assert.Equal(id, record.GetProperty("messagesDeleted")[0].GetProperty("message").GetProperty("id").GetString());
        Json.AssertGoogleError(await box.GetJsonAsync($"messages/{id}", HttpStatusCode.NotFound), 404, "notFound", "NOT_FOUND");
    }

    [Fact]
    public async Task Metadata_scope_reads_headers_but_not_bodies_or_search()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (id, _) = await box.ImportAsync(Mail.Simple(subject: "meta"));
        using var metadataOnly = await factory.CreateGmailClientAsync(box.Email, "https://www.googleapis.com/auth/gmail.metadata");
        using (var ok = await metadataOnly.GetAsync($"/gmail/v1/users/me/messages/{id}?format=metadata"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var full = await metadataOnly.GetAsync($"/gmail/v1/users/me/messages/{id}?format=full"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, full.StatusCode);
        }

        using var search = await metadataOnly.GetAsync("/gmail/v1/users/me/messages?q=meta");
        Assert.Equal(HttpStatusCode.Forbidden, search.StatusCode);
    }
}
