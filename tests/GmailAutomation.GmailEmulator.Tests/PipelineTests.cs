using System.Net;
using System.Net.Http.Headers;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>Authentication, delegation and scope checks of every Gmail call (API-SUBSET §0, §9, §13).</summary>
public sealed class PipelineTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    [Fact]
    public async Task Missing_or_unknown_token_is_401_with_googles_body()
    {
        using var anonymous = factory.CreateClient();
        foreach (var token in new string?[] { null, "ya29.not-a-real-token" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/gmail/v1/users/me/profile");
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await anonymous.SendAsync(request);
            var body = await Json.ReadAsync(response, HttpStatusCode.Unauthorized);
            Json.AssertGoogleError(body, 401, "authError", "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.");
            var item = body.GetProperty("error").GetProperty("errors")[0];
            Assert.Equal("Invalid Credentials", item.GetProperty("message").GetString());
            Assert.Equal("Authorization", item.GetProperty("location").GetString());
            Assert.Equal("header", item.GetProperty("locationType").GetString());
        }
    }

    [Fact]
    public async Task Access_token_query_parameter_authenticates_and_userId_may_be_the_address()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var token = await factory.GetAccessTokenAsync(box.Email, GmailScopes.ReadOnly);
        using var anonymous = factory.CreateClient();
        using var response = await anonymous.GetAsync($"/gmail/v1/users/{box.Email}/profile?access_token={token}&alt=json&prettyPrint=false&quotaUser=x&fields=emailAddress&$.xgafv=2");
        var profile = await Json.ReadAsync(response, HttpStatusCode.OK);
        Assert.Equal(box.Email, profile.GetProperty("emailAddress").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.String, profile.GetProperty("historyId").ValueKind);
        Assert.Equal(0, profile.GetProperty("messagesTotal").GetInt32());
    }

    [Fact]
    public async Task Another_users_mailbox_is_403_delegation_denied()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        using var response = await box.Gmail.GetAsync("/gmail/v1/users/someone-else@example.com/profile");
        var body = await Json.ReadAsync(response, HttpStatusCode.Forbidden);
        Json.AssertGoogleError(body, 403, "forbidden", "PERMISSION_DENIED", $"Delegation denied for {box.Email}");
    }

    [Fact]
    public async Task Readonly_token_cannot_modify_and_labels_scope_cannot_read_messages()
    {
        using var box = await TestMailbox.CreateAsync(factory, GmailScopes.ReadOnly);
        var (id, _) = await box.ImportAsync(Mail.Simple());
        var denied = await box.PostJsonAsync($"messages/{id}/modify", new { addLabelIds = new[] { "STARRED" } }, HttpStatusCode.Forbidden);
        Json.AssertGoogleError(denied, 403, "insufficientPermissions", "PERMISSION_DENIED", "Request had insufficient authentication scopes.");
        Assert.Equal("Insufficient Permission", denied.GetProperty("error").GetProperty("errors")[0].GetProperty("message").GetString());

        using var labelsOnly = await factory.CreateGmailClientAsync(box.Email, GmailScopes.Labels);
        using var profile = await labelsOnly.GetAsync("/gmail/v1/users/me/profile");
        Assert.Equal(HttpStatusCode.Forbidden, profile.StatusCode);
        using var labels = await labelsOnly.GetAsync("/gmail/v1/users/me/labels");
        Assert.Equal(HttpStatusCode.OK, labels.StatusCode);
    }

    [Fact]
    public async Task Unknown_gmail_route_is_a_google_style_404()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        using var response = await box.Gmail.GetAsync("/gmail/v1/users/me/no-such-collection");
        var body = await Json.ReadAsync(response, HttpStatusCode.NotFound);
        Json.AssertGoogleError(body, 404, "notFound", "NOT_FOUND");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType!.ToString());
    }
}

/// <summary>A call over the user's quota gets Google's 429 body plus a Retry-After the client can honour.</summary>
public sealed class PipelineRetryAfterTests : IDisposable
{
    private readonly EmulatorFactory _factory = new EmulatorFactory()
        .UseFakeTime()
        .WithSetting("Emulator:Quota:UnitsPerSecond", "1")
        .WithSetting("Emulator:Quota:Capacity", "5");

    [Fact]
    public async Task Rate_limited_call_is_429_resource_exhausted_with_retry_after()
    {
        using var box = await TestMailbox.CreateAsync(_factory);
        using (var first = await box.Gmail.GetAsync("/gmail/v1/users/me/messages"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var second = await box.Gmail.GetAsync("/gmail/v1/users/me/messages");
        var body = await Json.ReadAsync(second, HttpStatusCode.TooManyRequests);
        Json.AssertGoogleError(body, 429, "rateLimitExceeded", "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).");
        var retryAfter = int.Parse(second.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 5);
    }

    public void Dispose() => _factory.Dispose();
}
