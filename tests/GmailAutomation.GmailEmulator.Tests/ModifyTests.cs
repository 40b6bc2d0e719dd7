using System.Net;
using System.Net.Http.Json;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>messages.modify / batchModify / trash (API-SUBSET §4).</summary>
public sealed class ModifyTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    [Fact]
    public async Task Modify_returns_id_thread_and_labels_and_records_one_history_entry_per_change()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (id, threadId) = await box.ImportAsync(Mail.Simple(), null, "INBOX", "UNREAD");
        var start = (await box.GetJsonAsync("profile")).GetProperty("historyId").GetString();

        var modified = await box.PostJsonAsync($"messages/{id}/modify", new { addLabelIds = new[] { "STARRED" }, removeLabelIds = new[] { "UNREAD" } });
        Assert.Equal(id, modified.GetProperty("id").GetString());
        Assert.Equal(threadId, modified.GetProperty("threadId").GetString());
        Assert.Equal(["INBOX", "STARRED"], modified.GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()!).Order());

        var history = await box.GetJsonAsync($"history?startHistoryId={start}");
        var records = history.GetProperty("history").EnumerateArray().ToArray();
        Assert.Equal(2, records.Length);
        Assert.Equal(["STARRED"], records[0].GetProperty("labelsAdded")[0].GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(["UNREAD"], records[1].GetProperty("labelsRemoved")[0].GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));

        var message = await box.GetJsonAsync($"messages/{id}?format=minimal");
        Assert.Equal(records[1].GetProperty("id").GetString(), message.GetProperty("historyId").GetString());
    }

    [Fact]
    public async Task A_no_op_modify_records_no_history()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (id, _) = await box.ImportAsync(Mail.Simple(), null, "INBOX");
        var before = (await box.GetJsonAsync("profile")).GetProperty("historyId").GetString();
        await box.PostJsonAsync($"messages/{id}/modify", new { addLabelIds = new[] { "INBOX" }, removeLabelIds = new[] { "SPAM" } });
        var after = (await box.GetJsonAsync("profile")).GetProperty("historyId").GetString();
        Assert.Equal(before, after);
        Assert.Equal($$"""{"historyId":"{{after}}"}""", (await box.GetJsonAsync($"history?startHistoryId={before}")).GetRawText());
    }

    [Theory]
    [InlineData("SENT")]
    [InlineData("DRAFT")]
    public async Task Sent_and_draft_cannot_be_added_or_removed(string label)
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (id, _) = await box.ImportAsync(Mail.Simple(), null, "INBOX");
        var add = await box.PostJsonAsync($"messages/{id}/modify", new { addLabelIds = new[] { label } }, HttpStatusCode.BadRequest);
        Json.AssertGoogleError(add, 400, "invalidArgument", "INVALID_ARGUMENT", $"Invalid label: {label}");
        var remove = await box.PostJsonAsync($"messages/{id}/modify", new { removeLabelIds = new[] { label } }, HttpStatusCode.BadRequest);
        Json.AssertGoogleError(remove, 400, "invalidArgument", "INVALID_ARGUMENT", $"Invalid label: {label}");
    }

    [Fact]
    public async Task Empty_lists_and_unknown_labels_are_400()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (id, _) = await box.ImportAsync(Mail.Simple(), null, "INBOX");
        var empty = await box.PostJsonAsync($"messages/{id}/modify", new { addLabelIds = Array.Empty<string>() }, HttpStatusCode.BadRequest);
        Json.AssertGoogleError(empty, 400, "invalidArgument", "INVALID_ARGUMENT", "No label add or removes specified");
        var unknown = await box.PostJsonAsync($"messages/{id}/modify", new { addLabelIds = new[] { "Label_999" } }, HttpStatusCode.BadRequest);
        Json.AssertGoogleError(unknown, 400, "invalidArgument", "INVALID_ARGUMENT", "Invalid label: Label_999");
        var missing = await box.PostJsonAsync("messages/18f5dc3c6c373405/modify", new { addLabelIds = new[] { "STARRED" } }, HttpStatusCode.NotFound);
        Json.AssertGoogleError(missing, 404, "notFound", "NOT_FOUND");
    }

    [Fact]
    public async Task BatchModify_answers_204_and_changes_every_message()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var label = (await box.PostJsonAsync("labels", new { name = "Processed" })).GetProperty("id").GetString()!;
        var a = (await box.ImportAsync(Mail.Simple(), null, "INBOX", "UNREAD")).Id;
        var b = (await box.ImportAsync(Mail.Simple(), null, "INBOX", "UNREAD")).Id;

        using var response = await box.Gmail.PostAsJsonAsync("/gmail/v1/users/me/messages/batchModify",
            new { ids = new[] { a, b }, addLabelIds = new[] { label }, removeLabelIds = new[] { "UNREAD" } });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());

        foreach (var id in new[] { a, b })
        {
            var labels = (await box.GetJsonAsync($"messages/{id}?format=minimal")).GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()).ToArray();
            Assert.Contains(label, labels);
            Assert.DoesNotContain("UNREAD", labels);
        }

        var sent = await box.PostJsonAsync("messages/batchModify", new { ids = new[] { a }, addLabelIds = new[] { "SENT" } }, HttpStatusCode.BadRequest);
        Json.AssertGoogleError(sent, 400, "invalidArgument", "INVALID_ARGUMENT", "Invalid label: SENT");
        var none = await box.PostJsonAsync("messages/batchModify", new { ids = new[] { a } }, HttpStatusCode.BadRequest);
        Json.AssertGoogleError(none, 400, "invalidArgument", "INVALID_ARGUMENT", "No label add or removes specified");
    }

    [Fact]
    public async Task Trash_is_label_added_trash_and_hides_the_message_from_list()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (id, _) = await box.ImportAsync(Mail.Simple(), null, "INBOX");
        var start = (await box.GetJsonAsync("profile")).GetProperty("historyId").GetString();
        var trashed = await box.PostJsonAsync($"messages/{id}/trash", new { });
        Assert.Contains("TRASH", trashed.GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));
        Assert.Empty(Json.Ids(await box.GetJsonAsync("messages")));
        var record = (await box.GetJsonAsync($"history?startHistoryId={start}")).GetProperty("history")[0];
        Assert.Equal(["TRASH"], record.GetProperty("labelsAdded")[0].GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));
        Assert.False(record.TryGetProperty("messagesDeleted", out _));
    }
}
