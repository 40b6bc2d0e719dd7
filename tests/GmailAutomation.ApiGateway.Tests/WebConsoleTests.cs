using System.Net;
using System.Text.RegularExpressions;
using GmailAutomation.ApiGateway.Tests.Support;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.ApiGateway.Tests;

/// <summary>
/// The web console's pages as plain HTTP (the browser walk-through is in the AppHost integration tests): who sees what,
/// that it needs nothing from outside, that it calls services as the signed-in person, and that a service's
/// validation message lands next to its field.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed partial class WebConsoleTests(GatewayFixture fixture)
{
    [Fact]
    public async Task An_anonymous_visitor_gets_the_sign_in_page_with_everything_served_locally()
    {
        using var client = fixture.Gateway.CreateClient(new() { AllowAutoRedirect = false });
        using var page = await client.GetAsync("/");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("href=\"/api/auth/signin?returnUrl=%2F\"", html, StringComparison.Ordinal);
        Assert.Contains("Sign in with Google", html, StringComparison.Ordinal);
        Assert.True(page.Headers.Contains("Server-Timing"), "the page says how long the server took");

        // No CDN, no external script or stylesheet: every src/href is a path on this site (or a place on the page).
        foreach (Match reference in SourceOrLink().Matches(html))
        {
            Assert.Matches("^[/#]", reference.Groups["url"].Value);
        }

        var stylesheet = StylesheetLink().Match(html).Groups["url"].Value;
        using var css = await client.GetAsync(stylesheet);
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_console_page_without_a_session_sends_the_browser_to_sign_in_and_back()
    {
        using var client = fixture.Gateway.CreateClient(new() { AllowAutoRedirect = false });
        using var page = await client.GetAsync("/activity");

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/api/auth/signin", page.Headers.Location!.AbsolutePath);
        Assert.Contains("ReturnUrl=%2Factivity", page.Headers.Location.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_console_calls_services_as_the_signed_in_person_with_a_signed_identity()
    {
        using var browser = new GatewayBrowser(fixture);
        await browser.SignInAsync();
        var accountId = await browser.ConnectAsync();

        // The stand-in email-service answers every path with the same small JSON: the page says it cannot read it.
        using var page = await browser.GetAsync($"/sync?account={accountId}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("The email-service answered in a form the console cannot read", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var call = fixture.Recorders["email-service"].Last($"/api/sync/accounts/{accountId}");
        var identity = fixture.Gateway.Services.GetRequiredService<UserIdentityTokens>().Validate(call.Headers[UserIdentityTokens.HeaderName]);
        Assert.NotNull(identity);
        Assert.Equal(browser.UserId, identity.UserId);
        Assert.Equal(browser.Email, identity.Email);
        Assert.False(call.Headers.ContainsKey("Cookie"), "the browser's cookies stay at the gateway");
    }

    [Fact]
    public async Task A_preference_the_auth_service_refuses_shows_its_message_next_to_the_field_and_nothing_is_saved()
    {
        using var browser = new GatewayBrowser(fixture);
        await browser.SignInAsync();
        var accountId = await browser.ConnectAsync();

        using var form = await browser.GetAsync($"/preferences?account={accountId}");
        var html = await form.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Matches("id=\"pref-syncWindowDays\"[^>]*value=\"30\"", html);

        var fields = new List<KeyValuePair<string, string>>
        {
            new("__RequestVerificationToken", AntiforgeryField().Match(html).Groups["token"].Value),
            new("syncWindowDays", "5"),
            new("syncBatchSize", "100"),
            new("pollingIntervalSeconds", "300"),
            new("dailyAiSpendCapUsd", "5.00"),
            new("aiProvider", "template"),
            new("tone", "friendly"),
            new("replyLanguage", "auto"),
            new("replyMode", "reply"),
            new("labelCategories", "*"),
            new("draftCategories", "*"),
        };
        using var post = await browser.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, $"/preferences?account={accountId}") { Content = new FormUrlEncodedContent(fields) }, antiforgery: false);
        var answer = await post.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Matches("<p class=\"error\" id=\"pref-syncWindowDays-error\">syncWindowDays must be between 7 and 90 days.</p>", answer);
        Assert.Matches("id=\"pref-syncWindowDays\"[^>]*aria-invalid=\"true\"", answer);
        Assert.Matches("id=\"pref-syncWindowDays\"[^>]*value=\"5\"", answer);
        Assert.DoesNotContain("   at ", answer, StringComparison.Ordinal);

        using var stored = await browser.GetAsync($"/api/accounts/{accountId}/preferences");
        Assert.Contains("\"syncWindowDays\":30", await stored.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [GeneratedRegex("(?:src|href)=\"(?<url>[^\"]*)\"")]
    private static partial Regex SourceOrLink();

    [GeneratedRegex("<link rel=\"stylesheet\" href=\"(?<url>[^\"]+)\"")]
    private static partial Regex StylesheetLink();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
