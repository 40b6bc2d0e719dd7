using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GmailAutomation.GmailEmulator.Tests.GoogleSide;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>users.watch / users.stop through the Gmail API, with new mail pushed to a real webhook on 127.0.0.1.</summary>
public sealed class PushGmailApiTests : IAsyncLifetime
{
    private const string Topic = "projects/acme-mail/topics/gmail";

    private WebhookServer _webhook = null!;
    private EmulatorFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _webhook = await WebhookServer.StartAsync();
        _factory = new EmulatorFactory()
            .WithSetting("Emulator:Push:Endpoint", _webhook.BaseUrl + "/gmail/push?token=hook-secret")
            .WithSetting("Emulator:Push:AllowedProjects:0", "acme-mail")
            .WithSetting("Emulator:Push:MinNotificationInterval", "00:00:00");
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _webhook.DisposeAsync();
    }

    [Fact]
    public async Task Watch_notifies_at_once_and_again_for_new_mail_whose_history_the_client_can_read()
    {
        var mailbox = await TestMailbox.CreateAsync(_factory);

        var watch = await mailbox.PostJsonAsync("watch", new { topicName = Topic, labelIds = new[] { "INBOX" }, labelFilterBehavior = "include" });
        var watchHistoryId = watch.GetProperty("historyId").GetString()!;
        Assert.Equal(JsonValueKind.String, watch.GetProperty("expiration").ValueKind);
        var expiration = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(watch.GetProperty("expiration").GetString()!, CultureInfo.InvariantCulture));
        Assert.InRange(expiration - DateTimeOffset.UtcNow, TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(7));

        var first = await _webhook.NextAsync();
        Assert.Equal("hook-secret", first.Query["token"]);
        Assert.Equal(mailbox.Email, first.Data.GetProperty("emailAddress").GetString());
        Assert.Equal(watchHistoryId, first.HistoryId.ToString(CultureInfo.InvariantCulture));

        await DeliverAsync(mailbox.Email, "Invoice 42");
        var second = await _webhook.NextAsync();
        Assert.True(second.HistoryId > first.HistoryId);

        // The pushed id is the mailbox's new one; the client reads history from the id it stored before.
        var history = await mailbox.GetJsonAsync($"history?startHistoryId={watchHistoryId}");
        Assert.Equal(second.HistoryId.ToString(CultureInfo.InvariantCulture), history.GetProperty("historyId").GetString());
        Assert.Contains(history.GetProperty("history").EnumerateArray(), h => h.TryGetProperty("messagesAdded", out _));
    }

    [Fact]
    public async Task Stop_ends_the_notifications()
    {
        var mailbox = await TestMailbox.CreateAsync(_factory);
        await mailbox.PostJsonAsync("watch", new { topicName = Topic });
        await _webhook.NextAsync();

        using (var stop = await mailbox.Gmail.PostAsync("/gmail/v1/users/me/stop", content: null))
        {
            Assert.Equal(HttpStatusCode.NoContent, stop.StatusCode);
        }

        await DeliverAsync(mailbox.Email, "After stop");
        Assert.True(await _webhook.StaysQuietAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task Watch_with_a_malformed_topic_is_googles_400()
    {
        var mailbox = await TestMailbox.CreateAsync(_factory);

        var error = await mailbox.PostJsonAsync("watch", new { topicName = "gmail" }, HttpStatusCode.BadRequest);

        Assert.Equal(400, error.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("Invalid topicName does not match projects/gmail-automation-local/topics/*", error.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("INVALID_ARGUMENT", error.GetProperty("error").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Watch_on_a_topic_gmail_may_not_publish_to_is_googles_403()
    {
        var mailbox = await TestMailbox.CreateAsync(_factory);

        var error = await mailbox.PostJsonAsync("watch", new { topicName = "projects/other/topics/gmail" }, HttpStatusCode.Forbidden);

        var body = error.GetProperty("error");
        Assert.Equal("PERMISSION_DENIED", body.GetProperty("status").GetString());
        Assert.Equal("forbidden", body.GetProperty("errors")[0].GetProperty("reason").GetString());
        Assert.StartsWith("Error sending test message to Cloud PubSub projects/other/topics/gmail", body.GetProperty("message").GetString());
        Assert.True(await _webhook.StaysQuietAsync(TimeSpan.FromMilliseconds(300)));
    }

    private async Task DeliverAsync(string email, string subject)
    {
        using var admin = _factory.CreateClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(
            $"From: billing@vendor.example\r\nTo: {email}\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@vendor.example>\r\n\r\nPlease pay.\r\n"));
        content.Headers.ContentType = new("message/rfc822");
        using var response = await admin.PostAsync($"/emulator/mailboxes/{email}/deliver", content);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
