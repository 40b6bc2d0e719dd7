using System.Globalization;
using System.Text.Json;
using GmailAutomation.GmailEmulator.GmailApi;
using GmailAutomation.GmailEmulator.Hosting;
using GmailAutomation.GmailEmulator.Push;
using GmailAutomation.GmailEmulator.Tests.GoogleSide;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>
/// users.watch and Pub/Sub push delivery (API-SUBSET §11), with a real HTTP webhook on 127.0.0.1 and the
/// emulator's clock faked so the 1/s window and backoff are exact.
/// </summary>
public sealed class PushDeliveryTests : IAsyncLifetime
{
    private const string Alice = "alice@example.com";
    private const string Topic = "projects/acme-mail/topics/gmail-inbox";

    private WebhookServer _webhook = null!;

    public async Task InitializeAsync() => _webhook = await WebhookServer.StartAsync();

    public async Task DisposeAsync() => await _webhook.DisposeAsync();

    [Fact]
    public async Task Watch_publishes_one_notification_at_once_in_the_pubsub_push_envelope()
    {
        await using var google = await StartAsync(("Emulator:Push:Endpoint", _webhook.BaseUrl + "/push/gmail?token=s3cret"));
        var watches = google.Get<IWatchRegistry>();

        var (historyId, expiration) = watches.Watch(Alice, Topic, ["INBOX"], "include", currentHistoryId: 4711);

        Assert.Equal(4711UL, historyId);
        Assert.Equal(GoogleSideServices.Start + TimeSpan.FromDays(7), expiration);

        var push = await _webhook.NextAsync();
        Assert.Equal("/push/gmail", push.Path);
        Assert.Equal("s3cret", push.Query["token"]);
        Assert.StartsWith("application/json", push.ContentType);

        var message = push.Message;
        Assert.Equal(message.GetProperty("messageId").GetString(), message.GetProperty("message_id").GetString());
        Assert.Matches("^[0-9]+$", message.GetProperty("messageId").GetString());
        Assert.Equal("2026-03-02T12:00:00.000Z", message.GetProperty("publishTime").GetString());
        Assert.Equal(message.GetProperty("publishTime").GetString(), message.GetProperty("publish_time").GetString());
        Assert.Equal(JsonValueKind.Object, message.GetProperty("attributes").ValueKind);
        Assert.Equal("projects/acme-mail/subscriptions/gmail-inbox-push", push.Body.GetProperty("subscription").GetString());

        Assert.Equal(Alice, push.Data.GetProperty("emailAddress").GetString());
        Assert.Equal(JsonValueKind.Number, push.Data.GetProperty("historyId").ValueKind);
        Assert.Equal(4711UL, push.HistoryId);
    }

    [Fact]
    public async Task Changes_within_a_second_are_coalesced_into_one_notification_with_the_latest_history_id()
    {
        await using var google = await StartAsync(("Emulator:Push:Endpoint", _webhook.BaseUrl + "/push"));
        var listener = google.Get<IMailboxChangeListener>();
        google.Get<IWatchRegistry>().Watch(Alice, Topic, null, null, currentHistoryId: 100);
        Assert.Equal(100UL, (await _webhook.NextAsync()).HistoryId);

        listener.OnHistoryRecorded(Alice, 101, ["INBOX"]);
        listener.OnHistoryRecorded(Alice, 102, ["INBOX"]);
        google.Time.Advance(TimeSpan.FromMilliseconds(500));
        listener.OnHistoryRecorded(Alice, 103, ["UNREAD"]);

        Assert.True(await _webhook.StaysQuietAsync(TimeSpan.FromMilliseconds(300)));

        google.Time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.True(await _webhook.StaysQuietAsync(TimeSpan.FromMilliseconds(200)));

        google.Time.Advance(TimeSpan.FromMilliseconds(1));
        var coalesced = await _webhook.NextAsync();
        Assert.Equal(103UL, coalesced.HistoryId);
        Assert.Equal("2026-03-02T12:00:01.000Z", coalesced.Message.GetProperty("publishTime").GetString());

        // The window restarts with that notification: a change right after it waits for the next second.
        listener.OnHistoryRecorded(Alice, 104, ["INBOX"]);
        Assert.True(await _webhook.StaysQuietAsync(TimeSpan.FromMilliseconds(200)));
        google.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(104UL, (await _webhook.NextAsync()).HistoryId);

        // After a quiet second, a change goes out at once.
        google.Time.Advance(TimeSpan.FromSeconds(5));
        listener.OnHistoryRecorded(Alice, 105, ["INBOX"]);
        Assert.Equal(105UL, (await _webhook.NextAsync()).HistoryId);

        var statistics = google.Get<PushNotifier>().Statistics();
        Assert.Equal(4, statistics.Published);
        Assert.Equal(2, statistics.Coalesced);
        Assert.Equal(4, _webhook.Count);
    }

    [Fact]
    public async Task A_failed_delivery_is_retried_with_exponential_backoff_until_acknowledged()
    {
        await using var google = await StartAsync(
            ("Emulator:Push:Endpoint", _webhook.BaseUrl + "/push"),
            ("Emulator:Push:InitialRetryDelay", "00:00:02"));
        var notifier = google.Get<PushNotifier>();
        _webhook.AnswerNext(500, 503);

        google.Get<IWatchRegistry>().Watch(Alice, Topic, null, null, currentHistoryId: 7);
        var first = await _webhook.NextAsync();
        await Eventually.TrueAsync(() => notifier.Statistics().FailedAttempts == 1, "the first failure is recorded");

        google.Time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.True(await _webhook.StaysQuietAsync(TimeSpan.FromMilliseconds(200)));
        google.Time.Advance(TimeSpan.FromSeconds(0.1));
        var second = await _webhook.NextAsync();
        await Eventually.TrueAsync(() => notifier.Statistics().FailedAttempts == 2, "the second failure is recorded");

        // Second retry waits twice as long: 4 s.
        google.Time.Advance(TimeSpan.FromSeconds(3.9));
        Assert.True(await _webhook.StaysQuietAsync(TimeSpan.FromMilliseconds(200)));
        google.Time.Advance(TimeSpan.FromSeconds(0.1));
        var third = await _webhook.NextAsync();
        await Eventually.TrueAsync(() => notifier.Statistics().Delivered == 1, "the third attempt is acknowledged");

        // Redeliveries are the same Pub/Sub message.
        Assert.Equal(first.Message.GetProperty("messageId").GetString(), second.Message.GetProperty("messageId").GetString());
        Assert.Equal(first.Message.GetProperty("messageId").GetString(), third.Message.GetProperty("messageId").GetString());
        Assert.Equal(7UL, third.HistoryId);

        google.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(await _webhook.StaysQuietAsync(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(3, _webhook.Count);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(201)]
    [InlineData(202)]
    [InlineData(204)]
    public async Task Pubsub_ack_codes_are_not_redelivered(int status)
    {
        await using var google = await StartAsync(("Emulator:Push:Endpoint", _webhook.BaseUrl + "/push"), ("Emulator:Push:InitialRetryDelay", "00:00:00.010"));
        _webhook.AnswerNext(status);

        google.Get<IWatchRegistry>().Watch(Alice, Topic, null, null, currentHistoryId: 1);
        await _webhook.NextAsync();
        await Eventually.TrueAsync(() => google.Get<PushNotifier>().Statistics().Delivered == 1, "the delivery is acknowledged");

        google.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await _webhook.StaysQuietAsync(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(0, google.Get<PushNotifier>().Statistics().FailedAttempts);
    }

    [Fact]
    public async Task Delivery_is_given_up_after_the_configured_attempts()
    {
        await using var google = await StartAsync(
            ("Emulator:Push:Endpoint", _webhook.BaseUrl + "/push"),
            ("Emulator:Push:MaxDeliveryAttempts", "2"),
            ("Emulator:Push:InitialRetryDelay", "00:00:01"));
        _webhook.AnswerNext(500, 500, 500);
        var notifier = google.Get<PushNotifier>();

        google.Get<IWatchRegistry>().Watch(Alice, Topic, null, null, currentHistoryId: 1);
        await _webhook.NextAsync();
        await Eventually.TrueAsync(() => notifier.Statistics().FailedAttempts == 1, "the first failure is recorded");
        google.Time.Advance(TimeSpan.FromSeconds(1));
        await _webhook.NextAsync();
        await Eventually.TrueAsync(() => notifier.Statistics().GivenUp == 1, "the notification is given up");

        google.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.True(await _webhook.StaysQuietAsync(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(2, _webhook.Count);
    }

    [Fact]
    public async Task Include_filter_notifies_only_for_changes_touching_the_watched_labels()
    {
        await using var google = await StartAsync(("Emulator:Push:Endpoint", _webhook.BaseUrl + "/push"), ("Emulator:Push:MinNotificationInterval", "00:00:00"));
        var listener = google.Get<IMailboxChangeListener>();
        google.Get<IWatchRegistry>().Watch(Alice, Topic, ["INBOX"], "include", currentHistoryId: 10);
        Assert.Equal(10UL, (await _webhook.NextAsync()).HistoryId);

        listener.OnHistoryRecorded(Alice, 11, ["SENT"]);
        listener.OnHistoryRecorded(Alice, 12, []);
        listener.OnHistoryRecorded(Alice, 13, ["UNREAD", "INBOX"]);

        Assert.Equal(13UL, (await _webhook.NextAsync()).HistoryId);
        Assert.True(await _webhook.StaysQuietAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Exclude_filter_notifies_for_every_change_except_those_touching_the_labels()
    {
        await using var google = await StartAsync(("Emulator:Push:Endpoint", _webhook.BaseUrl + "/push"), ("Emulator:Push:MinNotificationInterval", "00:00:00"));
        var listener = google.Get<IMailboxChangeListener>();
        google.Get<IWatchRegistry>().Watch(Alice, Topic, ["SPAM"], "EXCLUDE", currentHistoryId: 10);
        await _webhook.NextAsync();

        listener.OnHistoryRecorded(Alice, 11, ["SPAM"]);
        listener.OnHistoryRecorded(Alice, 12, ["INBOX"]);

        Assert.Equal(12UL, (await _webhook.NextAsync()).HistoryId);
        Assert.True(await _webhook.StaysQuietAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Unwatched_stopped_and_expired_mailboxes_get_no_notifications()
    {
        await using var google = await StartAsync(("Emulator:Push:Endpoint", _webhook.BaseUrl + "/push"), ("Emulator:Push:MinNotificationInterval", "00:00:00"));
        var listener = google.Get<IMailboxChangeListener>();
        var watches = google.Get<IWatchRegistry>();

        listener.OnHistoryRecorded("nobody@example.com", 5, ["INBOX"]);

        watches.Watch(Alice, Topic, null, null, currentHistoryId: 1);
        await _webhook.NextAsync();
        watches.Stop(Alice);
        listener.OnHistoryRecorded(Alice, 2, ["INBOX"]);

        watches.Watch("bob@example.com", Topic, null, null, currentHistoryId: 1);
        await _webhook.NextAsync();
        google.Time.Advance(TimeSpan.FromDays(7));
        Assert.Null(watches.Find("bob@example.com"));
        listener.OnHistoryRecorded("bob@example.com", 2, ["INBOX"]);

        Assert.True(await _webhook.StaysQuietAsync(TimeSpan.FromMilliseconds(300)));
        Assert.Equal(2, google.Get<PushNotifier>().Statistics().Published);
    }

    [Fact]
    public async Task Stop_discards_a_notification_held_back_by_the_one_per_second_window()
    {
        await using var google = await StartAsync(("Emulator:Push:Endpoint", _webhook.BaseUrl + "/push"));
        var watches = google.Get<IWatchRegistry>();
        watches.Watch(Alice, Topic, null, null, currentHistoryId: 1);
        await _webhook.NextAsync();

        google.Get<IMailboxChangeListener>().OnHistoryRecorded(Alice, 2, ["INBOX"]);
        watches.Stop(Alice);
        google.Time.Advance(TimeSpan.FromSeconds(2));

        Assert.True(await _webhook.StaysQuietAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Per_topic_subscription_overrides_the_default_endpoint()
    {
        await using var google = await StartAsync(("Emulator:Push:Endpoint", _webhook.BaseUrl + "/default"));
        google.Get<PushSubscriptionRegistry>().Set(Topic, _webhook.BaseUrl + "/per-topic?token=t1", "projects/acme-mail/subscriptions/mine");

        google.Get<IWatchRegistry>().Watch(Alice, Topic, null, null, currentHistoryId: 3);
        google.Get<IWatchRegistry>().Watch("bob@example.com", "projects/acme-mail/topics/other", null, null, currentHistoryId: 4);

        var received = new[] { await _webhook.NextAsync(), await _webhook.NextAsync() }.OrderBy(p => p.HistoryId).ToArray();
        Assert.Equal("/per-topic", received[0].Path);
        Assert.Equal("t1", received[0].Query["token"]);
        Assert.Equal("projects/acme-mail/subscriptions/mine", received[0].Body.GetProperty("subscription").GetString());
        Assert.Equal("/default", received[1].Path);
    }

    [Fact]
    public async Task Without_any_endpoint_notifications_are_counted_as_undeliverable()
    {
        await using var google = await StartAsync();
        google.Get<IWatchRegistry>().Watch(Alice, Topic, null, null, currentHistoryId: 3);

        await Eventually.TrueAsync(() => google.Get<PushNotifier>().Statistics().Undeliverable == 1, "the notification is found undeliverable");
        Assert.Equal(0, _webhook.Count);
    }

    [Theory]
    [InlineData("gmail-inbox")]
    [InlineData("projects/acme-mail/subscriptions/x")]
    [InlineData("projects//topics/x")]
    [InlineData(null)]
    public async Task Watch_rejects_a_malformed_topic_with_googles_400(string? topic)
    {
        await using var google = await StartAsync(("Emulator:Push:ProjectId", "my-project"));

        var error = Assert.Throws<GmailApiException>(() => google.Get<IWatchRegistry>().Watch(Alice, topic, null, null, 1));
        Assert.Equal(400, error.Code);
        Assert.Equal("Invalid topicName does not match projects/my-project/topics/*", error.Message);
        Assert.Equal("invalidArgument", error.Reason);
        Assert.Null(google.Get<IWatchRegistry>().Find(Alice));
    }

    [Fact]
    public async Task Watch_on_a_project_gmail_may_not_publish_to_is_forbidden()
    {
        await using var google = await StartAsync(("Emulator:Push:AllowedProjects:0", "acme-mail"));
        var watches = google.Get<IWatchRegistry>();

        var error = Assert.Throws<GmailApiException>(() => watches.Watch(Alice, "projects/evil/topics/t", null, null, 1));
        Assert.Equal(403, error.Code);
        Assert.Equal("forbidden", error.Reason);
        Assert.Equal("PERMISSION_DENIED", error.Status);
        Assert.Equal("Error sending test message to Cloud PubSub projects/evil/topics/t : User not authorized to perform this action.", error.Message);

        Assert.Equal(1UL, watches.Watch(Alice, Topic, null, null, 1).HistoryId);
    }

    [Fact]
    public async Task Watch_rejects_an_unknown_label_filter_behavior()
    {
        await using var google = await StartAsync();
        var error = Assert.Throws<GmailApiException>(() => google.Get<IWatchRegistry>().Watch(Alice, Topic, ["INBOX"], "only", 1));
        Assert.Equal(400, error.Code);
        Assert.Contains("label_filter_behavior", error.Message);
    }

    [Fact]
    public async Task Renewing_a_watch_extends_its_expiration()
    {
        await using var google = await StartAsync();
        var watches = google.Get<IWatchRegistry>();
        watches.Watch(Alice, Topic, null, null, 1);

        google.Time.Advance(TimeSpan.FromDays(1));
        var (_, expiration) = watches.Watch(Alice, Topic, ["INBOX"], null, 9);

        Assert.Equal(GoogleSideServices.Start + TimeSpan.FromDays(8), expiration);
        Assert.Equal(expiration, watches.Find(Alice)!.Expiration);
        Assert.Contains("INBOX", watches.Find(Alice)!.LabelIds);
        Assert.Equal(expiration.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), google.Get<WatchRegistry>().All.Select(w => w.Expiration.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)).Single());
    }

    private static Task<GoogleSideServices> StartAsync(params (string Key, string? Value)[] settings) =>
        GoogleSideServices.Create(settings).StartAsync();
}
