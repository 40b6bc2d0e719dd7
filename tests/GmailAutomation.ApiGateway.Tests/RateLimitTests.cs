using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GmailAutomation.ApiGateway.Tests.Support;

namespace GmailAutomation.ApiGateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class RateLimitTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_user_over_their_budget_gets_429_problem_details_with_Retry_After_while_another_user_is_unaffected()
    {
        await using var gateway = fixture.CreateGateway(settings =>
        {
            settings["RateLimiting:UserPermitLimit"] = "5";
            settings["RateLimiting:Window"] = "00:01:00";
        });
        using var alice = new GatewayBrowser(fixture, gateway);
        using var bob = new GatewayBrowser(fixture, gateway);
        await alice.SignInAsync();
        await bob.SignInAsync();

        // Sign-in used none of the user's budget (it was anonymous); /api/session after it used one.
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await alice.GetAsync("/api/session");
            answers.Add(response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, answers[0]);
        Assert.Contains(HttpStatusCode.TooManyRequests, answers);
        using var limited = await alice.GetAsync("/api/auth/me");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        var problem = await limited.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal("Too many requests", problem.GetProperty("title").GetString());
        Assert.True(problem.TryGetProperty("correlationId", out _));

        using var other = await bob.GetAsync("/api/session");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task A_token_has_its_own_budget_so_a_runaway_script_leaves_its_owner_and_other_tokens_working()
    {
        await using var gateway = fixture.CreateGateway(settings =>
        {
            settings["RateLimiting:UserPermitLimit"] = "100";
            settings["RateLimiting:TokenPermitLimit"] = "3";
        });
        using var owner = new GatewayBrowser(fixture, gateway);
        await owner.SignInAsync();
        var first = (await owner.CreateApiTokenAsync("runaway")).GetProperty("token").GetString()!;
        var second = (await owner.CreateApiTokenAsync("calm")).GetProperty("token").GetString()!;
        using var runaway = TokenClient.Create(gateway, first);
        using var calm = TokenClient.Create(gateway, second);

        for (var i = 0; i < 3; i++)
        {
            using var ok = await runaway.GetAsync("/api/tokens");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await runaway.GetAsync("/api/tokens");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter is not null);

        using var calmAnswer = await calm.GetAsync("/api/tokens");
        Assert.Equal(HttpStatusCode.OK, calmAnswer.StatusCode);
        using var session = await owner.GetAsync("/api/tokens");
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
    }

    [Fact]
    public async Task Health_is_never_rate_limited()
    {
        await using var gateway = fixture.CreateGateway(settings => settings["RateLimiting:AnonymousPermitLimit"] = "1");
        using var client = gateway.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.GetAsync("/alive");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var first = await client.GetAsync("/api/unknown");
        using var second = await client.GetAsync("/api/unknown");
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
    }
}
