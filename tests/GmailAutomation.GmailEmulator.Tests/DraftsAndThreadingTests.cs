using System.Net;
using System.Net.Http.Json;
using System.Text;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>drafts.*, messages.send and Gmail's threading rule (API-SUBSET §7).</summary>
public sealed class DraftsAndThreadingTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private const string OriginalId = "<original-1@example.org>";

    private static async Task<(TestMailbox Box, string MessageId, string ThreadId)> MailboxWithIncomingAsync(EmulatorFactory factory)
    {
        var box = await TestMailbox.CreateAsync(factory);
        var (id, threadId) = await box.ImportAsync(Mail.Simple(subject: "Project kickoff", messageId: OriginalId, to: box.Email), null, "INBOX");
        return (box, id, threadId);
    }

    private static string Reply(string subject, string? inReplyTo = OriginalId) =>
        Mail.Simple(subject: subject, from: "me@example.com", to: "sam@example.org", inReplyTo: inReplyTo, body: "Thanks, sounds good.", date: null);

    [Fact]
    public async Task A_draft_replying_with_valid_headers_and_matching_subject_joins_the_thread()
    {
        var (box, _, threadId) = await MailboxWithIncomingAsync(factory);
        using var _ = box;
        var draft = await box.PostJsonAsync("drafts", new { message = new { raw = Mail.Base64Url(Reply("Re: Project kickoff")), threadId } });

        Assert.StartsWith("r", draft.GetProperty("id").GetString());
        var message = draft.GetProperty("message");
        Assert.Equal(threadId, message.GetProperty("threadId").GetString());
        Assert.Equal(["DRAFT"], message.GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));
        Assert.NotEqual(draft.GetProperty("id").GetString(), message.GetProperty("id").GetString());

        var contents = await box.ContentsAsync();
        var stored = Assert.Single(contents.GetProperty("drafts").EnumerateArray());
        Assert.Equal(threadId, stored.GetProperty("threadId").GetString());
        Assert.Equal("Re: Project kickoff", stored.GetProperty("headers").GetProperty("Subject").GetString());
        Assert.Equal(OriginalId, stored.GetProperty("headers").GetProperty("In-Reply-To").GetString());
    }

    [Theory]
    [InlineData("Re: Something else", OriginalId)]
    [InlineData("Re: Project kickoff", null)]
    [InlineData("Re: Project kickoff", "not-a-message-id")]
    public async Task A_draft_without_valid_reply_headers_or_with_another_subject_starts_a_new_thread(string subject, string? inReplyTo)
    {
        var (box, _, threadId) = await MailboxWithIncomingAsync(factory);
        using var _ = box;
        var draft = await box.PostJsonAsync("drafts", new { message = new { raw = Mail.Base64Url(Reply(subject, inReplyTo)), threadId } });
        var message = draft.GetProperty("message");
        Assert.NotEqual(threadId, message.GetProperty("threadId").GetString());
        Assert.Equal(message.GetProperty("id").GetString(), message.GetProperty("threadId").GetString());
    }

    [Fact]
    public async Task Without_a_thread_id_a_reply_starts_a_new_thread()
    {
        var (box, _, threadId) = await MailboxWithIncomingAsync(factory);
        using var _ = box;
        var draft = await box.PostJsonAsync("drafts", new { message = new { raw = Mail.Base64Url(Reply("Re: Project kickoff")) } });
        Assert.NotEqual(threadId, draft.GetProperty("message").GetProperty("threadId").GetString());
    }

    [Fact]
    public async Task Fwd_prefix_is_ignored_when_comparing_subjects()
    {
        var (box, _, threadId) = await MailboxWithIncomingAsync(factory);
        using var _ = box;
        var draft = await box.PostJsonAsync("drafts", new { message = new { raw = Mail.Base64Url(Reply("Fwd: RE: project kickoff")), threadId } });
        Assert.Equal(threadId, draft.GetProperty("message").GetProperty("threadId").GetString());
    }

    [Fact]
    public async Task Update_changes_the_message_id_and_records_deleted_then_added()
    {
        var (box, _, threadId) = await MailboxWithIncomingAsync(factory);
        using var _ = box;
        var draft = await box.PostJsonAsync("drafts", new { message = new { raw = Mail.Base64Url(Reply("Re: Project kickoff")), threadId } });
        var draftId = draft.GetProperty("id").GetString()!;
        var oldMessageId = draft.GetProperty("message").GetProperty("id").GetString();
        var start = (await box.GetJsonAsync("profile")).GetProperty("historyId").GetString();

        using var put = await box.Gmail.PutAsJsonAsync($"/gmail/v1/users/me/drafts/{draftId}",
            new { message = new { raw = Mail.Base64Url(Reply("Re: Project kickoff").Replace("Thanks, sounds good.", "Thanks, see you there.")), threadId } });
        var updated = await Json.ReadAsync(put, HttpStatusCode.OK);
        Assert.Equal(draftId, updated.GetProperty("id").GetString());
        var newMessageId = updated.GetProperty("message").GetProperty("id").GetString();
        Assert.NotEqual(oldMessageId, newMessageId);
        Assert.Equal(threadId, updated.GetProperty("message").GetProperty("threadId").GetString());

        var records = (await box.GetJsonAsync($"history?startHistoryId={start}")).GetProperty("history").EnumerateArray().ToArray();
        Assert.Equal(2, records.Length);
        Assert.Equal(oldMessageId, records[0].GetProperty("messagesDeleted")[0].GetProperty("message").GetProperty("id").GetString());
        Assert.Equal(newMessageId, records[1].GetProperty("messagesAdded")[0].GetProperty("message").GetProperty("id").GetString());

        var fetched = await box.GetJsonAsync($"drafts/{draftId}?format=raw");
        Assert.Contains("see you there", Mail.DecodeBase64Url(fetched.GetProperty("message").GetProperty("raw").GetString()!));
        Json.AssertGoogleError(await box.GetJsonAsync($"messages/{oldMessageId}", HttpStatusCode.NotFound), 404, "notFound", "NOT_FOUND");
    }

    [Fact]
    public async Task Send_deletes_the_draft_and_adds_a_sent_message_in_the_thread()
    {
        var (box, _, threadId) = await MailboxWithIncomingAsync(factory);
        using var _ = box;
        var draft = await box.PostJsonAsync("drafts", new { message = new { raw = Mail.Base64Url(Reply("Re: Project kickoff")), threadId } });
        var draftId = draft.GetProperty("id").GetString()!;
        var draftMessageId = draft.GetProperty("message").GetProperty("id").GetString();

        var sent = await box.PostJsonAsync("drafts/send", new { id = draftId });
        Assert.Equal(["SENT"], sent.GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(threadId, sent.GetProperty("threadId").GetString());
        Assert.NotEqual(draftMessageId, sent.GetProperty("id").GetString());

        Json.AssertGoogleError(await box.GetJsonAsync($"drafts/{draftId}", HttpStatusCode.NotFound), 404, "notFound", "NOT_FOUND");
        Assert.Equal("""{"resultSizeEstimate":0}""", (await box.GetJsonAsync("drafts")).GetRawText());
        var thread = await box.GetJsonAsync($"threads/{threadId}?format=minimal");
        Assert.Equal(2, thread.GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task List_get_and_delete_drafts()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var first = await box.PostJsonAsync("drafts", new { message = new { raw = Mail.Base64Url(Mail.Simple(subject: "one")) } });
        var second = await box.PostJsonAsync("drafts", new { message = new { raw = Mail.Base64Url(Mail.Simple(subject: "two")) } });

        var list = await box.GetJsonAsync("drafts");
        Assert.Equal(2, list.GetProperty("resultSizeEstimate").GetInt32());
        var item = list.GetProperty("drafts")[0];
        Assert.Equal(["id", "threadId"], item.GetProperty("message").EnumerateObject().Select(p => p.Name));
        Assert.Equal([first.GetProperty("id").GetString()!], Json.Ids(await box.GetJsonAsync("drafts?q=subject:one"), "drafts"));

        var got = await box.GetJsonAsync($"drafts/{second.GetProperty("id").GetString()}");
        Assert.Equal("two", got.GetProperty("message").GetProperty("payload").GetProperty("headers").EnumerateArray()
            .Single(h => h.GetProperty("name").GetString() == "Subject").GetProperty("value").GetString());

        using var delete = await box.Gmail.DeleteAsync($"/gmail/v1/users/me/drafts/{first.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Single(Json.Ids(await box.GetJsonAsync("drafts"), "drafts"));
    }

    [Fact]
    public async Task Messages_send_applies_the_threading_rule_and_strips_bcc()
    {
        var (box, _, threadId) = await MailboxWithIncomingAsync(factory);
        using var _ = box;
        var raw = Reply("Re: Project kickoff").Replace("To: sam@example.org\r\n", "To: sam@example.org\r\nBcc: hidden@example.net\r\n");
        var sent = await box.PostJsonAsync("messages/send", new { raw = Mail.Base64Url(raw), threadId });
        Assert.Equal(threadId, sent.GetProperty("threadId").GetString());
        Assert.Equal(["SENT"], sent.GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));
        var stored = Mail.DecodeBase64Url((await box.GetJsonAsync($"messages/{sent.GetProperty("id").GetString()}?format=raw")).GetProperty("raw").GetString()!);
        Assert.DoesNotContain("hidden@example.net", stored);

        var unrelated = await box.PostJsonAsync("messages/send", new { raw = Mail.Base64Url(Reply("Another topic")), threadId });
        Assert.NotEqual(threadId, unrelated.GetProperty("threadId").GetString());
    }

    [Fact]
    public async Task Media_upload_sends_rfc822_bodies()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Mail.Simple(subject: "uploaded")));
        content.Headers.ContentType = new("message/rfc822");
        using var response = await box.Gmail.PostAsync("/upload/gmail/v1/users/me/messages/send?uploadType=media", content);
        var sent = await Json.ReadAsync(response, HttpStatusCode.OK);
        Assert.Equal(["SENT"], sent.GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));

        using var draftContent = new ByteArrayContent(Encoding.UTF8.GetBytes(Mail.Simple(subject: "uploaded draft")));
        draftContent.Headers.ContentType = new("message/rfc822");
        using var draftResponse = await box.Gmail.PostAsync("/upload/gmail/v1/users/me/drafts?uploadType=media", draftContent);
        var draft = await Json.ReadAsync(draftResponse, HttpStatusCode.OK);
        Assert.Equal(["DRAFT"], draft.GetProperty("message").GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));
    }

    [Fact]
    public async Task Any_base64_variant_is_accepted_and_garbage_is_400()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var standard = Convert.ToBase64String(Encoding.UTF8.GetBytes(Mail.Simple(subject: "std?>>"))).TrimEnd('=');
        var ok = await box.PostJsonAsync("messages/send", new { raw = standard });
        Assert.Equal(["SENT"], ok.GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));

        var bad = await box.PostJsonAsync("messages/send", new { raw = "!!!not base64!!!" }, HttpStatusCode.BadRequest);
        Json.AssertGoogleError(bad, 400, "invalidArgument", "INVALID_ARGUMENT");
        Assert.StartsWith("Invalid value at 'message.raw' (TYPE_BYTES), Base64 decoding failed", bad.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Incoming_replies_join_the_thread_of_the_message_they_reference()
    {
        var (box, _, threadId) = await MailboxWithIncomingAsync(factory);
        using var _ = box;
        var (_, replyThread) = await box.ImportAsync(Mail.Simple(subject: "RE: Project kickoff", inReplyTo: OriginalId));
        Assert.Equal(threadId, replyThread);
        var (_, otherThread) = await box.ImportAsync(Mail.Simple(subject: "Totally different", inReplyTo: OriginalId));
        Assert.NotEqual(threadId, otherThread);
    }
}
