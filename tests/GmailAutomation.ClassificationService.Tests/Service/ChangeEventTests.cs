using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using GmailAutomation.Common.Correlation;
using GmailAutomation.IntegrationEvents;
using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ClassificationService.Tests.Service;

/// <summary>
/// Every change a user makes through the API is announced (for the audit log) with before and after, from the
/// outbox that is saved with the change: a refused change announces nothing.
/// </summary>
[Collection(ClassificationCollection.Name)]
public sealed class ChangeEventTests(ClassificationEnvironment env)
{
    private static object Rule(string name, object condition, params object[] actions) => new { name, condition, actions };

    private static object SubjectRegex(string pattern) => new { type = "field", field = "subject", @operator = "regex", value = pattern };

    private static object SetCategory(string category) => new { type = "setCategory", value = category };

    [Fact]
    public async Task Each_change_to_rules_built_ins_categories_and_settings_is_announced_with_before_and_after_and_a_refused_one_is_not()
    {
        var user = await env.NewUserWithMailboxAsync("events");
        var other = await env.NewUserWithMailboxAsync("events-other");
        using var api = env.ClientFor(user);
        using var otherApi = env.ClientFor(other);
        var correlation = "audit-test-" + Guid.NewGuid().ToString("N")[..8];
        api.DefaultRequestHeaders.Add(CorrelationId.HeaderName, correlation);

        await ExpectAsync(HttpStatusCode.Created, api.PostAsJsonAsync("/api/classification/categories", new { name = "Invoices" }));
        await ExpectAsync(HttpStatusCode.Created, api.PostAsJsonAsync("/api/classification/categories", new { name = "Invoices" })); // already there: no change
        var first = await CreateAsync(api, Rule("First", SubjectRegex("^invoice"), SetCategory("Invoices")));
        var second = await CreateAsync(api, Rule("Second", new { type = "hasAttachment" }, new { type = "addLabel", value = "Has files" }));
        await ExpectAsync(HttpStatusCode.OK, api.PutAsJsonAsync("/api/classification/rules/order", new { ruleIds = new[] { second, first } }));
        await ExpectAsync(HttpStatusCode.OK, api.PutAsJsonAsync($"/api/classification/rules/{first}", Rule("First renamed", SubjectRegex("^bill"), SetCategory("Invoices"))));
        await ExpectAsync(HttpStatusCode.OK, api.PutAsJsonAsync("/api/classification/builtins/mailing-list", new { enabled = false }));
        await ExpectAsync(HttpStatusCode.OK, api.PutAsJsonAsync("/api/classification/settings", new { labelParent = "Sorted", disabledLabelCategories = new[] { "Spam" } }));
        await ExpectAsync(HttpStatusCode.Created, api.PostAsJsonAsync("/api/classification/categories", new { name = "Travel" }));
        await ExpectAsync(HttpStatusCode.NoContent, api.DeleteAsync("/api/classification/categories/Travel"));

        // Refused: none of these changes anything, so none is announced.
        await ExpectAsync(HttpStatusCode.BadRequest, api.PostAsJsonAsync("/api/classification/rules", Rule("Broken", SubjectRegex("invoice (\\d+"), SetCategory("Receipt"))));
        await ExpectAsync(HttpStatusCode.BadRequest, api.PutAsJsonAsync($"/api/classification/rules/{first}", Rule("Unknown category", SubjectRegex("x"), SetCategory("Nowhere"))));
        await ExpectAsync(HttpStatusCode.BadRequest, api.PutAsJsonAsync("/api/classification/rules/order", new { ruleIds = new[] { second } }));
        await ExpectAsync(HttpStatusCode.BadRequest, api.DeleteAsync("/api/classification/categories/Invoices"));
        await ExpectAsync(HttpStatusCode.BadRequest, api.PostAsJsonAsync("/api/classification/categories", new { name = "Work" }));
        await ExpectAsync(HttpStatusCode.BadRequest, api.PutAsJsonAsync("/api/classification/settings", new { labelParent = "/bad/" }));
        await ExpectAsync(HttpStatusCode.NotFound, api.PutAsJsonAsync("/api/classification/builtins/no-such-heuristic", new { enabled = false }));
        await ExpectAsync(HttpStatusCode.NotFound, otherApi.DeleteAsync($"/api/classification/rules/{second}"));
        await ExpectAsync(HttpStatusCode.NotFound, otherApi.PutAsJsonAsync($"/api/classification/rules/{first}", Rule("Stolen", SubjectRegex("x"), SetCategory("Spam"))));

        // The last change is published after the refused ones would have been: once it is in, everything is.
        await ExpectAsync(HttpStatusCode.NoContent, api.DeleteAsync($"/api/classification/rules/{second}"));
        await ClassificationEnvironment.WaitUntilAsync(
            () => Task.FromResult(env.RuleChanges(user.UserId).Any(e => e.Action == ClassificationChangeActions.RuleDeleted)), TimeSpan.FromSeconds(30), "the rule.deleted event");

        var events = env.RuleChanges(user.UserId);
        Assert.Equal(
            [
                "category.added", "rule.created", "rule.created", "rules.reordered", "rule.updated", "builtin.switched", "settings.changed",
                "category.added", "category.deleted", "rule.deleted",
            ],
            events.Select(e => e.Action));
        Assert.Empty(env.RuleChanges(other.UserId));
        Assert.All(events, e => Assert.Equal(correlation, e.CorrelationId));
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        var revisions = events.Where(e => e.Revision > 0).Select(e => e.Revision).ToList();
        Assert.Equal(7, revisions.Count);
        Assert.Equal(revisions.Order(), revisions);

        Assert.Null(events[0].Before);
        Assert.Equal("Invoices", events[0].After!.Value.GetProperty("name").GetString());

        var created = events[1];
        Assert.Equal(first, created.RuleId);
        Assert.Null(created.Before);
        Assert.Equal("First", created.After!.Value.GetProperty("name").GetString());
        Assert.True(created.After.Value.GetProperty("enabled").GetBoolean());
        Assert.Equal(0, created.After.Value.GetProperty("position").GetInt32());
        Assert.Equal("^invoice", created.After.Value.GetProperty("condition").GetProperty("value").GetString());
        Assert.Equal("Invoices", created.After.Value.GetProperty("actions")[0].GetProperty("value").GetString());

        var reordered = events[3];
        Assert.Null(reordered.RuleId);
        Assert.Equal(new[] { "First", "Second" }, Names(reordered.Before!.Value));
        Assert.Equal(new[] { "Second", "First" }, Names(reordered.After!.Value));

        var updated = events[4];
        Assert.Equal(first, updated.RuleId);
        Assert.Equal("First", updated.Before!.Value.GetProperty("name").GetString());
        Assert.Equal("^invoice", updated.Before.Value.GetProperty("condition").GetProperty("value").GetString());
        Assert.Equal("First renamed", updated.After!.Value.GetProperty("name").GetString());
        Assert.Equal("^bill", updated.After.Value.GetProperty("condition").GetProperty("value").GetString());
        Assert.Equal(1, updated.After.Value.GetProperty("position").GetInt32());

        var builtIn = events[5];
        Assert.Equal("builtin:mailing-list", builtIn.RuleId);
        Assert.True(builtIn.Before!.Value.GetProperty("enabled").GetBoolean());
        Assert.False(builtIn.After!.Value.GetProperty("enabled").GetBoolean());

        var settings = events[6];
        Assert.Equal("Automation", settings.Before!.Value.GetProperty("labelParent").GetString());
        Assert.Equal(0, settings.Before.Value.GetProperty("disabledLabelCategories").GetArrayLength());
        Assert.Equal("Sorted", settings.After!.Value.GetProperty("labelParent").GetString());
        Assert.Equal("Spam", settings.After.Value.GetProperty("disabledLabelCategories")[0].GetString());

        Assert.Equal("Travel", events[8].Before!.Value.GetProperty("name").GetString());
        Assert.Null(events[8].After);

        var deleted = events[9];
        Assert.Equal(second, deleted.RuleId);
        Assert.Equal("Second", deleted.Before!.Value.GetProperty("name").GetString());
        Assert.Null(deleted.After);

        // Published rows leave the outbox.
        var ids = events.Select(e => e.Id).ToList();
        await ClassificationEnvironment.WaitUntilAsync(
            async () => !await env.QueryAsync(db => db.Outbox.AnyAsync(o => ids.Contains(o.EventId))),
            TimeSpan.FromSeconds(30),
            "an empty outbox");
    }

    [Fact]
    public async Task A_correction_is_announced_with_the_previous_and_new_category_and_a_refused_one_is_not()
    {
        var user = await env.NewUserWithMailboxAsync("correct-event");
        using var api = env.ClientFor(user);
        var id = await env.ImportAsync(user.Mailbox, Samples.Known(user.Mailbox)[1].Raw);
        await env.PublishAsync(await env.ReceivedEventAsync(user, id));
        await ClassificationEnvironment.WaitUntilAsync(
            async () => await env.QueryAsync(db => db.ProcessedMessages.AnyAsync(p => p.AccountId == user.AccountId)), TimeSpan.FromSeconds(60), "the message");
        var thread = await env.QueryAsync(db => db.ProcessedMessages.Where(p => p.AccountId == user.AccountId).Select(p => p.ThreadId).SingleAsync());

        var corrections = $"/api/classification/accounts/{user.AccountId}/messages/{id}/corrections";
        await ExpectAsync(HttpStatusCode.BadRequest, api.PostAsJsonAsync(corrections, new { category = "Nonsense" }));
        await ExpectAsync(HttpStatusCode.NotFound, api.PostAsJsonAsync($"/api/classification/accounts/{user.AccountId}/messages/no-such-message/corrections", new { category = "Work" }));
        using var response = await api.PostAsJsonAsync(corrections, new { category = "promotion" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<JsonObject>())!;

        await ClassificationEnvironment.WaitUntilAsync(() => Task.FromResult(env.Corrections(user.AccountId).Count > 0), TimeSpan.FromSeconds(30), "the ClassificationCorrected event");
        var corrected = Assert.Single(env.Corrections(user.AccountId));
        Assert.Equal(user.UserId, corrected.UserId);
        Assert.Equal(id, corrected.GmailMessageId);
        Assert.Equal(thread, corrected.ThreadId);
        Assert.Equal("Receipt", corrected.PreviousCategory);
        Assert.Equal("Promotion", corrected.Category);
        Assert.Equal(result["labelIdsAdded"]!.AsArray().Select(l => l!.GetValue<string>()), corrected.LabelIdsAdded);
        Assert.Equal(result["labelIdsRemoved"]!.AsArray().Select(l => l!.GetValue<string>()), corrected.LabelIdsRemoved);
        Assert.NotEmpty(corrected.LabelIdsRemoved);
    }

    private static string[] Names(JsonElement snapshot) => [.. snapshot.GetProperty("order").EnumerateArray().Select(r => r.GetProperty("name").GetString()!)];

    private static async Task ExpectAsync(HttpStatusCode expected, Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<string> CreateAsync(HttpClient api, object rule)
    {
        using var response = await api.PostAsJsonAsync("/api/classification/rules", rule);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }
}
