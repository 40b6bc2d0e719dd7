using System.Net;
using System.Net.Http.Json;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>users.history.list (API-SUBSET §5).</summary>
public sealed class HistoryTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private const string NotFoundBody =
        """{"error":{"code":404,"message":"Requested entity was not found.","errors":[{"message":"Requested entity was not found.","domain":"global","reason":"notFound"}],"status":"NOT_FOUND"}}""";

    private static async Task<string> Deliver(TestMailbox box, string raw)
    {
        using var admin = box.Factory.CreateClient();
        using var content = new StringContent(raw);
        content.Headers.ContentType = new("message/rfc822");
        using var response = await admin.PostAsync($"/emulator/mailboxes/{box.Email}/deliver", content);
        var body = await Json.ReadAsync(response, HttpStatusCode.Created);
        return body.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Records_after_the_start_id_ascending_not_contiguous_with_message_added_shape()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var start = (await box.GetJsonAsync("profile")).GetProperty("historyId").GetString()!;
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await Deliver(box, Mail.Simple(subject: $"n{i}")));
        }

        var history = await box.GetJsonAsync($"history?startHistoryId={start}");
        var records = history.GetProperty("history").EnumerateArray().ToArray();
        Assert.Equal(ids, records.Select(r => r.GetProperty("messagesAdded")[0].GetProperty("message").GetProperty("id").GetString()!));
        var recordIds = records.Select(r => ulong.Parse(r.GetProperty("id").GetString()!)).ToArray();
        Assert.True(recordIds.Zip(recordIds.Skip(1)).All(p => p.First < p.Second));
        Assert.True(recordIds[0] > ulong.Parse(start));
        Assert.Equal(history.GetProperty("historyId").GetString(), (await box.GetJsonAsync("profile")).GetProperty("historyId").GetString());

        var added = records[0].GetProperty("messagesAdded")[0].GetProperty("message");
        Assert.Equal(["INBOX", "UNREAD"], added.GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()!).Order());
        Assert.Equal(ids[0], records[0].GetProperty("messages")[0].GetProperty("id").GetString());
        Assert.False(records[0].TryGetProperty("labelsAdded", out _));
    }

    [Fact]
    public async Task Pages_with_tokens_and_filters_by_type_and_label()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var start = (await box.GetJsonAsync("profile")).GetProperty("historyId").GetString()!;
        var first = await Deliver(box, Mail.Simple());
        var second = await Deliver(box, Mail.Simple());
        await box.PostJsonAsync($"messages/{first}/modify", new { addLabelIds = new[] { "STARRED" } });
        await box.PostJsonAsync($"messages/{second}/modify", new { removeLabelIds = new[] { "INBOX" } });

        var page1 = await box.GetJsonAsync($"history?startHistoryId={start}&maxResults=3");
        Assert.Equal(3, page1.GetProperty("history").GetArrayLength());
        var page2 = await box.GetJsonAsync($"history?startHistoryId={start}&maxResults=3&pageToken={page1.GetProperty("nextPageToken").GetString()}");
        Assert.Equal(1, page2.GetProperty("history").GetArrayLength());
        Assert.False(page2.TryGetProperty("nextPageToken", out _));

        var onlyAdded = await box.GetJsonAsync($"history?startHistoryId={start}&historyTypes=labelAdded");
        var added = Assert.Single(onlyAdded.GetProperty("history").EnumerateArray());
        Assert.Equal(first, added.GetProperty("labelsAdded")[0].GetProperty("message").GetProperty("id").GetString());

        var starred = await box.GetJsonAsync($"history?startHistoryId={start}&labelId=STARRED");
        Assert.Single(starred.GetProperty("history").EnumerateArray());
        var removed = await box.GetJsonAsync($"history?startHistoryId={start}&historyTypes=labelRemoved&historyTypes=messageDeleted");
        Assert.Equal(["INBOX"], removed.GetProperty("history")[0].GetProperty("labelsRemoved")[0].GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));
    }

    [Fact]
    public async Task No_changes_answers_only_the_history_id()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var current = (await box.GetJsonAsync("profile")).GetProperty("historyId").GetString();
        Assert.Equal($$"""{"historyId":"{{current}}"}""", (await box.GetJsonAsync($"history?startHistoryId={current}")).GetRawText());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("abc")]
    [InlineData("")]
    public async Task Zero_missing_or_non_numeric_start_is_400(string start)
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var body = await box.GetJsonAsync($"history?startHistoryId={start}", HttpStatusCode.BadRequest);
        Json.AssertGoogleError(body, 400, "invalidArgument", "INVALID_ARGUMENT");
    }

    [Fact]
    public async Task A_start_id_from_before_the_mailbox_existed_is_404()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        using var response = await box.Gmail.GetAsync("/gmail/v1/users/me/history?startHistoryId=1");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(NotFoundBody, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Expired_history_switch_makes_every_start_id_404()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var current = (await box.GetJsonAsync("profile")).GetProperty("historyId").GetString();
        using var admin = factory.CreateClient();
        using (var put = await admin.PutAsJsonAsync("/emulator/faults", new { historyExpired = true }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        try
        {
            using var response = await box.Gmail.GetAsync($"/gmail/v1/users/me/history?startHistoryId={current}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(NotFoundBody, await response.Content.ReadAsStringAsync());
        }
        finally
        {
            using var off = await admin.DeleteAsync("/emulator/faults");
        }
    }
}

/// <summary>History retention (<c>Emulator:History:Retention</c>) with a fake clock.</summary>
public sealed class HistoryRetentionTests : IDisposable
{
    private readonly EmulatorFactory _factory = new EmulatorFactory().UseFakeTime().WithSetting("Emulator:History:Retention", "01:00:00");

    [Fact]
    public async Task A_start_id_older_than_the_retention_window_is_404_and_newer_ones_still_work()
    {
        using var box = await TestMailbox.CreateAsync(_factory);
        var old = (await box.GetJsonAsync("profile")).GetProperty("historyId").GetString();
        var (id, _) = await box.ImportAsync(Mail.Simple(), null, "INBOX");

        _factory.Time!.Advance(TimeSpan.FromMinutes(90));

        // The first token has expired on the fake clock too: a later one reads the same mailbox.
        using var later = new TestMailbox(_factory, box.Email, await _factory.CreateGmailClientAsync(box.Email));
        await later.PostJsonAsync($"messages/{id}/modify", new { addLabelIds = new[] { "STARRED" } });
        var recent = (await later.GetJsonAsync("profile")).GetProperty("historyId").GetString();

        // The import record aged out, so changes after `old` are no longer all known.
        var stale = await later.GetJsonAsync($"history?startHistoryId={old}", HttpStatusCode.NotFound);
        Json.AssertGoogleError(stale, 404, "notFound", "NOT_FOUND", "Requested entity was not found.");
        Assert.Equal($$"""{"historyId":"{{recent}}"}""", (await later.GetJsonAsync($"history?startHistoryId={recent}")).GetRawText());
    }

    public void Dispose() => _factory.Dispose();
}
