using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace GmailAutomation.GmailEmulator.Push;

/// <summary>
/// Delivers queued notifications the way a Cloud Pub/Sub push subscription does: a JSON POST of the push
/// envelope, acknowledged by 102/200/201/202/204; anything else, a timeout or a connection failure is
/// redelivered with exponential backoff until <see cref="PushOptions.MaxDeliveryAttempts"/>.
/// </summary>
public sealed class PushDeliveryService(
    PushNotifier notifier,
    PushSubscriptionRegistry subscriptions,
    IHttpClientFactory httpClients,
    IOptionsMonitor<PushOptions> options,
    TimeProvider time,
    ILogger<PushDeliveryService> logger) : BackgroundService
{
    public const string HttpClientName = "gmail-emulator-push";

    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.CurrentValue.MaxConcurrentDeliveries).Select(_ => DeliverLoopAsync(stoppingToken)));

    /// <summary>The push request body (API-SUBSET §11): both spellings of messageId and publishTime, base64 data.</summary>
    public static string Envelope(PushJob job, string subscription)
    {
        var data = new JsonObject { ["emailAddress"] = job.Email, ["historyId"] = job.HistoryId };
        var publishTime = job.PublishTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var envelope = new JsonObject
        {
            ["message"] = new JsonObject
            {
                ["data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(data.ToJsonString())),
                ["messageId"] = job.MessageId,
                ["message_id"] = job.MessageId,
                ["publishTime"] = publishTime,
                ["publish_time"] = publishTime,
                ["attributes"] = new JsonObject(),
            },
            ["subscription"] = subscription,
        };
        return envelope.ToJsonString(JsonSerializerOptions.Default);
    }

    public static bool IsAck(int status) => status is 102 or 200 or 201 or 202 or 204;

    private async Task DeliverLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var job in notifier.Reader.ReadAllAsync(stoppingToken))
            {
                await DeliverAsync(job, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: queued notifications are lost, as they would be with a restarted emulator.
        }
    }

    private async Task DeliverAsync(PushJob job, CancellationToken stoppingToken)
    {
        var target = subscriptions.Resolve(job.Topic);
        if (target is null)
        {
            notifier.CountUndeliverable();
            logger.LogDebug("No push endpoint for topic {Topic}; notification for {Email} (history {HistoryId}) dropped", job.Topic, job.Email, job.HistoryId);
            return;
        }

        var push = options.CurrentValue;
        string outcome;
        try
        {
            using var deadline = new CancellationTokenSource(push.AckDeadline, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stoppingToken);
            using var content = new StringContent(Envelope(job, target.Subscription), Encoding.UTF8);
            content.Headers.ContentType = Json;
            using var response = await httpClients.CreateClient(HttpClientName).PostAsync(target.Endpoint, content, linked.Token);
            if (IsAck((int)response.StatusCode))
            {
                notifier.CountDelivered();
                logger.LogDebug("Pushed history {HistoryId} of {Email} to {Subscription} (attempt {Attempt})", job.HistoryId, job.Email, target.Subscription, job.Attempt);
                return;
            }

            outcome = $"HTTP {(int)response.StatusCode}";
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            outcome = "no answer within the ack deadline";
        }
        catch (HttpRequestException e)
        {
            outcome = e.Message;
        }

        notifier.CountFailedAttempt();
        if (job.Attempt >= push.MaxDeliveryAttempts)
        {
            notifier.CountGivenUp();
            logger.LogWarning("Push of history {HistoryId} for {Email} to {Endpoint} given up after {Attempts} attempts ({Outcome})",
                job.HistoryId, job.Email, RedactQuery(target.Endpoint), job.Attempt, outcome);
            return;
        }

        var delay = RetryDelay(job.Attempt, push);
        logger.LogInformation("Push of history {HistoryId} for {Email} failed ({Outcome}); attempt {Next} in {Delay}",
            job.HistoryId, job.Email, outcome, job.Attempt + 1, delay);
        notifier.ScheduleRetry(job with { Attempt = job.Attempt + 1 }, delay);
    }

    /// <summary>initial × 2^(attempt−1), capped.</summary>
    public static TimeSpan RetryDelay(int attempt, PushOptions push)
    {
        var factor = Math.Pow(2, Math.Min(attempt - 1, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(push.InitialRetryDelay.Ticks * factor, push.MaxRetryDelay.Ticks));
        return delay;
    }

    // Push endpoints often carry a verification token in the query: keep it out of the logs.
    private static string RedactQuery(string endpoint)
    {
        var query = endpoint.IndexOf('?');
        return query < 0 ? endpoint : endpoint[..query] + "?…";
    }
}
