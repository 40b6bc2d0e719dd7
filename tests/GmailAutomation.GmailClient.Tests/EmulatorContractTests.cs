using System.Text;
using GmailAutomation.Common.Errors;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.GmailClient.Tests.Support;

namespace GmailAutomation.GmailClient.Tests;

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "gmail emulator";
}

/// <summary>
/// Every client method against the real emulator (Kestrel on 127.0.0.1), with tokens from its OAuth server and
/// the quota bucket in a real Redis. Assertions follow API-SUBSET.md.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class EmulatorContractTests(EmulatorFixture emulator)
{
    private readonly string account = $"c{Guid.NewGuid():N}@example.com";

    [Fact]
    public async Task Profile_and_paged_message_listing_newest_first()
    {
        var user = await SeedAsync(7);
        await using var host = await emulator.CreateClientAsync(user.Account);

        var profile = await host.Client.GetProfileAsync(user.Account);
        var firstPage = await host.Client.ListMessagesAsync(user.Account, new MessageListQuery { MaxResults = 3 });
        var all = await host.Client.ListAllMessagesAsync(user.Account, new MessageListQuery { MaxResults = 3 }).ToListAsync();

        Assert.Equal(user.Account, profile.EmailAddress);
        Assert.Equal(7, profile.MessagesTotal);
        Assert.True(profile.HistoryId > 0);
        Assert.Equal(3, firstPage.Messages!.Count);
        Assert.NotNull(firstPage.NextPageToken);
        Assert.Equal(user.Ids.AsEnumerable().Reverse(), all.Select(m => m.Id));
        // One first page plus three pages of seven: four calls of 5 units.
        Assert.Equal(20, host.Metrics.Sum("gmail.client.quota.units", ("method", "messages.list")));
    }

    [Fact]
    public async Task Listing_filters_by_query_and_labels_and_an_empty_result_has_no_messages()
    {
        var user = await SeedAsync(0);
        await emulator.ImportAsync(user.Account, EmulatorFixture.Mail("Invoice 42", from: "Billing <billing@shop.example>"), ["INBOX", "STARRED"]);
        await emulator.ImportAsync(user.Account, EmulatorFixture.Mail("Lunch?"), ["INBOX"]);
        await emulator.ImportAsync(user.Account, EmulatorFixture.Mail("Junk"), ["SPAM"]);
        await using var host = await emulator.CreateClientAsync(user.Account);

        var fromBilling = await host.Client.ListMessagesAsync(user.Account, new MessageListQuery { Q = "from:billing" });
        var starred = await host.Client.ListMessagesAsync(user.Account, new MessageListQuery { LabelIds = ["INBOX", "STARRED"] });
        var withoutSpam = await host.Client.ListMessagesAsync(user.Account);
        var withSpam = await host.Client.ListMessagesAsync(user.Account, new MessageListQuery { IncludeSpamTrash = true });
        var none = await host.Client.ListMessagesAsync(user.Account, new MessageListQuery { Q = "subject:nothing-like-this" });

        Assert.Single(fromBilling.Messages!);
        Assert.Single(starred.Messages!);
        Assert.Equal(2, withoutSpam.Messages!.Count);
        Assert.Equal(3, withSpam.Messages!.Count);
        Assert.Null(none.Messages);
        Assert.Equal(0, none.ResultSizeEstimate);
    }

    [Fact]
    public async Task Messages_come_in_every_format_with_attachments_fetchable()
    {
        var user = await SeedAsync(0);
        var attachment = Encoding.UTF8.GetBytes("%PDF-1.4 not really a pdf ~~~???>>>");
        var mime =
            "From: Alice <alice@example.com>\r\nTo: user@example.com\r\nSubject: Report\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n" +
            "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n" +
            "--XX\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            Convert.ToBase64String(attachment) + "\r\n--XX--\r\n";
        var (id, threadId) = await emulator.ImportAsync(user.Account, mime);
        await using var host = await emulator.CreateClientAsync(user.Account);

        var minimal = await host.Client.GetMessageAsync(user.Account, id, MessageFormat.Minimal);
        var metadata = await host.Client.GetMessageAsync(user.Account, id, MessageFormat.Metadata, ["subject"]);
        var full = await host.Client.GetMessageAsync(user.Account, id);
        var raw = await host.Client.GetMessageAsync(user.Account, id, MessageFormat.Raw);

        Assert.Equal(threadId, minimal.ThreadId);
        Assert.Null(minimal.Payload);
        Assert.True(minimal.InternalDate > 0);
        Assert.True(minimal.HistoryId > 0);
        Assert.Equal("Subject", Assert.Single(metadata.Payload!.Headers!).Name);
        Assert.Null(metadata.Payload.Parts);
        Assert.Equal("Report", full.Header("Subject"));
        Assert.Null(full.Raw);
        Assert.Contains("Subject: Report", Encoding.UTF8.GetString(raw.Raw!), StringComparison.Ordinal);
        Assert.Null(raw.Payload);

        var pdf = full.Payload!.Parts!.Single(p => p.Filename == "r.pdf");
        Assert.Equal("See attached.", Encoding.UTF8.GetString(full.Payload.Parts![0].Body!.Data!).Trim());
        var fetched = await host.Client.GetAttachmentAsync(user.Account, id, pdf.Body!.AttachmentId!);
        Assert.Equal(attachment, fetched.Data);
        Assert.Equal(attachment.Length, fetched.Size);
    }

    [Fact]
    public async Task An_unknown_message_is_a_gmail_not_found()
    {
        var user = await SeedAsync(0);
        await using var host = await emulator.CreateClientAsync(user.Account);

        var error = await Assert.ThrowsAsync<GmailNotFoundException>(() => host.Client.GetMessageAsync(user.Account, "18f5dc3c6c373405"));

        Assert.Equal("notFound", error.Reason);
        Assert.False(error.IsHistoryExpired);
    }

    [Fact]
    public async Task Modify_and_batch_modify_show_up_in_paged_history()
    {
        var user = await SeedAsync(3);
        await using var host = await emulator.CreateClientAsync(user.Account);
        var start = (await host.Client.GetProfileAsync(user.Account)).HistoryId;

        var modified = await host.Client.ModifyMessageAsync(user.Account, user.Ids[0], new ModifyMessageRequest { AddLabelIds = ["STARRED"], RemoveLabelIds = ["INBOX"] });
        await host.Client.BatchModifyMessagesAsync(user.Account, new BatchModifyMessagesRequest { Ids = [user.Ids[1], user.Ids[2]], AddLabelIds = ["IMPORTANT"] });
        var pages = await host.Client.ListAllHistoryAsync(user.Account, new HistoryQuery { StartHistoryId = start, MaxResults = 1 }).ToListAsync();
        var records = pages.SelectMany(p => p.History ?? []).ToList();

        Assert.Contains("STARRED", modified.LabelIds!);
        Assert.DoesNotContain("INBOX", modified.LabelIds!);
        Assert.True(pages.Count >= 3, $"{pages.Count} pages");
        Assert.All(records, r => Assert.True(r.Id > start));
        Assert.Equal(records.OrderBy(r => r.Id).Select(r => r.Id), records.Select(r => r.Id));
        Assert.Contains(records, r => r.LabelsAdded?.Any(a => a.Message!.Id == user.Ids[0] && a.LabelIds!.Contains("STARRED")) == true);
        Assert.Contains(records, r => r.LabelsRemoved?.Any(a => a.Message!.Id == user.Ids[0] && a.LabelIds!.Contains("INBOX")) == true);
        Assert.Contains(records, r => r.LabelsAdded?.Any(a => a.Message!.Id == user.Ids[2] && a.LabelIds!.Contains("IMPORTANT")) == true);
        Assert.Equal(pages[^1].HistoryId, (await host.Client.GetProfileAsync(user.Account)).HistoryId);
    }

    [Fact]
    public async Task Bad_modifications_surface_googles_reason()
    {
        var user = await SeedAsync(1);
        await using var host = await emulator.CreateClientAsync(user.Account);

        var sent = await Assert.ThrowsAsync<ExternalServiceException>(() =>
            host.Client.ModifyMessageAsync(user.Account, user.Ids[0], new ModifyMessageRequest { AddLabelIds = ["SENT"] }));

        Assert.Equal(400, sent.UpstreamStatus);
        Assert.Equal("gmail", sent.Service);
        Assert.Contains("Invalid label", sent.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Labels_list_get_create_and_a_duplicate_name_conflicts()
    {
        var user = await SeedAsync(1);
        await using var host = await emulator.CreateClientAsync(user.Account);

        var created = await host.Client.CreateLabelAsync(user.Account, new GmailLabel
        {
            Name = "Automation/Newsletter",
            MessageListVisibility = "show",
            LabelListVisibility = "labelShow",
            Color = new LabelColor("#000000", "#16a766"),
        });
        var labels = await host.Client.ListLabelsAsync(user.Account);
        var inbox = await host.Client.GetLabelAsync(user.Account, "INBOX");
        var duplicate = await Assert.ThrowsAsync<ExternalServiceException>(() =>
            host.Client.CreateLabelAsync(user.Account, new GmailLabel { Name = "automation/newsletter" }));

        Assert.Equal("user", created.Type);
        Assert.StartsWith("Label_", created.Id, StringComparison.Ordinal);
        Assert.Equal("INBOX", labels[0].Id);
        Assert.Contains(labels, l => l.Id == created.Id && l.Name == "Automation/Newsletter");
        Assert.Equal(1, inbox.MessagesTotal);
        Assert.Equal(409, duplicate.UpstreamStatus);
        Assert.Equal("aborted", duplicate.Reason);
    }

    [Fact]
    public async Task Drafts_are_created_listed_read_updated_sent_and_deleted()
    {
        var user = await SeedAsync(0);
        var (originalId, threadId) = await emulator.ImportAsync(user.Account, EmulatorFixture.Mail("Question", messageId: "<q1@example.com>"));
        await using var host = await emulator.CreateClientAsync(user.Account);
        var reply = Reply("Re: Question", "First try.", threadId);

        var draft = await host.Client.CreateDraftAsync(user.Account, reply, threadId);
        var listed = await host.Client.ListDraftsAsync(user.Account);
        var read = await host.Client.GetDraftAsync(user.Account, draft.Id!, MessageFormat.Raw);
        var updated = await host.Client.UpdateDraftAsync(user.Account, draft.Id!, Reply("Re: Question", "Second try.", threadId), threadId);
        var sent = await host.Client.SendDraftAsync(user.Account, draft.Id!);
        var afterSend = await host.Client.ListDraftsAsync(user.Account);
        var second = await host.Client.CreateDraftAsync(user.Account, Reply("Re: Question", "Throwaway.", threadId), threadId);
        await host.Client.DeleteDraftAsync(user.Account, second.Id!);
        var gone = await Assert.ThrowsAsync<GmailNotFoundException>(() => host.Client.GetDraftAsync(user.Account, second.Id!));

        Assert.Equal(["DRAFT"], draft.Message!.LabelIds!);
        Assert.Equal(threadId, draft.Message.ThreadId);
        Assert.Contains(listed.Drafts!, d => d.Id == draft.Id);
        Assert.Contains("First try.", Encoding.UTF8.GetString(read.Message!.Raw!), StringComparison.Ordinal);
        Assert.Equal(draft.Id, updated.Id);
        Assert.NotEqual(draft.Message.Id, updated.Message!.Id);
        Assert.Contains("SENT", sent.LabelIds!);
        Assert.Equal(threadId, sent.ThreadId);
        Assert.Null(afterSend.Drafts);
        Assert.Equal("notFound", gone.Reason);
        Assert.NotEqual(originalId, sent.Id);
    }

    [Fact]
    public async Task Send_threads_a_reply_and_threads_can_be_read_and_listed()
    {
        var user = await SeedAsync(0);
        var (_, threadId) = await emulator.ImportAsync(user.Account, EmulatorFixture.Mail("Question", messageId: "<q2@example.com>"));
        await emulator.ImportAsync(user.Account, EmulatorFixture.Mail("Unrelated"));
        await using var host = await emulator.CreateClientAsync(user.Account);

        var sent = await host.Client.SendMessageAsync(user.Account, Reply("Re: Question", "Answer.", threadId, "<q2@example.com>"), threadId);
        var thread = await host.Client.GetThreadAsync(user.Account, threadId, MessageFormat.Metadata, ["Subject"]);
        var threads = await host.Client.ListThreadsAsync(user.Account);

        Assert.Equal(["SENT"], sent.LabelIds!);
        Assert.Equal(threadId, sent.ThreadId);
        Assert.Equal(2, thread.Messages!.Count);
        Assert.Equal(sent.Id, thread.Messages[^1].Id);
        Assert.Equal("Question", thread.Messages[0].Header("Subject"));
        Assert.Equal(2, threads.Threads!.Count);
        Assert.All(threads.Threads, t => Assert.True(t.HistoryId > 0));
    }

    [Fact]
    public async Task Watch_returns_the_current_history_id_and_a_seven_day_expiration_and_stop_succeeds()
    {
        var user = await SeedAsync(1);
        await using var host = await emulator.CreateClientAsync(user.Account);
        var historyId = (await host.Client.GetProfileAsync(user.Account)).HistoryId;

        var watch = await host.Client.WatchAsync(user.Account, new WatchRequest { TopicName = "projects/gmail-automation-local/topics/gmail", LabelIds = ["INBOX"] });
        await host.Client.StopAsync(user.Account);

        Assert.Equal(historyId, watch.HistoryId);
        var expires = DateTimeOffset.FromUnixTimeMilliseconds(watch.Expiration);
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddDays(6.9), DateTimeOffset.UtcNow.AddDays(7.1));
        Assert.Equal(150, host.Metrics.Sum("gmail.client.quota.units", ("method", "users.watch")) + host.Metrics.Sum("gmail.client.quota.units", ("method", "users.stop")));
    }

    [Fact]
    public async Task Batch_get_returns_one_result_per_id_including_failures()
    {
        var user = await SeedAsync(5);
        await using var host = await emulator.CreateClientAsync(user.Account);
        var ids = user.Ids.Take(2).Append("0000000000000001").Concat(user.Ids.Skip(2)).ToList();

        var results = await host.Client.GetMessagesAsync(user.Account, ids, MessageFormat.Metadata, ["From"]);

        Assert.Equal(ids, results.Select(r => r.Id));
        Assert.True(results[2].IsNotFound);
        Assert.All(results.Where((_, i) => i != 2), r =>
        {
            Assert.True(r.Succeeded);
            Assert.Equal(r.Id, r.Value!.Id);
            Assert.Equal("From", Assert.Single(r.Value.Payload!.Headers!).Name);
        });
        Assert.Equal(30, host.Metrics.Sum("gmail.client.quota.units", ("method", "batch")));
    }

    private static byte[] Reply(string subject, string body, string threadId, string inReplyTo = "<q1@example.com>") =>
        Encoding.UTF8.GetBytes(
            $"From: user@example.com\r\nTo: alice@example.com\r\nSubject: {subject}\r\nIn-Reply-To: {inReplyTo}\r\nReferences: {inReplyTo}\r\n" +
            $"X-Thread: {threadId}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n");

    private async Task<(string Account, List<string> Ids)> SeedAsync(int messages)
    {
        await emulator.CreateMailboxAsync(account);
        var ids = new List<string>();
        var start = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < messages; i++)
        {
            ids.Add((await emulator.ImportAsync(account, EmulatorFixture.Mail($"Message {i}"), ["INBOX"], start.AddMinutes(i))).Id);
        }

        return (account, ids);
    }
}
