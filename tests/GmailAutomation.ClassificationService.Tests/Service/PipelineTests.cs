using System.Net;
using System.Net.Http.Json;
using GmailAutomation.ClassificationService.Data;
using GmailAutomation.IntegrationEvents;
using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ClassificationService.Tests.Service;

/// <summary>EmailReceived → classified, labelled once in the emulator, recorded and announced; redelivery changes nothing.</summary>
[Collection(ClassificationCollection.Name)]
public sealed class PipelineTests(ClassificationEnvironment env)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Seeded_mailbox_is_labelled_once_with_the_expected_labels_and_redelivery_changes_nothing()
    {
        var user = await env.NewUserWithMailboxAsync("pipeline");
        using var api = env.ClientFor(user);
        using (var created = await api.PostAsJsonAsync("/api/classification/rules", new
        {
            name = "BigCorp is work",
            condition = new { type = "field", field = "from", @operator = "endsWith", value = "@bigcorp.example" },
            actions = new object[] { new { type = "setCategory", value = "Work" }, new { type = "addLabel", value = Samples.BigCorpRuleLabel } },
        }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var samples = Samples.Known(user.Mailbox);
        var ids = new List<string>();
        foreach (var sample in samples)
        {
            ids.Add(await env.ImportAsync(user.Mailbox, sample.Raw));
        }

        var events = new List<EmailReceived>();
        foreach (var id in ids)
        {
            events.Add(await env.ReceivedEventAsync(user, id));
        }

        foreach (var @event in events)
        {
            await env.PublishAsync(@event);
        }

        await WaitProcessedAsync(user, ids.Count);
        var names = await env.LabelNamesAsync(user);
        var categoryLabels = new Dictionary<string, string?>();
        for (var i = 0; i < samples.Count; i++)
        {
            var (name, _, expected) = samples[i];
            var labels = (await env.GmailMessageAsync(user, ids[i])).LabelIds!.Select(id => names.GetValueOrDefault(id, id)).ToList();
            var automation = labels.Where(l => l.StartsWith("Automation/", StringComparison.Ordinal)).ToList();
            var processed = await env.QueryAsync(db => db.ProcessedMessages.SingleAsync(p => p.AccountId == user.AccountId && p.GmailMessageId == ids[i]));
            if (expected is not null)
            {
                foreach (var label in expected)
                {
                    Assert.True(labels.Contains(label), $"{name}: expected label {label}, has {string.Join(", ", labels)}");
                }

                Assert.Equal(expected.Count(l => l.StartsWith("Automation/", StringComparison.Ordinal)), automation.Count);
            }
            else
            {
                // The model decides: at most one category label, and it is the recorded category.
                Assert.True(automation.Count <= 1, $"{name}: {string.Join(", ", automation)}");
                Assert.Equal(processed.Category == "Other" ? [] : ["Automation/" + processed.Category], automation);
            }

            categoryLabels[name] = automation.SingleOrDefault();
        }

        // The parent exists too (nested labels show nested in Gmail).
        Assert.Contains("Automation", names.Values);
        Assert.Equal(ids.Count, await HistoryRowsAsync(user));
        await ClassificationEnvironment.WaitUntilAsync(() => Task.FromResult(env.Classified(user.AccountId).Count >= ids.Count), Patience, "EmailClassified events");
        var announced = env.Classified(user.AccountId);
        Assert.Equal(ids.Order(), announced.Select(e => e.GmailMessageId).Order());
        var work = announced.Single(e => e.GmailMessageId == ids[4]);
        Assert.Equal("Work", work.Category);
        Assert.Equal("rule", work.DecidedBy.Kind);
        Assert.Equal(1.0, work.Confidence);
        Assert.Equal(2, work.LabelsApplied.Count);

        // Redelivery of every event (same ids): no Gmail call, no new row, no new event.
        var callsBefore = await env.GmailCallsAsync(user.Mailbox);
        var duplicatesBefore = env.Counter("classification.duplicates");
        foreach (var @event in events)
        {
            await env.PublishAsync(@event);
        }

        await ClassificationEnvironment.WaitUntilAsync(
            () => Task.FromResult(env.Counter("classification.duplicates") >= duplicatesBefore + events.Count), Patience, "the redelivered events");
        Assert.Equal(callsBefore, await env.GmailCallsAsync(user.Mailbox));
        Assert.Equal(ids.Count, await HistoryRowsAsync(user));
        for (var i = 0; i < samples.Count; i++)
        {
            var labels = (await env.GmailMessageAsync(user, ids[i])).LabelIds!.Select(id => names.GetValueOrDefault(id, id));
            Assert.Equal(categoryLabels[samples[i].Name], labels.SingleOrDefault(l => l.StartsWith("Automation/", StringComparison.Ordinal)));
        }

        await Task.Delay(500);
        Assert.Equal(ids.Count, env.Classified(user.AccountId).Count);
        Assert.Equal(0, await env.QueryAsync(db => db.Outbox.CountAsync()));
    }

    [Fact]
    public async Task Malformed_empty_huge_and_unknown_charset_mail_is_classified_or_marked_Other_with_a_reason()
    {
        var user = await env.NewUserWithMailboxAsync("malformed");
        var samples = Samples.Malformed(user.Mailbox);
        var ids = new List<string>();
        foreach (var (_, raw) in samples)
        {
            ids.Add(await env.ImportAsync(user.Mailbox, raw));
        }

        foreach (var id in ids)
        {
            await env.PublishAsync(await env.ReceivedEventAsync(user, id));
        }

        await WaitProcessedAsync(user, ids.Count);
        var history = await env.QueryAsync(db => db.History.AsNoTracking().Where(h => h.AccountId == user.AccountId).ToListAsync());
        var names = await env.LabelNamesAsync(user);
        for (var i = 0; i < samples.Count; i++)
        {
            var record = Assert.Single(history, h => h.GmailMessageId == ids[i]);
            Assert.False(string.IsNullOrEmpty(record.Category), samples[i].Name);
            Assert.False(string.IsNullOrEmpty(record.NeedsReplyReason), samples[i].Name);
            if (record.Category == "Other")
            {
                Assert.True(record.Notes.Count > 0, $"{samples[i].Name}: Other without a reason");
            }

            var labels = (await env.GmailMessageAsync(user, ids[i])).LabelIds!.Select(id => names.GetValueOrDefault(id, id)).ToList();
            Assert.Equal(record.Category == "Other" ? [] : ["Automation/" + record.Category], labels.Where(l => l.StartsWith("Automation/", StringComparison.Ordinal)));
        }

        // The broken structure is named in the record, not silently dropped.
        var broken = history.Single(h => h.GmailMessageId == ids[0]);
        Assert.Contains(broken.Notes, n => n.Contains("malformed", StringComparison.OrdinalIgnoreCase));
    }

    private async Task WaitProcessedAsync(TestUser user, int count) =>
        await ClassificationEnvironment.WaitUntilAsync(
            async () => await env.QueryAsync(db => db.ProcessedMessages.CountAsync(p => p.AccountId == user.AccountId)) >= count,
            Patience,
            $"{count} processed messages");

    private Task<int> HistoryRowsAsync(TestUser user) =>
        env.QueryAsync(db => db.History.CountAsync(h => h.AccountId == user.AccountId && h.Source == ClassificationSources.Event));
}
