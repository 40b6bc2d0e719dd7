using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GmailAutomation.AuthService.Accounts;
using GmailAutomation.AuthService.Tests.Support;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.AuthService.Tests;

[Collection(AuthServiceCollection.Name)]
public sealed class ConnectFlowTests(AuthServiceFixture fixture)
{
    [Fact]
    public async Task Sign_in_creates_the_user_once_and_issues_an_identity_every_service_accepts()
    {
        using var browser = new TestBrowser(fixture);
        var email = TestBrowser.NewAddress("signin");

        var first = await browser.SignInAsync(email);
        var again = await browser.SignInAsync(email.ToUpperInvariant());

        Assert.Equal("signin", first.Kind);
        Assert.Equal(email, first.User.Email);
        Assert.Equal(first.User.Id, again.User.Id);
        var identity = fixture.Service.Services.GetRequiredService<UserIdentityTokens>().Validate(first.IdentityToken);
        Assert.Equal(first.User.Id, identity!.UserId);
        Assert.Null(first.Account);

        using var me = await browser.GetAsync("/api/auth/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(email, (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("email").GetString());
    }

    [Fact]
    public async Task The_redirect_to_Google_is_a_well_formed_url_with_the_scopes_escaped()
    {
        using var browser = new TestBrowser(fixture);
        using var response = await browser.GetAsync("/api/auth/signin?connectGmail=true");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        // As sent on the wire: a literal space would make it an invalid header value that clients must repair.
        var location = Assert.Single(response.Headers.NonValidated["Location"]);
        Assert.DoesNotContain(' ', location);
        Assert.Contains("scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fgmail.readonly%20", location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connecting_a_mailbox_stores_its_tokens_lists_it_with_default_preferences_and_publishes_AccountConnected()
    {
        using var browser = new TestBrowser(fixture);
        await browser.SignInAsync(TestBrowser.NewAddress("owner"));
        var gmail = TestBrowser.NewAddress("mailbox");

        var result = await browser.ConnectAsync(gmail);

        Assert.Equal("connect", result.Kind);
        var account = result.Account!;
        Assert.Equal(gmail, account.EmailAddress);
        Assert.Equal("Connected", account.Status);
        Assert.Contains("https://www.googleapis.com/auth/gmail.modify", account.GrantedScopes);
        Assert.Equal(30, account.Preferences.SyncWindowDays);
        Assert.Equal(100, account.Preferences.SyncBatchSize);
        Assert.Equal(300, account.Preferences.PollingIntervalSeconds);

        using var list = await browser.GetAsync("/api/accounts");
        var listed = await list.Content.ReadFromJsonAsync<List<AccountView>>();
        Assert.Equal(account.Id, Assert.Single(listed!).Id);

        var connected = await fixture.Events.WaitForAsync<AccountConnected>(e => e.AccountId == account.Id);
        Assert.Equal(gmail, connected.EmailAddress);
        Assert.False(connected.IsReconnect);

        // The stored access token is one Google (the emulator) accepts for that mailbox.
        var token = await TokenHelpers.GetAccessTokenAsync(fixture, gmail);
        using var google = fixture.Emulator.CreateClient();
        var info = await google.GetFromJsonAsync<JsonElement>("/oauth2/v3/tokeninfo?access_token=" + Uri.EscapeDataString(token.AccessToken));
        Assert.Equal(gmail, info.GetProperty("email").GetString());
    }

    [Fact]
    public async Task Sign_in_with_connectGmail_identifies_the_person_and_connects_their_mailbox_in_one_consent()
    {
        using var browser = new TestBrowser(fixture);
        var email = TestBrowser.NewAddress("both");

        var result = await browser.SignInAsync(email, connectGmail: true);

        Assert.Equal("signin-connect", result.Kind);
        Assert.NotNull(result.IdentityToken);
        Assert.Equal(email, result.Account!.EmailAddress);
        await fixture.Events.WaitForAsync<AccountConnected>(e => e.AccountId == result.Account.Id);
    }

    [Fact]
    public async Task Reconnecting_an_account_updates_it_instead_of_adding_another()
    {
        using var browser = new TestBrowser(fixture);
        await browser.SignInAsync(TestBrowser.NewAddress("owner"));
        var gmail = TestBrowser.NewAddress("recon");
        var first = await browser.ConnectAsync(gmail);
        using (var change = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"/api/accounts/{first.Account!.Id}/preferences")
        {
            Content = JsonContent.Create(new { syncWindowDays = 60 }),
        }))
        {
            Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        }

        var second = await browser.ConnectAsync(gmail);

        Assert.Equal(first.Account.Id, second.Account!.Id);
        Assert.Equal(60, second.Account.Preferences.SyncWindowDays);
        using var list = await browser.GetAsync("/api/accounts");
        Assert.Single((await list.Content.ReadFromJsonAsync<List<AccountView>>())!);
        var reconnect = await fixture.Events.WaitForAsync<AccountConnected>(e => e.AccountId == first.Account.Id && e.IsReconnect);
        Assert.Equal(gmail, reconnect.EmailAddress);
    }

    [Fact]
    public async Task A_mailbox_connected_by_one_user_cannot_be_taken_over_by_another()
    {
        using var owner = new TestBrowser(fixture);
        await owner.SignInAsync(TestBrowser.NewAddress("owner"));
        var gmail = TestBrowser.NewAddress("shared");
        var connected = await owner.ConnectAsync(gmail);
        using var other = new TestBrowser(fixture);
        await other.SignInAsync(TestBrowser.NewAddress("other"));

        using var response = await other.CallbackAsync(await other.AuthorizeAtGoogleAsync(await other.StartConnectAsync(gmail)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("already connected by another user", await response.Content.ReadAsStringAsync());
        await AssertNoAccountsAsync(other);
        var token = await TokenHelpers.GetAccessTokenAsync(fixture, gmail);
        Assert.Equal(connected.Account!.Id, token.AccountId);
    }

    [Fact]
    public async Task Denied_consent_ends_in_a_clear_problem_and_connects_nothing()
    {
        using var browser = new TestBrowser(fixture);
        await browser.SignInAsync(TestBrowser.NewAddress("owner"));
        var gmail = TestBrowser.NewAddress("denied");

        var callback = await browser.AnswerConsentAsync(await browser.StartConnectAsync(loginHint: null), "deny", gmail);
        using var response = await browser.CallbackAsync(callback);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("access_denied", problem.GetProperty("error").GetString());
        Assert.Contains("not granted", problem.GetProperty("detail").GetString());
        await AssertNoAccountsAsync(browser);
    }

    [Fact]
    public async Task A_browser_sees_an_error_page_when_consent_is_denied()
    {
        using var browser = new TestBrowser(fixture);
        await browser.SignInAsync(TestBrowser.NewAddress("owner"));

        var callback = await browser.AnswerConsentAsync(await browser.StartConnectAsync(loginHint: null), "deny", TestBrowser.NewAddress("denied"));
        using var response = await browser.CallbackAsync(callback, accept: "text/html,application/xhtml+xml");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Access was not granted at Google", html);
        Assert.Contains("role=\"alert\"", html);
    }

    [Fact]
    public async Task A_replayed_state_is_refused_and_stores_nothing_more()
    {
        using var browser = new TestBrowser(fixture);
        await browser.SignInAsync(TestBrowser.NewAddress("owner"));
        var callback = await browser.AuthorizeAtGoogleAsync(await browser.StartConnectAsync(TestBrowser.NewAddress("replay")));
        using (var first = await browser.CallbackAsync(callback))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var replay = await browser.CallbackAsync(callback);

        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        var problem = await replay.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("state", out _));
        using var list = await browser.GetAsync("/api/accounts");
        Assert.Single((await list.Content.ReadFromJsonAsync<List<AccountView>>())!);
    }

    [Fact]
    public async Task An_unknown_state_is_refused()
    {
        using var browser = new TestBrowser(fixture);
        using var response = await browser.GetAsync("/api/auth/callback?state=made-up&code=4/0Afake");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("unknown, expired or was already used", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_code_exchanged_with_the_wrong_verifier_is_rejected_by_Google_and_nothing_is_stored()
    {
        using var browser = new TestBrowser(fixture);
        await browser.SignInAsync(TestBrowser.NewAddress("owner"));
        var gmail = TestBrowser.NewAddress("verifier");

        // Two flows: Google's code for the first is brought back with the second's state, so the service
        // redeems it with the second flow's PKCE verifier.
        var first = await browser.AuthorizeAtGoogleAsync(await browser.StartConnectAsync(gmail));
        var second = await browser.StartConnectAsync(gmail);
        var code = System.Web.HttpUtility.ParseQueryString(first.Query)["code"];
        var state = System.Web.HttpUtility.ParseQueryString(second.Query)["state"];
        using var response = await browser.GetAsync($"/api/auth/callback?state={Uri.EscapeDataString(state!)}&code={Uri.EscapeDataString(code!)}");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_grant", problem.GetProperty("reason").GetString());
        await AssertNoAccountsAsync(browser);
    }

    [Fact]
    public async Task A_callback_in_another_browser_than_the_one_that_started_is_refused()
    {
        using var starter = new TestBrowser(fixture);
        var owner = await starter.SignInAsync(TestBrowser.NewAddress("owner"));
        var callback = await starter.AuthorizeAtGoogleAsync(await starter.StartConnectAsync(TestBrowser.NewAddress("planted")));

        using var victim = new TestBrowser(fixture) { Identity = owner.IdentityToken };
        using var response = await victim.CallbackAsync(callback);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("another browser", await response.Content.ReadAsStringAsync());
        await AssertNoAccountsAsync(starter);
    }

    [Fact]
    public async Task Connecting_needs_a_signed_in_user()
    {
        using var browser = new TestBrowser(fixture);
        using var response = await browser.GetAsync("/api/accounts/connect");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Sign_in_returns_to_a_local_page_with_the_identity_header_and_refuses_foreign_return_urls()
    {
        using var browser = new TestBrowser(fixture);
        var email = TestBrowser.NewAddress("return");

        using var foreign = await browser.GetAsync("/api/auth/signin?returnUrl=" + Uri.EscapeDataString("https://evil.example/steal"));
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        using var protocolRelative = await browser.GetAsync("/api/auth/signin?returnUrl=" + Uri.EscapeDataString("//evil.example"));
        Assert.Equal(HttpStatusCode.BadRequest, protocolRelative.StatusCode);

        var authorize = await browser.RedirectFromServiceAsync($"/api/auth/signin?loginHint={Uri.EscapeDataString(email)}&returnUrl=%2Faccounts");
        using var response = await browser.CallbackAsync(await browser.AuthorizeAtGoogleAsync(authorize));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/accounts", response.Headers.Location!.OriginalString);
        var token = response.Headers.GetValues(UserIdentityTokens.HeaderName).Single();
        Assert.Equal(email, fixture.Service.Services.GetRequiredService<UserIdentityTokens>().Validate(token)!.Email);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_public_endpoints_but_not_the_internal_ones()
    {
        using var client = fixture.Service.CreateClient();
        var document = await client.GetStringAsync("/openapi/v1.json");

        Assert.Contains("/api/accounts/{accountId}/preferences", document);
        Assert.Contains("/api/auth/signin", document);
        Assert.DoesNotContain("/internal/", document);
    }

    private static async Task AssertNoAccountsAsync(TestBrowser browser)
    {
        using var list = await browser.GetAsync("/api/accounts");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Empty((await list.Content.ReadFromJsonAsync<List<AccountView>>())!);
    }
}
