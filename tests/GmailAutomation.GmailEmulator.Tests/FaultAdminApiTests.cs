using System.Net;
using System.Text;
using System.Text.Json;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>The admin endpoints for faults, quota counters and push subscriptions, over HTTP.</summary>
/// <remarks>One emulator for the class (its tests run one after another); each test sets the state it reads.</remarks>
public sealed class FaultAdminApiTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    [Fact]
    public async Task Faults_put_is_read_back_by_get_and_cleared_by_delete()
    {
        using var client = factory.CreateClient();

        using var put = await client.PutAsync("/emulator/faults", Json("""
            {"errorRates":{"500":0.05,"503":0.05},"rateLimitBurst":{"every":"00:00:10","duration":"00:00:02"},
             "latency":{"added":"00:00:00.250","probability":0.1},"failNext":{"count":2,"statusCode":429},
             "historyExpired":true,"methods":["messages.get"],"seed":42}
            """));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var read = JsonDocument.Parse(await client.GetStringAsync("/emulator/faults")).RootElement;
        Assert.Equal(0.05, read.GetProperty("errorRates").GetProperty("500").GetDouble());
        Assert.Equal("00:00:10", read.GetProperty("rateLimitBurst").GetProperty("every").GetString());
        Assert.Equal("00:00:00.2500000", read.GetProperty("latency").GetProperty("added").GetString());
        Assert.Equal(2, read.GetProperty("failNext").GetProperty("count").GetInt32());
        Assert.True(read.GetProperty("historyExpired").GetBoolean());
        Assert.Equal("messages.get", read.GetProperty("methods")[0].GetString());
        Assert.Equal(42, read.GetProperty("seed").GetInt32());

        using var delete = await client.DeleteAsync("/emulator/faults");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        var cleared = JsonDocument.Parse(await client.GetStringAsync("/emulator/faults")).RootElement;
        Assert.Empty(cleared.GetProperty("errorRates").EnumerateObject());
        Assert.False(cleared.GetProperty("historyExpired").GetBoolean());
    }

    [Fact]
    public async Task Invalid_fault_settings_are_400_problem_details_and_change_nothing()
    {
        using var client = factory.CreateClient();

        using (var clear = await client.DeleteAsync("/emulator/faults"))
        {
            Assert.Equal(HttpStatusCode.NoContent, clear.StatusCode);
        }

        using var put = await client.PutAsync("/emulator/faults", Json("""{"errorRates":{"500":0.8,"503":0.8}}"""));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal("application/problem+json", put.Content.Headers.ContentType?.MediaType);
        var read = JsonDocument.Parse(await client.GetStringAsync("/emulator/faults")).RootElement;
        Assert.Empty(read.GetProperty("errorRates").EnumerateObject());
    }

    [Fact]
    public async Task Quota_view_reports_a_users_bucket()
    {
        await using var own = new EmulatorFactory().WithSetting("Emulator:Quota:UnitsPerSecond", "100").WithSetting("Emulator:Quota:BurstSeconds", "3");
        using var client = own.CreateClient();

        var quota = JsonDocument.Parse(await client.GetStringAsync("/emulator/quota/nobody@example.com")).RootElement;

        Assert.Equal("nobody@example.com", quota.GetProperty("email").GetString());
        Assert.Equal(300, quota.GetProperty("capacity").GetDouble());
        Assert.Equal(300, quota.GetProperty("availableUnits").GetDouble());
        Assert.Equal(0, quota.GetProperty("unitsCharged").GetInt64());
        Assert.Equal(0, quota.GetProperty("rateLimited").GetInt64());
    }

    [Fact]
    public async Task Push_subscriptions_are_registered_listed_and_removed()
    {
        using var client = factory.CreateClient();

        using var put = await client.PutAsync("/emulator/push/subscriptions", Json("""{"topic":"projects/p1/topics/gmail","endpoint":"http://127.0.0.1:9/push?token=abc"}"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var created = JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("projects/p1/subscriptions/gmail-push", created.GetProperty("subscription").GetString());

        var listed = JsonDocument.Parse(await client.GetStringAsync("/emulator/push/subscriptions")).RootElement;
        Assert.Equal("http://127.0.0.1:9/push?token=abc", listed.EnumerateArray().Single().GetProperty("endpoint").GetString());

        using var bad = await client.PutAsync("/emulator/push/subscriptions", Json("""{"topic":"gmail","endpoint":"not a url"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        using var delete = await client.DeleteAsync("/emulator/push/subscriptions?topic=projects/p1/topics/gmail");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Empty(JsonDocument.Parse(await client.GetStringAsync("/emulator/push/subscriptions")).RootElement.EnumerateArray());
    }

    [Fact]
    public async Task Emulator_reset_clears_faults_tokens_clients_and_push_subscriptions()
    {
        using var client = factory.CreateClient();
        (await client.PutAsync("/emulator/faults", Json("""{"errorRates":{"503":0.5}}"""))).Dispose();
        (await client.PutAsync("/emulator/push/subscriptions", Json("""{"topic":"projects/p1/topics/gmail","endpoint":"http://127.0.0.1:9/push"}"""))).Dispose();
        (await client.PostAsync("/emulator/clients", Json("""{"client_id":"web-2","client_secret":"s","redirect_uris":["https://app.example.com/cb"]}"""))).Dispose();
        using var minted = await client.PostAsync("/emulator/tokens", Json("""{"email":"reset.me@example.com","scopes":["email"]}"""));
        var accessToken = JsonDocument.Parse(await minted.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();

        using var reset = await client.PostAsync("/emulator/reset", content: null);
        Assert.True(reset.IsSuccessStatusCode);

        Assert.Empty(JsonDocument.Parse(await client.GetStringAsync("/emulator/faults")).RootElement.GetProperty("errorRates").EnumerateObject());
        Assert.Empty(JsonDocument.Parse(await client.GetStringAsync("/emulator/push/subscriptions")).RootElement.EnumerateArray());
        var clients = JsonDocument.Parse(await client.GetStringAsync("/emulator/clients")).RootElement.EnumerateArray().Select(c => c.GetProperty("client_id").GetString());
        Assert.Equal(["gmail-automation-local"], clients);
        using var userInfo = new HttpRequestMessage(HttpMethod.Get, "/oauth2/v3/userinfo") { Headers = { Authorization = new("Bearer", accessToken) } };
        using var rejected = await client.SendAsync(userInfo);
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
