using System.Net;
using System.Net.Http.Json;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>users.labels.* (API-SUBSET §6).</summary>
public sealed class LabelsTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    [Fact]
    public async Task System_labels_come_first_in_gmails_order()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        await box.PostJsonAsync("labels", new { name = "Receipts" });
        var labels = (await box.GetJsonAsync("labels")).GetProperty("labels").EnumerateArray().ToArray();
        Assert.Equal(
            ["INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT", "CHAT",
             "CATEGORY_PERSONAL", "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS", "CATEGORY_UPDATES", "CATEGORY_FORUMS", "Label_1"],
            labels.Select(l => l.GetProperty("id").GetString()!));
        Assert.All(labels.Take(14), l => Assert.Equal("system", l.GetProperty("type").GetString()));
        Assert.Equal("user", labels[^1].GetProperty("type").GetString());
        Assert.All(labels, l => Assert.False(l.TryGetProperty("messagesTotal", out _)));
    }

    [Fact]
    public async Task Create_returns_a_user_label_and_get_adds_counts()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var created = await box.PostJsonAsync("labels", new
        {
            name = "Clients/Acme",
            messageListVisibility = "show",
            labelListVisibility = "labelShow",
            color = new { textColor = "#000000", backgroundColor = "#16a766" },
        });
        var id = created.GetProperty("id").GetString()!;
        Assert.Matches("^Label_[0-9]+$", id);
        Assert.Equal("Clients/Acme", created.GetProperty("name").GetString());
        Assert.Equal("user", created.GetProperty("type").GetString());
        Assert.Equal("#16a766", created.GetProperty("color").GetProperty("backgroundColor").GetString());

        await box.ImportAsync(Mail.Simple(), null, id, "UNREAD");
        await box.ImportAsync(Mail.Simple(), null, id);
        var label = await box.GetJsonAsync($"labels/{id}");
        Assert.Equal(2, label.GetProperty("messagesTotal").GetInt32());
        Assert.Equal(1, label.GetProperty("messagesUnread").GetInt32());
        Assert.Equal(2, label.GetProperty("threadsTotal").GetInt32());
        Assert.Equal(1, label.GetProperty("threadsUnread").GetInt32());
    }

    [Theory]
    [InlineData("receipts")]
    [InlineData("RECEIPTS")]
    [InlineData("Receipts")]
    public async Task Duplicate_name_ignoring_case_is_409_aborted(string duplicate)
    {
        using var box = await TestMailbox.CreateAsync(factory);
        await box.PostJsonAsync("labels", new { name = "Receipts" });
        using var response = await box.Gmail.PostAsJsonAsync("/gmail/v1/users/me/labels", new { name = duplicate });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(
            """{"error":{"code":409,"message":"Label name exists or conflicts","errors":[{"message":"Label name exists or conflicts","domain":"global","reason":"aborted"}],"status":"ABORTED"}}""",
            await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("INBOX")]
    [InlineData("Unread")]
    [InlineData("Muted")]
    [InlineData("Drafts")]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Reserved_or_empty_names_are_400_invalid_label_name(string name)
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var body = await box.PostJsonAsync("labels", new { name }, HttpStatusCode.BadRequest);
        Json.AssertGoogleError(body, 400, "invalidArgument", "INVALID_ARGUMENT", "Invalid label name");
    }

    [Fact]
    public async Task Colours_off_the_palette_are_400()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var body = await box.PostJsonAsync("labels", new { name = "Odd", color = new { textColor = "#123456", backgroundColor = "#ffffff" } }, HttpStatusCode.BadRequest);
        Json.AssertGoogleError(body, 400, "invalidArgument", "INVALID_ARGUMENT");
    }

    [Fact]
    public async Task Patch_renames_and_delete_removes_the_label_from_messages()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var id = (await box.PostJsonAsync("labels", new { name = "Old name" })).GetProperty("id").GetString()!;
        var (messageId, _) = await box.ImportAsync(Mail.Simple(), null, id, "INBOX");

        using (var patch = await box.Gmail.PatchAsJsonAsync($"/gmail/v1/users/me/labels/{id}", new { name = "New name" }))
        {
            var patched = await Json.ReadAsync(patch, HttpStatusCode.OK);
            Assert.Equal("New name", patched.GetProperty("name").GetString());
        }

        using (var delete = await box.Gmail.DeleteAsync($"/gmail/v1/users/me/labels/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        Assert.Equal(["INBOX"], (await box.GetJsonAsync($"messages/{messageId}?format=minimal")).GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));
        Json.AssertGoogleError(await box.GetJsonAsync($"labels/{id}", HttpStatusCode.NotFound), 404, "notFound", "NOT_FOUND");
        using var system = await box.Gmail.DeleteAsync("/gmail/v1/users/me/labels/INBOX");
        Assert.Equal(HttpStatusCode.BadRequest, system.StatusCode);
    }
}
