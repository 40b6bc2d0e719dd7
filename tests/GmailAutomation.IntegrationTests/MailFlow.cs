using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace GmailAutomation.IntegrationTests;

/// <summary>
/// A person's browser against the running AppHost: sign-in with Google (the emulator's consent page, answered
/// like a person would) that also connects the mailbox. Redirects are followed by hand, cookies kept.
/// </summary>
internal sealed class MailboxBrowser : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>Signs in as <paramref name="email"/> with <c>connectGmail=true</c>; returns the identity token and the account id.</summary>
    public async Task<(string IdentityToken, Guid AccountId)> SignInAndConnectAsync(Uri authService, Uri emulator, string email)
    {
        var next = await RedirectAsync(new Uri(authService, $"/api/auth/signin?connectGmail=true&loginHint={Uri.EscapeDataString(email)}"));
        using var atGoogle = await _http.GetAsync(next);
        if (atGoogle.StatusCode == HttpStatusCode.OK)
        {
            // The consent page: allow, as the person would.
            var page = await atGoogle.Content.ReadAsStringAsync();
            const string marker = "name=\"consent_request\" value=\"";
            var start = page.IndexOf(marker, StringComparison.Ordinal);
            Assert.True(start >= 0, "the emulator did not show its consent page");
            start += marker.Length;
            var consentId = WebUtility.HtmlDecode(page[start..page.IndexOf('"', start)]);
            using var answer = await _http.PostAsync(new Uri(emulator, "/o/oauth2/v2/auth/consent"), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["consent_request"] = consentId,
                ["decision"] = "allow",
                ["email"] = email,
            }));
            Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
            next = answer.Headers.Location!;
        }
        else
        {
            Assert.Equal(HttpStatusCode.Redirect, atGoogle.StatusCode);
            next = atGoogle.Headers.Location!;
        }

        using var callback = await _http.GetAsync(next);
        var body = await callback.Content.ReadAsStringAsync();
        Assert.True(callback.StatusCode == HttpStatusCode.OK, $"callback answered {(int)callback.StatusCode}: {body}");
        var result = JsonNode.Parse(body)!;
        return (result["identityToken"]!.GetValue<string>(), result["account"]!["id"]!.GetValue<Guid>());
    }

    private async Task<Uri> RedirectAsync(Uri uri)
    {
        using var response = await _http.GetAsync(uri);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{uri.AbsolutePath} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>The emulator's admin API (not Google's surface): mailboxes, delivery, faults and push status.</summary>
internal sealed class EmulatorAdmin(Uri baseUrl) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };

    public async Task CreateMailboxAsync(string email)
    {
        using var response = await _http.PostAsJsonAsync("/emulator/mailboxes", new { email });
        Assert.True(response.IsSuccessStatusCode, $"mailbox refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Imports existing mail (no push); returns the Gmail id.</summary>
    public Task<string> ImportAsync(string email, string subject, DateTimeOffset internalDate) =>
        PostMailAsync($"/emulator/mailboxes/{Uri.EscapeDataString(email)}/messages?labelIds=INBOX&internalDate={internalDate.ToUnixTimeMilliseconds()}", subject);

    /// <summary>New mail arriving (history record and push notification); returns the Gmail id.</summary>
    public Task<string> DeliverAsync(string email, string subject) =>
        PostMailAsync($"/emulator/mailboxes/{Uri.EscapeDataString(email)}/deliver", subject);

    /// <summary>New mail given as a whole RFC 822 message; returns the Gmail id.</summary>
    public async Task<string> DeliverRawAsync(string email, string raw)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(raw));
        content.Headers.ContentType = new("message/rfc822");
        using var response = await _http.PostAsync($"/emulator/mailboxes/{Uri.EscapeDataString(email)}/deliver", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"deliver answered {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    /// <summary>What the mailbox holds: messages with label names, drafts with their headers.</summary>
    public async Task<JsonNode> GetMailboxAsync(string email) =>
        JsonNode.Parse(await _http.GetStringAsync($"/emulator/mailboxes/{Uri.EscapeDataString(email)}"))!;

    public async Task<bool> IsWatchedAsync(string email)
    {
        var status = JsonNode.Parse(await _http.GetStringAsync("/emulator/push/status"))!;
        return status["watches"]!.AsArray().Any(w => string.Equals(w!["emailAddress"]!.GetValue<string>(), email, StringComparison.OrdinalIgnoreCase));
    }

    public async Task<long> PushesDeliveredAsync()
    {
        var status = JsonNode.Parse(await _http.GetStringAsync("/emulator/push/status"))!;
        return status["statistics"]!["delivered"]!.GetValue<long>();
    }

    public async Task PutFaultsAsync(object faults)
    {
        using var response = await _http.PutAsJsonAsync("/emulator/faults", faults);
        Assert.True(response.IsSuccessStatusCode, $"faults refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task ClearFaultsAsync()
    {
        using var response = await _http.DeleteAsync("/emulator/faults");
        response.EnsureSuccessStatusCode();
    }

    private async Task<string> PostMailAsync(string path, string subject)
    {
        var mail = $"From: Alice <alice@example.com>\r\nTo: user@example.com\r\nSubject: {subject}\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n"
            + $"Message-ID: <{Guid.NewGuid():N}@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello there.\r\n";
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(mail));
        content.Headers.ContentType = new("message/rfc822");
        using var response = await _http.PostAsync(path, content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>Records every <c>EmailReceived</c> and <c>SyncCompleted</c> on the AppHost's broker (its own exclusive queue).</summary>
internal sealed class SyncEventRecorder : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Type, JsonNode Body)> _events = new();
    private IConnection? _connection;
    private IChannel? _channel;

    public static async Task<SyncEventRecorder> StartAsync(string rabbitMqConnectionString, CancellationToken cancellationToken)
    {
        var recorder = new SyncEventRecorder();
        recorder._connection = await new ConnectionFactory { Uri = new Uri(rabbitMqConnectionString) }.CreateConnectionAsync(cancellationToken);
        recorder._channel = await recorder._connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var channel = recorder._channel;
        await channel.ExchangeDeclareAsync("gmail-automation", ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        var queue = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(queue.QueueName, "gmail-automation", "EmailReceived", cancellationToken: cancellationToken);
        await channel.QueueBindAsync(queue.QueueName, "gmail-automation", "SyncCompleted", cancellationToken: cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            recorder._events.Enqueue((delivery.RoutingKey, JsonNode.Parse(Encoding.UTF8.GetString(delivery.Body.Span))!));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer, cancellationToken);
        return recorder;
    }

    /// <summary>Gmail ids of the account's EmailReceived events, duplicates included, in arrival order.</summary>
    public List<string> ReceivedIds(Guid accountId) =>
        [.. Of("EmailReceived", accountId).Select(e => e["gmailMessageId"]!.GetValue<string>())];

    public int Completed(Guid accountId) => Of("SyncCompleted", accountId).Count();

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
            }

            await Task.Delay(25);
        }
    }

    private IEnumerable<JsonNode> Of(string type, Guid accountId) =>
        _events.Where(e => e.Type == type && e.Body["accountId"]!.GetValue<Guid>() == accountId).Select(e => e.Body);

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
