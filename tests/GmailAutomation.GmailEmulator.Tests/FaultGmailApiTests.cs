using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>Injected faults as a Gmail client meets them, set through <c>PUT /emulator/faults</c>.</summary>
public sealed class FaultGmailApiTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    [Fact]
    public async Task Fail_next_answers_googles_backend_error_then_recovers()
    {
        var mailbox = await TestMailbox.CreateAsync(factory);
        await PutFaultsAsync(new { failNext = new { count = 2, statusCode = 503 }, users = new[] { mailbox.Email } });

        for (var i = 0; i < 2; i++)
        {
            var error = (await mailbox.GetJsonAsync("profile", HttpStatusCode.ServiceUnavailable)).GetProperty("error");
            Assert.Equal("Backend Error", error.GetProperty("message").GetString());
            Assert.Equal("backendError", error.GetProperty("errors")[0].GetProperty("reason").GetString());
        }

        Assert.Equal(mailbox.Email, (await mailbox.GetJsonAsync("profile")).GetProperty("emailAddress").GetString());
    }

    [Fact]
    public async Task An_error_rate_of_one_fails_only_the_named_method()
    {
        var mailbox = await TestMailbox.CreateAsync(factory);
        await PutFaultsAsync(new { errorRates = new Dictionary<string, double> { ["429"] = 1.0 }, methods = new[] { "messages.list" }, users = new[] { mailbox.Email } });

        var error = (await mailbox.GetJsonAsync("messages", HttpStatusCode.TooManyRequests)).GetProperty("error");
        Assert.Equal("RESOURCE_EXHAUSTED", error.GetProperty("status").GetString());
        await mailbox.GetJsonAsync("profile");
    }

    [Fact]
    public async Task History_expired_switch_makes_every_start_history_id_stale()
    {
        var mailbox = await TestMailbox.CreateAsync(factory);
        var historyId = (await mailbox.GetJsonAsync("profile")).GetProperty("historyId").GetString();
        await mailbox.GetJsonAsync($"history?startHistoryId={historyId}");

        await PutFaultsAsync(new { historyExpired = true, users = new[] { mailbox.Email } });
        try
        {
            var error = (await mailbox.GetJsonAsync($"history?startHistoryId={historyId}", HttpStatusCode.NotFound)).GetProperty("error");
            Assert.Equal("notFound", error.GetProperty("errors")[0].GetProperty("reason").GetString());
        }
        finally
        {
            using var admin = factory.CreateClient();
            using var cleared = await admin.DeleteAsync("/emulator/faults");
        }

        await mailbox.GetJsonAsync($"history?startHistoryId={historyId}");
    }

    private async Task PutFaultsAsync(object settings)
    {
        using var admin = factory.CreateClient();
        using var response = await admin.PutAsJsonAsync("/emulator/faults", settings);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        _ = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}
