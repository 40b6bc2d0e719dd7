using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using GmailAutomation.AuthService.Accounts;
using GmailAutomation.AuthService.Tests.Support;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.AuthService.Tests;

[Collection(AuthServiceCollection.Name)]
public sealed class PreferencesTests(AuthServiceFixture fixture) : IAsyncLifetime
{
    private TestBrowser _browser = null!;
    private Guid _accountId;

    public async Task InitializeAsync() => (_browser, _accountId, _) = await TokenHelpers.ConnectNewAccountAsync(fixture, "prefs");

    public Task DisposeAsync()
    {
        _browser.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("syncWindowDays", 6, false)]
    [InlineData("syncWindowDays", 7, true)]
    [InlineData("syncWindowDays", 90, true)]
    [InlineData("syncWindowDays", 91, false)]
    [InlineData("syncBatchSize", 9, false)]
    [InlineData("syncBatchSize", 10, true)]
    [InlineData("syncBatchSize", 500, true)]
    [InlineData("syncBatchSize", 501, false)]
    [InlineData("pollingIntervalSeconds", 29, false)]
    [InlineData("pollingIntervalSeconds", 30, true)]
    [InlineData("pollingIntervalSeconds", 3600, true)]
    [InlineData("pollingIntervalSeconds", 3601, false)]
    public async Task Numeric_preferences_are_accepted_up_to_their_bounds_and_refused_beyond(string field, int value, bool valid) =>
        await AssertUpdateAsync(new JsonObject { [field] = value }, field, valid);

    [Theory]
    [InlineData("-0.01", false)]
    [InlineData("0", true)]
    [InlineData("1000", true)]
    [InlineData("1000.01", false)]
    [InlineData("2.505", false)]
    public async Task The_daily_AI_spend_cap_is_between_0_and_1000_dollars_in_cents(string value, bool valid) =>
        await AssertUpdateAsync(new JsonObject { ["dailyAiSpendCapUsd"] = decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture) }, "dailyAiSpendCapUsd", valid);

    [Theory]
    [InlineData("aiProvider", "default", true)]
    [InlineData("aiProvider", "openai", true)]
    [InlineData("aiProvider", "ollama", true)]
    [InlineData("aiProvider", "skynet", false)]
    [InlineData("tone", "formal", true)]
    [InlineData("tone", "sarcastic", false)]
    [InlineData("replyLanguage", "auto", true)]
    [InlineData("replyLanguage", "pt-BR", true)]
    [InlineData("replyLanguage", "english please", false)]
    [InlineData("replyMode", "reply-all", true)]
    [InlineData("replyMode", "forward", false)]
    public async Task Choices_accept_known_values_only(string field, string value, bool valid) =>
        await AssertUpdateAsync(new JsonObject { [field] = value }, field, valid);

    [Fact]
    public async Task Text_preferences_are_limited_in_length()
    {
        await AssertUpdateAsync(new JsonObject { ["signature"] = new string('s', 2000) }, "signature", valid: true);
        await AssertUpdateAsync(new JsonObject { ["signature"] = new string('s', 2001) }, "signature", valid: false);
        await AssertUpdateAsync(new JsonObject { ["aiModel"] = new string('m', 100) }, "aiModel", valid: true);
        await AssertUpdateAsync(new JsonObject { ["aiModel"] = new string('m', 101) }, "aiModel", valid: false);
    }

    [Fact]
    public async Task Category_lists_take_names_or_the_wildcard_and_at_most_fifty()
    {
        await AssertUpdateAsync(new JsonObject { ["labelCategories"] = new JsonArray("Newsletter", "Work/Projects") }, "labelCategories", valid: true);
        await AssertUpdateAsync(new JsonObject { ["draftCategories"] = new JsonArray("*") }, "draftCategories", valid: true);
        await AssertUpdateAsync(new JsonObject { ["draftCategories"] = new JsonArray("<script>") }, "draftCategories", valid: false);
        var fifty = new JsonArray([.. Enumerable.Range(0, 50).Select(i => (JsonNode)$"C{i}")]);
        await AssertUpdateAsync(new JsonObject { ["labelCategories"] = fifty }, "labelCategories", valid: true);
        var fiftyOne = new JsonArray([.. Enumerable.Range(0, 51).Select(i => (JsonNode)$"C{i}")]);
        await AssertUpdateAsync(new JsonObject { ["labelCategories"] = fiftyOne }, "labelCategories", valid: false);
    }

    [Fact]
    public async Task Every_bad_field_is_named_and_nothing_is_changed()
    {
        var before = await GetAsync();
        using var response = await PutAsync(new JsonObject { ["syncWindowDays"] = 1, ["tone"] = "rude", ["paused"] = true });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("syncWindowDays", out _));
        Assert.True(errors.TryGetProperty("tone", out _));
        var after = await GetAsync();
        Assert.Equal(JsonSerializer.Serialize(before), JsonSerializer.Serialize(after));
    }

    [Fact]
    public async Task A_change_bumps_the_revision_and_publishes_the_complete_snapshot()
    {
        var before = await GetAsync();
        using var response = await PutAsync(new JsonObject
        {
            ["syncWindowDays"] = 14,
            ["tone"] = "concise",
            ["signature"] = "— Sent by my assistant",
            ["replyLanguage"] = "de",
            ["paused"] = false,
            ["adaptivePolling"] = false,
        });
        var after = (await response.Content.ReadFromJsonAsync<PreferencesView>())!;

        Assert.Equal(before.Revision + 1, after.Revision);
        Assert.Equal(14, after.SyncWindowDays);
        Assert.False(after.AdaptivePolling);
        Assert.Equal(before.SyncBatchSize, after.SyncBatchSize);
        var changed = await fixture.Events.WaitForAsync<PreferencesChanged>(e => e.AccountId == _accountId && e.Revision == after.Revision);
        Assert.Equal(14, changed.Preferences.InitialSyncDays);
        Assert.Equal("concise", changed.Preferences.Tone);
        Assert.Equal("de", changed.Preferences.Language);
        Assert.Equal("— Sent by my assistant", changed.Preferences.Signature);

        // The same values again change nothing and announce nothing.
        using var same = await PutAsync(new JsonObject { ["syncWindowDays"] = 14 });
        Assert.Equal(after.Revision, (await same.Content.ReadFromJsonAsync<PreferencesView>())!.Revision);
    }

    [Fact]
    public async Task The_published_snapshot_reflects_every_changed_preference()
    {
        using var response = await PutAsync(new JsonObject
        {
            ["labelCategories"] = new JsonArray("work", "newsletters"),
            ["aiProvider"] = "openai",
            ["aiModel"] = "gpt-4o-mini",
            ["replyMode"] = "reply-all",
            ["dailyAiSpendCapUsd"] = 12.5,
            ["syncBatchSize"] = 250,
            ["pollingIntervalSeconds"] = 900,
            ["adaptivePolling"] = false,
            ["paused"] = true,
        });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var view = (await response.Content.ReadFromJsonAsync<PreferencesView>())!;

        var snapshot = (await fixture.Events.WaitForAsync<PreferencesChanged>(e => e.AccountId == _accountId && e.Revision == view.Revision)).Preferences;
        Assert.Equal(["work", "newsletters"], snapshot.LabelCategories);
        Assert.Equal("openai", snapshot.AiProvider);
        Assert.Equal("gpt-4o-mini", snapshot.AiModel);
        Assert.Equal("reply-all", snapshot.ReplyMode);
        Assert.Equal(12.5m, snapshot.DailyAiSpendCapUsd);
        Assert.Equal(250, snapshot.SyncBatchSize);
        Assert.Equal(900, snapshot.PollingIntervalSeconds);
        Assert.False(snapshot.AdaptivePolling);
        Assert.True(snapshot.Paused);

        // What was not sent keeps its value, in the snapshot as in the API.
        Assert.Equal(view.SyncWindowDays, snapshot.InitialSyncDays);
        Assert.Equal(view.Tone, snapshot.Tone);
    }

    [Fact]
    public async Task Pausing_an_account_tells_consumers_to_stop_drafting_and_labelling()
    {
        using var response = await PutAsync(new JsonObject { ["paused"] = true });
        var view = (await response.Content.ReadFromJsonAsync<PreferencesView>())!;

        var changed = await fixture.Events.WaitForAsync<PreferencesChanged>(e => e.AccountId == _accountId && e.Revision == view.Revision);
        Assert.True(view.Paused);
        Assert.False(changed.Preferences.DraftRepliesEnabled);
        Assert.False(changed.Preferences.ApplyLabels);
    }

    [Fact]
    public async Task Another_users_account_is_not_found_and_requests_without_identity_are_unauthorized()
    {
        using var stranger = new TestBrowser(fixture);
        await stranger.SignInAsync(TestBrowser.NewAddress("stranger"));
        using var get = await stranger.GetAsync($"/api/accounts/{_accountId}/preferences");
        using var put = await stranger.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"/api/accounts/{_accountId}/preferences")
        {
            Content = JsonContent.Create(new { paused = true }),
        });
        using var delete = await stranger.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/accounts/{_accountId}"));
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        Assert.False((await GetAsync()).Paused);

        using var anonymous = new TestBrowser(fixture);
        using var noIdentity = await anonymous.GetAsync($"/api/accounts/{_accountId}/preferences");
        Assert.Equal(HttpStatusCode.Unauthorized, noIdentity.StatusCode);

        // A token signed with another key is as good as none.
        var forgedKey = Microsoft.Extensions.Options.Options.Create(new IdentityOptions { SigningKey = new string('x', 40) });
        var forged = new UserIdentityTokens(forgedKey, TimeProvider.System);
        var owner = fixture.Service.Services.GetRequiredService<UserIdentityTokens>().Validate(_browser.Identity)!;
        using var forger = new TestBrowser(fixture) { Identity = forged.Issue(owner.UserId, owner.Email) };
        using var forgedAnswer = await forger.GetAsync($"/api/accounts/{_accountId}/preferences");
        Assert.Equal(HttpStatusCode.Unauthorized, forgedAnswer.StatusCode);
    }

    private async Task AssertUpdateAsync(JsonObject body, string field, bool valid)
    {
        using var response = await PutAsync(body);
        if (valid)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            var saved = JsonSerializer.SerializeToNode(await response.Content.ReadFromJsonAsync<JsonElement>())![field]!.ToJsonString();
            Assert.Equal(body[field]!.ToJsonString(), saved);
        }
        else
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            var errors = problem.GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out _), $"the problem should name {field}: {problem}");
        }
    }

    private Task<HttpResponseMessage> PutAsync(JsonObject body) =>
        _browser.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"/api/accounts/{_accountId}/preferences") { Content = JsonContent.Create(body) });

    private async Task<PreferencesView> GetAsync()
    {
        using var response = await _browser.GetAsync($"/api/accounts/{_accountId}/preferences");
        return (await response.Content.ReadFromJsonAsync<PreferencesView>())!;
    }
}
