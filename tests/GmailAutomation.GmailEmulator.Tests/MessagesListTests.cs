using System.Net;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>users.messages.list: paging, labelIds, spam/trash and every q operator of API-SUBSET §2.</summary>
public sealed class MessagesListTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    // 2026-03-02 12:00 UTC; Los Angeles is UTC-8 then, so its midnight of 2026-03-02 is 08:00 UTC.
    private static readonly DateTimeOffset Noon = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    [Fact]
    public async Task Empty_list_is_just_a_zero_estimate()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var list = await box.GetJsonAsync("messages");
        Assert.Equal("""{"resultSizeEstimate":0}""", list.GetRawText());
    }

    [Fact]
    public async Task Pages_newest_first_with_opaque_tokens_and_no_token_on_the_last_page()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await box.ImportAsync(Mail.Simple(subject: $"m{i}"), Ms(Noon.AddMinutes(i)), "INBOX")).Id);
        }

        ids.Reverse();
        var first = await box.GetJsonAsync("messages?maxResults=2");
        Assert.Equal(ids.Take(2), Json.Ids(first));
        Assert.Equal(5, first.GetProperty("resultSizeEstimate").GetInt32());
        var item = first.GetProperty("messages")[0];
        Assert.Equal(["id", "threadId"], item.EnumerateObject().Select(p => p.Name));

        var token = first.GetProperty("nextPageToken").GetString();
        var second = await box.GetJsonAsync($"messages?maxResults=2&pageToken={token}");
        Assert.Equal(ids.Skip(2).Take(2), Json.Ids(second));
        var third = await box.GetJsonAsync($"messages?maxResults=2&pageToken={second.GetProperty("nextPageToken").GetString()}");
        Assert.Equal(ids.Skip(4), Json.Ids(third));
        Assert.False(third.TryGetProperty("nextPageToken", out _));
    }

    [Fact]
    public async Task MaxResults_above_500_is_capped_and_default_is_100()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        using var admin = factory.CreateClient();
        var raw = Mail.Simple();
        await Task.WhenAll(Enumerable.Range(0, 510).Select(i => box.ImportAsync(raw, Ms(Noon.AddSeconds(i)))));

        var capped = await box.GetJsonAsync("messages?maxResults=1000");
        Assert.Equal(500, Json.Ids(capped).Length);
        Assert.True(capped.TryGetProperty("nextPageToken", out _));
        var byDefault = await box.GetJsonAsync("messages");
        Assert.Equal(100, Json.Ids(byDefault).Length);
    }

    [Fact]
    public async Task LabelIds_must_all_match_and_spam_trash_are_excluded_unless_asked()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var inboxStarred = (await box.ImportAsync(Mail.Simple(), Ms(Noon), "INBOX", "STARRED")).Id;
        var inboxOnly = (await box.ImportAsync(Mail.Simple(), Ms(Noon.AddMinutes(1)), "INBOX")).Id;
        var spam = (await box.ImportAsync(Mail.Simple(), Ms(Noon.AddMinutes(2)), "SPAM")).Id;
        var trash = (await box.ImportAsync(Mail.Simple(), Ms(Noon.AddMinutes(3)), "TRASH")).Id;
        var draft = (await box.ImportAsync(Mail.Simple(), Ms(Noon.AddMinutes(4)), "DRAFT")).Id;

        Assert.Equal([inboxStarred], Json.Ids(await box.GetJsonAsync("messages?labelIds=INBOX&labelIds=STARRED")));
        Assert.Equal([draft, inboxOnly, inboxStarred], Json.Ids(await box.GetJsonAsync("messages")));
        Assert.Equal([draft, trash, spam, inboxOnly, inboxStarred], Json.Ids(await box.GetJsonAsync("messages?includeSpamTrash=true")));
        Assert.Equal([spam], Json.Ids(await box.GetJsonAsync("messages?labelIds=SPAM")));
        Assert.Equal([trash], Json.Ids(await box.GetJsonAsync("messages?q=in:trash")));
    }

    [Fact]
    public async Task After_and_before_dates_are_los_angeles_midnights_and_integers_are_epoch_seconds()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var laMidnight = new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
        var justBefore = (await box.ImportAsync(Mail.Simple(), Ms(laMidnight.AddMinutes(-1)))).Id;
        var atMidnight = (await box.ImportAsync(Mail.Simple(), Ms(laMidnight))).Id;
        var later = (await box.ImportAsync(Mail.Simple(), Ms(laMidnight.AddHours(5)))).Id;

        Assert.Equal([later, atMidnight], Json.Ids(await box.GetJsonAsync("messages?q=after:2026/03/02")));
        Assert.Equal([later, atMidnight], Json.Ids(await box.GetJsonAsync("messages?q=after:2026-03-02")));
        Assert.Equal([justBefore], Json.Ids(await box.GetJsonAsync("messages?q=before:2026/03/02")));
        var seconds = laMidnight.AddHours(1).ToUnixTimeSeconds();
        Assert.Equal([later], Json.Ids(await box.GetJsonAsync($"messages?q=after:{seconds}")));
        Assert.Equal([atMidnight, justBefore], Json.Ids(await box.GetJsonAsync($"messages?q=before:{seconds}")));
    }

    [Fact]
    public async Task Newer_than_and_older_than_count_back_from_now()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var now = DateTimeOffset.UtcNow;
        var recent = (await box.ImportAsync(Mail.Simple(), Ms(now.AddHours(-2)))).Id;
        var lastMonth = (await box.ImportAsync(Mail.Simple(), Ms(now.AddDays(-20)))).Id;
        var old = (await box.ImportAsync(Mail.Simple(), Ms(now.AddDays(-400)))).Id;

        Assert.Equal([recent], Json.Ids(await box.GetJsonAsync("messages?q=newer_than:1d")));
        Assert.Equal([recent, lastMonth], Json.Ids(await box.GetJsonAsync("messages?q=newer_than:1m")));
        Assert.Equal([old], Json.Ids(await box.GetJsonAsync("messages?q=older_than:1y")));
    }

    [Fact]
    public async Task Address_subject_label_in_is_has_and_msgid_operators()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        await box.PostJsonAsync("labels", new { name = "Work/Project X" });
        var fromAlice = (await box.ImportAsync(Mail.Simple(subject: "Quarterly numbers", from: "Alice Smith <alice@corp.example>", messageId: "<numbers@corp.example>"), Ms(Noon), "INBOX", "UNREAD")).Id;
        var toBob = (await box.ImportAsync(Mail.Simple(subject: "Lunch?", to: "Bob Jones <bob@home.example>", cc: "carol@home.example"), Ms(Noon.AddMinutes(1)), "Work/Project X", "STARRED")).Id;
        var withAttachment = (await box.ImportAsync(
            "From: x@example.org\r\nSubject: files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=a.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n",
            Ms(Noon.AddMinutes(2)), "IMPORTANT")).Id;

        Assert.Equal([fromAlice], Json.Ids(await box.GetJsonAsync("messages?q=from:alice")));
        Assert.Equal([fromAlice], Json.Ids(await box.GetJsonAsync("messages?q=from:%22Alice Smith%22")));
        Assert.Equal([toBob], Json.Ids(await box.GetJsonAsync("messages?q=to:bob@home.example")));
        Assert.Equal([toBob], Json.Ids(await box.GetJsonAsync("messages?q=cc:carol")));
        Assert.Equal([fromAlice], Json.Ids(await box.GetJsonAsync("messages?q=subject:quarterly")));
        Assert.Equal([toBob], Json.Ids(await box.GetJsonAsync("messages?q=label:work-project-x")));
        Assert.Equal([toBob], Json.Ids(await box.GetJsonAsync("messages?q=label:%22Work/Project X%22")));
        Assert.Equal([fromAlice], Json.Ids(await box.GetJsonAsync("messages?q=in:inbox")));
        Assert.Equal([fromAlice], Json.Ids(await box.GetJsonAsync("messages?q=is:unread")));
        Assert.Equal([withAttachment, toBob], Json.Ids(await box.GetJsonAsync("messages?q=is:read")));
        Assert.Equal([toBob], Json.Ids(await box.GetJsonAsync("messages?q=is:starred")));
        Assert.Equal([withAttachment], Json.Ids(await box.GetJsonAsync("messages?q=is:important")));
        Assert.Equal([withAttachment], Json.Ids(await box.GetJsonAsync("messages?q=has:attachment")));
        Assert.Equal([fromAlice], Json.Ids(await box.GetJsonAsync("messages?q=rfc822msgid:numbers@corp.example")));
        Assert.Equal([fromAlice], Json.Ids(await box.GetJsonAsync("messages?q=rfc822msgid:%3Cnumbers@corp.example%3E")));
    }

    [Fact]
    public async Task Bare_words_phrases_negation_or_and_parentheses()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var invoice = (await box.ImportAsync(Mail.Simple(subject: "Invoice 42", body: "Please pay the open invoice today"), Ms(Noon))).Id;
        var meeting = (await box.ImportAsync(Mail.Simple(subject: "Meeting", body: "The weekly meeting moves to Friday"), Ms(Noon.AddMinutes(1)))).Id;
        var newsletter = (await box.ImportAsync(Mail.Simple(subject: "News", body: "Weekly digest of open source"), Ms(Noon.AddMinutes(2)))).Id;

        Assert.Equal([invoice], Json.Ids(await box.GetJsonAsync("messages?q=invoice")));
        Assert.Equal([invoice], Json.Ids(await box.GetJsonAsync("messages?q=%22pay the open%22")));
        Assert.Equal([newsletter, invoice], Json.Ids(await box.GetJsonAsync("messages?q=open")));
        Assert.Equal([invoice], Json.Ids(await box.GetJsonAsync("messages?q=open -weekly")));
        Assert.Equal([meeting, invoice], Json.Ids(await box.GetJsonAsync("messages?q=invoice OR meeting")));
        Assert.Equal([newsletter, meeting], Json.Ids(await box.GetJsonAsync("messages?q=weekly (digest OR friday)")));
        Assert.Equal([invoice], Json.Ids(await box.GetJsonAsync("messages?q=-(subject:news OR subject:meeting)")));
        Assert.Equal([meeting, invoice], Json.Ids(await box.GetJsonAsync("messages?q=-is:draft -subject:news")));
    }

    [Theory]
    [InlineData("(unbalanced")]
    [InlineData("unbalanced)")]
    [InlineData("after:2026/13/45")]
    [InlineData("newer_than:soon")]
    [InlineData("%22unterminated")]
    [InlineData("foo OR")]
    [InlineData("is:flying")]
    public async Task Unparseable_query_is_400_invalid_argument(string q)
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var body = await box.GetJsonAsync($"messages?q={q}", HttpStatusCode.BadRequest);
        Json.AssertGoogleError(body, 400, "invalidArgument", "INVALID_ARGUMENT");
    }

    [Fact]
    public async Task Bad_page_token_and_bad_max_results_are_400()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        Json.AssertGoogleError(await box.GetJsonAsync("messages?pageToken=garbage!", HttpStatusCode.BadRequest), 400, "invalidArgument", "INVALID_ARGUMENT");
        Json.AssertGoogleError(await box.GetJsonAsync("messages?maxResults=lots", HttpStatusCode.BadRequest), 400, "invalidArgument", "INVALID_ARGUMENT");
    }
}
