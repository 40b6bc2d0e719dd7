using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ClassificationService.Tests.Service;

/// <summary>The public API: validation, ordering, built-in switches, raw classification, dry-run, corrections and user scoping.</summary>
[Collection(ClassificationCollection.Name)]
public sealed class ApiTests(ClassificationEnvironment env)
{
    private static object Rule(string name, object condition, params object[] actions) => new { name, condition, actions };

    private static object SubjectRegex(string pattern) => new { type = "field", field = "subject", @operator = "regex", value = pattern };

    private static object SetCategory(string category) => new { type = "setCategory", value = category };

    [Fact]
    public async Task Requests_without_a_signed_in_user_are_401()
    {
        using var anonymous = env.ClientFor(null);
        using var response = await anonymous.GetAsync("/api/classification/rules");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_bad_regex_is_a_400_naming_the_rule_and_the_position()
    {
        var user = await env.NewUserWithMailboxAsync("regex");
        using var api = env.ClientFor(user);
        using var response = await api.PostAsJsonAsync("/api/classification/rules", Rule("Broken pattern", SubjectRegex("invoice (\\d+"), SetCategory("Receipt")));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.Contains("Broken pattern", problem);
        Assert.Contains("position 12", problem);
        Assert.Contains("rule.condition", problem);
        Assert.Empty(await RulesAsync(api));
    }

    [Fact]
    public async Task A_catastrophically_backtracking_regex_is_refused_with_the_reason()
    {
        var user = await env.NewUserWithMailboxAsync("redos");
        using var api = env.ClientFor(user);

        // A backreference forces the backtracking engine; nested quantifiers make it exponential.
        using var response = await api.PostAsJsonAsync("/api/classification/rules", Rule("Slow pattern", SubjectRegex("^(a+)+\\1$"), SetCategory("Spam")));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.Contains("Slow pattern", problem);
        Assert.Contains("backtracks catastrophically", problem);

        // A linear pattern with the same nesting is fine: it runs on the non-backtracking engine.
        using var linear = await api.PostAsJsonAsync("/api/classification/rules", Rule("Fast pattern", SubjectRegex("^(a+)+$"), SetCategory("Spam")));
        Assert.Equal(HttpStatusCode.Created, linear.StatusCode);
    }

    [Fact]
    public async Task Rules_are_created_reordered_updated_and_deleted_with_validation()
    {
        var user = await env.NewUserWithMailboxAsync("crud");
        using var api = env.ClientFor(user);
        using (var unknownCategory = await api.PostAsJsonAsync("/api/classification/rules", Rule("Nope", SubjectRegex("x"), SetCategory("Invoices"))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknownCategory.StatusCode);
            Assert.Contains("Invoices", await unknownCategory.Content.ReadAsStringAsync());
        }

        using (var category = await api.PostAsJsonAsync("/api/classification/categories", new { name = "Invoices" }))
        {
            Assert.Equal(HttpStatusCode.Created, category.StatusCode);
        }

        var first = await CreateAsync(api, Rule("First", SubjectRegex("^invoice"), SetCategory("Invoices")));
        var second = await CreateAsync(api, Rule("Second", new { type = "hasAttachment" }, new { type = "addLabel", value = "Has files" }));
        Assert.Equal(["First", "Second"], (await RulesAsync(api)).Select(r => r["name"]!.GetValue<string>()));

        using (var reorder = await api.PutAsJsonAsync("/api/classification/rules/order", new { ruleIds = new[] { second, first } }))
        {
            Assert.Equal(HttpStatusCode.OK, reorder.StatusCode);
        }

        Assert.Equal(["Second", "First"], (await RulesAsync(api)).Select(r => r["name"]!.GetValue<string>()));
        using (var incomplete = await api.PutAsJsonAsync("/api/classification/rules/order", new { ruleIds = new[] { second } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, incomplete.StatusCode);
        }

        using (var update = await api.PutAsJsonAsync($"/api/classification/rules/{first}", Rule("First renamed", SubjectRegex("^bill"), SetCategory("Invoices"))))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        }

        using (var deleteCategory = await api.DeleteAsync("/api/classification/categories/Invoices"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, deleteCategory.StatusCode);
        }

        using (var delete = await api.DeleteAsync($"/api/classification/rules/{second}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        var left = Assert.Single(await RulesAsync(api));
        Assert.Equal("First renamed", left["name"]!.GetValue<string>());
        Assert.Equal(0, left["position"]!.GetValue<int>());
        using var gone = await api.GetAsync($"/api/classification/rules/{second}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Raw_messages_are_classified_with_the_users_rules_and_built_ins_can_be_switched_off()
    {
        var user = await env.NewUserWithMailboxAsync("classify");
        using var api = env.ClientFor(user);
        var newsletter = TestMail.Raw(subject: "Spring news", headers: ["List-Id: <news.example.com>"]);

        var before = await ClassifyAsync(api, newsletter);
        Assert.Equal("Newsletter", before["category"]!.GetValue<string>());
        Assert.Equal("builtin", before["decidedBy"]!.GetValue<string>());
        Assert.Equal("builtin:mailing-list", before["ruleId"]!.GetValue<string>());
        Assert.Equal(["Automation/Newsletter"], before["labels"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.False(before["needsReply"]!.GetValue<bool>());

        using (var off = await api.PutAsJsonAsync("/api/classification/builtins/mailing-list", new { enabled = false }))
        {
            Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        }

        var after = await ClassifyAsync(api, newsletter);
        Assert.NotEqual("builtin:mailing-list", after["ruleId"]?.GetValue<string>());

        var empty = await ClassifyAsync(api, string.Empty);
        Assert.Contains(empty["notes"]!.AsArray(), n => n!.GetValue<string>() == "the message is empty");

        using var settings = await api.PutAsJsonAsync("/api/classification/settings", new { labelParent = "Sorted" });
        Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        var receipt = await ClassifyAsync(api, TestMail.Raw(subject: "Your receipt from Example"));
        Assert.Equal(["Sorted/Receipt"], receipt["labels"]!.AsArray().Select(l => l!.GetValue<string>()));
    }

    [Fact]
    public async Task Another_users_accounts_and_rules_are_404()
    {
        var owner = await env.NewUserWithMailboxAsync("owner");
        var other = await env.NewUserWithMailboxAsync("other");
        using var ownerApi = env.ClientFor(owner);
        using var otherApi = env.ClientFor(other);
        var rule = await CreateAsync(ownerApi, Rule("Mine", SubjectRegex("mine"), SetCategory("Personal")));
        var messageId = await env.ImportAsync(owner.Mailbox, Samples.Bytes(TestMail.Raw(to: owner.Mailbox, subject: "Your invoice 42")));
        await env.PublishAsync(await env.ReceivedEventAsync(owner, messageId));
        await ClassificationEnvironment.WaitUntilAsync(
            async () => await env.QueryAsync(db => db.ProcessedMessages.AnyAsync(p => p.GmailMessageId == messageId && p.AccountId == owner.AccountId)),
            TimeSpan.FromSeconds(60),
            "the owner's message");

        var account = $"/api/classification/accounts/{owner.AccountId}";
        foreach (var response in new[]
        {
            await otherApi.GetAsync($"/api/classification/rules/{rule}"),
            await otherApi.PutAsJsonAsync($"/api/classification/rules/{rule}", Rule("Stolen", SubjectRegex("x"), SetCategory("Spam"))),
            await otherApi.DeleteAsync($"/api/classification/rules/{rule}"),
            await otherApi.GetAsync($"{account}/messages"),
            await otherApi.GetAsync($"{account}/messages/{messageId}"),
            await otherApi.PostAsJsonAsync($"{account}/messages/{messageId}/corrections", new { category = "Spam" }),
            await otherApi.PostAsJsonAsync($"{account}/dry-run", new { limit = 10 }),
            await otherApi.PostAsync($"/api/classify?accountId={owner.AccountId}", new StringContent(TestMail.Raw())),
        })
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            }
        }

        Assert.Empty(await RulesAsync(otherApi));
        Assert.Single(await RulesAsync(ownerApi));
        using var mine = await ownerApi.GetAsync($"{account}/messages/{messageId}");
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
    }

    [Fact]
    public async Task Dry_run_shows_what_a_proposed_rule_would_change_and_applies_nothing()
    {
        var user = await env.NewUserWithMailboxAsync("dryrun");
        using var api = env.ClientFor(user);
        var samples = Samples.Known(user.Mailbox);
        var ids = new List<string>();
        foreach (var sample in samples.Take(3))
        {
            var id = await env.ImportAsync(user.Mailbox, sample.Raw);
            ids.Add(id);
            await env.PublishAsync(await env.ReceivedEventAsync(user, id));
        }

        await ClassificationEnvironment.WaitUntilAsync(
            async () => await env.QueryAsync(db => db.ProcessedMessages.CountAsync(p => p.AccountId == user.AccountId)) == 3, TimeSpan.FromSeconds(60), "3 messages");
        var callsBefore = await env.GmailCallsAsync(user.Mailbox);

        // Current rules reproduce what happened: nothing would change.
        var current = await DryRunAsync(api, user, new { limit = 50 });
        Assert.Equal(3, current["messagesExamined"]!.GetValue<int>());
        Assert.Equal(0, current["wouldChange"]!.GetValue<int>());

        // A proposed rule that files shipping mail as Promotion changes exactly the receipt.
        var proposed = await DryRunAsync(api, user, new
        {
            limit = 50,
            rules = new[] { Rule("Shipping is promotion", SubjectRegex("shipped"), SetCategory("Promotion"), new { type = "addLabel", value = "Shipping" }) },
        });
        var change = Assert.Single(proposed["changes"]!.AsArray())!;
        Assert.Equal(ids[1], change["gmailMessageId"]!.GetValue<string>());
        Assert.Equal("Receipt", change["currentCategory"]!.GetValue<string>());
        Assert.Equal("Promotion", change["proposedCategory"]!.GetValue<string>());
        Assert.Equal(["Shipping"], change["labelsAdded"]!.AsArray().Select(l => l!.GetValue<string>()));

        // Switching the receipt heuristic off hands the receipt to the model, which has no Receipt class.
        var withoutReceipts = await DryRunAsync(api, user, new { limit = 50, disabledBuiltIns = new[] { "builtin:receipt" } });
        var receipt = Assert.Single(withoutReceipts["changes"]!.AsArray(), c => c!["gmailMessageId"]!.GetValue<string>() == ids[1])!;
        Assert.NotEqual("Receipt", receipt["proposedCategory"]!.GetValue<string>());
        Assert.Contains(receipt["decidedBy"]!.GetValue<string>(), new[] { "model", "none" });

        // A proposed bad regex is a 400 naming the proposed rule.
        using (var bad = await api.PostAsJsonAsync($"/api/classification/accounts/{user.AccountId}/dry-run", new { rules = new[] { Rule("Oops", SubjectRegex("[a-"), SetCategory("Spam")) } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("Oops", await bad.Content.ReadAsStringAsync());
        }

        Assert.Equal(callsBefore, await env.GmailCallsAsync(user.Mailbox));
        Assert.Empty(await RulesAsync(api));
        Assert.Equal("Receipt", await env.QueryAsync(db => db.ProcessedMessages.Where(p => p.GmailMessageId == ids[1]).Select(p => p.Category).SingleAsync()));
    }

    [Fact]
    public async Task A_correction_is_stored_counted_and_moves_the_Gmail_label()
    {
        var user = await env.NewUserWithMailboxAsync("correct");
        using var api = env.ClientFor(user);
        var id = await env.ImportAsync(user.Mailbox, Samples.Known(user.Mailbox)[1].Raw);
        await env.PublishAsync(await env.ReceivedEventAsync(user, id));
        await ClassificationEnvironment.WaitUntilAsync(
            async () => await env.QueryAsync(db => db.ProcessedMessages.AnyAsync(p => p.AccountId == user.AccountId)), TimeSpan.FromSeconds(60), "the message");

        using (var unknown = await api.PostAsJsonAsync($"/api/classification/accounts/{user.AccountId}/messages/{id}/corrections", new { category = "Nonsense" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        }

        using var response = await api.PostAsJsonAsync($"/api/classification/accounts/{user.AccountId}/messages/{id}/corrections", new { category = "promotion" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Promotion", result["correction"]!["category"]!.GetValue<string>());
        Assert.Equal("Receipt", result["correction"]!["previousCategory"]!.GetValue<string>());
        Assert.Equal(1, result["correctionsSinceLastModel"]!.GetValue<int>());

        var names = await env.LabelNamesAsync(user);
        var labels = (await env.GmailMessageAsync(user, id)).LabelIds!.Select(l => names.GetValueOrDefault(l, l)).ToList();
        Assert.Contains("Automation/Promotion", labels);
        Assert.DoesNotContain("Automation/Receipt", labels);

        var history = (await api.GetFromJsonAsync<JsonObject>($"/api/classification/accounts/{user.AccountId}/messages/{id}"))!;
        Assert.Equal("Promotion", history["message"]!["category"]!.GetValue<string>());
        Assert.Equal(["event", "correction"], history["history"]!.AsArray().Select(h => h!["source"]!.GetValue<string>()));
        Assert.Single(history["corrections"]!.AsArray());
    }

    [Fact]
    public async Task Activity_lists_messages_newest_received_first_with_the_decider_and_follows_a_correction()
    {
        var user = await env.NewUserWithMailboxAsync("activity");
        using var api = env.ClientFor(user);
        var ids = new List<string>();
        foreach (var sample in Samples.Known(user.Mailbox).Take(3))
        {
            var id = await env.ImportAsync(user.Mailbox, sample.Raw);
            ids.Add(id);
            await env.PublishAsync(await env.ReceivedEventAsync(user, id));
        }

        await ClassificationEnvironment.WaitUntilAsync(
            async () => await env.QueryAsync(db => db.ProcessedMessages.CountAsync(p => p.AccountId == user.AccountId)) == 3, TimeSpan.FromSeconds(60), "3 messages");
        var activity = $"/api/classification/accounts/{user.AccountId}/activity";

        var all = (await api.GetFromJsonAsync<JsonObject>(activity))!["items"]!.AsArray();
        Assert.Equal(3, all.Count);
        var times = all.Select(i => i!["internalDate"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);
        var receipt = Assert.Single(all, i => i!["gmailMessageId"]!.GetValue<string>() == ids[1])!;
        Assert.Equal("Receipt", receipt["category"]!.GetValue<string>());
        Assert.Equal("builtin", receipt["decidedBy"]!.GetValue<string>());
        Assert.Contains("Automation/Receipt", receipt["labels"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.False(receipt["corrected"]!.GetValue<bool>());

        var receipts = (await api.GetFromJsonAsync<JsonObject>($"{activity}?category=receipt"))!["items"]!.AsArray();
        Assert.Equal(ids[1], Assert.Single(receipts)!["gmailMessageId"]!.GetValue<string>());

        // Paging: two, then the one left, and no cursor after it.
        var first = (await api.GetFromJsonAsync<JsonObject>($"{activity}?limit=2"))!;
        Assert.Equal(2, first["items"]!.AsArray().Count);
        var cursor = first["nextBefore"]!.GetValue<DateTimeOffset>();
        var cursorId = first["nextBeforeId"]!.GetValue<string>();
        var second = (await api.GetFromJsonAsync<JsonObject>($"{activity}?limit=2&before={Uri.EscapeDataString(cursor.ToString("O"))}&beforeId={cursorId}"))!;
        var last = Assert.Single(second["items"]!.AsArray())!;
        Assert.Null(second["nextBefore"]);

        // The samples share one Date header: the id breaks the tie, so the pages hold each message exactly once.
        var paged = first["items"]!.AsArray().Append(last).Select(i => i!["gmailMessageId"]!.GetValue<string>()).ToList();
        Assert.Equal(ids.Order(), paged.Order());

        using (var correction = await api.PostAsJsonAsync($"/api/classification/accounts/{user.AccountId}/messages/{ids[1]}/corrections", new { category = "Promotion" }))
        {
            Assert.Equal(HttpStatusCode.OK, correction.StatusCode);
        }

        var corrected = Assert.Single((await api.GetFromJsonAsync<JsonObject>($"{activity}?decidedBy=correction"))!["items"]!.AsArray())!;
        Assert.Equal("Promotion", corrected["category"]!.GetValue<string>());
        Assert.True(corrected["corrected"]!.GetValue<bool>());
        Assert.Contains("Automation/Promotion", corrected["labels"]!.AsArray().Select(l => l!.GetValue<string>()));

        using var tooMany = await api.GetAsync($"{activity}?limit=1000");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);

        var other = await env.NewUserWithMailboxAsync("activity-other");
        using var otherApi = env.ClientFor(other);
        using var foreign = await otherApi.GetAsync(activity);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    private static async Task<string> CreateAsync(HttpClient api, object rule)
    {
        using var response = await api.PostAsJsonAsync("/api/classification/rules", rule);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    private static async Task<IReadOnlyList<JsonNode>> RulesAsync(HttpClient api) =>
        [.. (await api.GetFromJsonAsync<JsonObject>("/api/classification/rules"))!["rules"]!.AsArray().Select(r => r!)];

    private static async Task<JsonObject> ClassifyAsync(HttpClient api, string raw)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(raw));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("message/rfc822");
        using var response = await api.PostAsync("/api/classify", content);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static async Task<JsonObject> DryRunAsync(HttpClient api, TestUser user, object request)
    {
        using var response = await api.PostAsJsonAsync($"/api/classification/accounts/{user.AccountId}/dry-run", request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }
}
