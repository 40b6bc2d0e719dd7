using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GmailAutomation.GmailEmulator.Tests.GoogleSide;

/// <summary>A push request as the webhook saw it.</summary>
internal sealed record ReceivedPush(string Path, IReadOnlyDictionary<string, string> Query, string? ContentType, JsonElement Body)
{
    public JsonElement Message => Body.GetProperty("message");

    /// <summary>The decoded Gmail payload: <c>{"emailAddress","historyId"}</c>.</summary>
    public JsonElement Data => JsonDocument.Parse(Convert.FromBase64String(Message.GetProperty("data").GetString()!)).RootElement;

    public ulong HistoryId => Data.GetProperty("historyId").GetUInt64();
}

/// <summary>
/// A real HTTP listener (Kestrel on 127.0.0.1, free port) standing in for a push subscriber's webhook. Answers
/// with the queued statuses in order, then with 204.
/// </summary>
internal sealed class WebhookServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _answers = new();
    private readonly Channel<ReceivedPush> _received = Channel.CreateUnbounded<ReceivedPush>();
    private int _count;

    private WebhookServer(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = string.Empty;

    public int Count => Volatile.Read(ref _count);

    public static async Task<WebhookServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new WebhookServer(app);
        app.MapPost("/{**path}", server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = app.Urls.First();
        return server;
    }

    public void AnswerNext(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _answers.Enqueue(status);
        }
    }

    public async Task<ReceivedPush> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await _received.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("The webhook received no push in time.");
        }
    }

    /// <summary>True when nothing arrives within <paramref name="wait"/>.</summary>
    public async Task<bool> StaysQuietAsync(TimeSpan wait)
    {
        await Task.Delay(wait);
        return !_received.Reader.TryPeek(out _);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var body = await JsonDocument.ParseAsync(context.Request.Body);
        var query = context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString());
        Interlocked.Increment(ref _count);
        await _received.Writer.WriteAsync(new ReceivedPush(context.Request.Path, query, context.Request.ContentType, body.RootElement.Clone()));
        context.Response.StatusCode = _answers.TryDequeue(out var status) ? status : 204;
    }
}
