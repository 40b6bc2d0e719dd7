using System.Net;
using System.Text.Json;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>The quota gate as a Gmail client meets it: Google's 429 body once the per-user bucket is empty.</summary>
public sealed class QuotaGmailApiTests
{
    [Fact]
    public async Task Calls_beyond_the_users_units_get_googles_429_and_the_admin_view_counts_them()
    {
        // 12 units of burst, refilling 1 unit per second: getProfile costs 1, messages.list 5.
        await using var factory = new EmulatorFactory()
            .WithSetting("Emulator:Quota:UnitsPerSecond", "1")
            .WithSetting("Emulator:Quota:Capacity", "12");
        var mailbox = await TestMailbox.CreateAsync(factory);

        await mailbox.GetJsonAsync("messages");
        await mailbox.GetJsonAsync("messages");
        await mailbox.GetJsonAsync("profile");
        await mailbox.GetJsonAsync("profile");

        using var refused = await mailbox.Gmail.GetAsync("/gmail/v1/users/me/messages");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(429, error.GetProperty("code").GetInt32());
        Assert.Equal("Resource has been exhausted (e.g. check quota).", error.GetProperty("message").GetString());
        Assert.Equal("rateLimitExceeded", error.GetProperty("errors")[0].GetProperty("reason").GetString());
        Assert.Equal("RESOURCE_EXHAUSTED", error.GetProperty("status").GetString());

        using var admin = factory.CreateClient();
        var quota = JsonDocument.Parse(await admin.GetStringAsync($"/emulator/quota/{mailbox.Email}")).RootElement;
        Assert.Equal(12, quota.GetProperty("unitsCharged").GetInt64());
        Assert.Equal(4, quota.GetProperty("callsAllowed").GetInt64());
        Assert.Equal(1, quota.GetProperty("rateLimited").GetInt64());
    }

    [Fact]
    public async Task Users_do_not_share_a_bucket()
    {
        await using var factory = new EmulatorFactory().WithSetting("Emulator:Quota:UnitsPerSecond", "0.01").WithSetting("Emulator:Quota:Capacity", "5");
        var alice = await TestMailbox.CreateAsync(factory);
        var bob = await TestMailbox.CreateAsync(factory);

        await alice.GetJsonAsync("messages");
        await alice.GetJsonAsync("profile", HttpStatusCode.TooManyRequests);
        await bob.GetJsonAsync("messages");
    }
}
