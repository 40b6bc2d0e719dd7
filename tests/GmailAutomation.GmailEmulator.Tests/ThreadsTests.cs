using System.Net;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>users.threads.* (API-SUBSET §8).</summary>
public sealed class ThreadsTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Get_lists_messages_oldest_first_and_list_gives_snippet_and_history_id()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (first, threadId) = await box.ImportAsync(Mail.Simple(subject: "Plan", messageId: "<plan@example.org>", body: "first"), Noon.ToUnixTimeMilliseconds(), "INBOX");
        var (second, sameThread) = await box.ImportAsync(Mail.Simple(subject: "Re: Plan", inReplyTo: "<plan@example.org>", body: "second"), Noon.AddHours(1).ToUnixTimeMilliseconds(), "INBOX");
        var (lone, loneThread) = await box.ImportAsync(Mail.Simple(subject: "Other", body: "third"), Noon.AddMinutes(30).ToUnixTimeMilliseconds(), "INBOX");
        Assert.Equal(threadId, sameThread);

        var thread = await box.GetJsonAsync($"threads/{threadId}");
        Assert.Equal(threadId, thread.GetProperty("id").GetString());
        Assert.Equal([first, second], thread.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetString()!));
        Assert.True(thread.GetProperty("messages")[0].TryGetProperty("payload", out _));

        var list = await box.GetJsonAsync("threads");
        var items = list.GetProperty("threads").EnumerateArray().ToArray();
        Assert.Equal([threadId, loneThread], items.Select(t => t.GetProperty("id").GetString()!));
        Assert.Equal("second", items[0].GetProperty("snippet").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.String, items[0].GetProperty("historyId").ValueKind);
        Assert.Equal(2, list.GetProperty("resultSizeEstimate").GetInt32());

        var paged = await box.GetJsonAsync("threads?maxResults=1");
        Assert.Equal([threadId], Json.Ids(paged, "threads"));
        var next = await box.GetJsonAsync($"threads?maxResults=1&pageToken={paged.GetProperty("nextPageToken").GetString()}");
        Assert.Equal([loneThread], Json.Ids(next, "threads"));
        Assert.False(next.TryGetProperty("nextPageToken", out _));
        _ = lone;
    }

    [Fact]
    public async Task Modify_applies_to_existing_messages_only()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (first, threadId) = await box.ImportAsync(Mail.Simple(subject: "Plan", messageId: "<plan2@example.org>"), null, "INBOX");
        var modified = await box.PostJsonAsync($"threads/{threadId}/modify", new { addLabelIds = new[] { "STARRED" } });
        Assert.Contains("STARRED", modified.GetProperty("messages")[0].GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));

        var (later, sameThread) = await box.ImportAsync(Mail.Simple(subject: "Re: Plan", inReplyTo: "<plan2@example.org>"), null, "INBOX");
        Assert.Equal(threadId, sameThread);
        Assert.DoesNotContain("STARRED", (await box.GetJsonAsync($"messages/{later}?format=minimal")).GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));
        Assert.Contains("STARRED", (await box.GetJsonAsync($"messages/{first}?format=minimal")).GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));
        Json.AssertGoogleError(await box.GetJsonAsync("threads/18f5dc3c6c373405", HttpStatusCode.NotFound), 404, "notFound", "NOT_FOUND");
    }
}
