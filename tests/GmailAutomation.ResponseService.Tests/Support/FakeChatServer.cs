using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GmailAutomation.ResponseService.Tests.Support;

/// <summary>
/// A real HTTP server (Kestrel, 127.0.0.1, free port) speaking the OpenAI chat-completions protocol
/// (<c>POST /v1/chat/completions</c>). Each request is recorded; the answer comes from a script the test sets.
/// </summary>
public sealed class FakeChatServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private FakeChatServer(WebApplication app) => this.app = app;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Decides the answer to request number n (1-based).</summary>
    public Func<int, JsonNode, Task<Answer>> Script { get; set; } = (_, _) => Task.FromResult(Answer.Text("Thank you, I will get back to you."));

    public Uri BaseUrl { get; private set; } = null!;

    public static async Task<FakeChatServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeChatServer(app);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address + "/v1/");
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = JsonNode.Parse(await reader.ReadToEndAsync())!;
        Requests.Enqueue(new RecordedRequest(
            context.Request.Path,
            context.Request.Headers.Authorization.ToString(),
            body,
            DateTimeOffset.UtcNow));
        var answer = await Script(Requests.Count, body);
        if (answer.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(answer.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        context.Response.StatusCode = answer.Status;
        if (answer.RetryAfterSeconds is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        context.Response.ContentType = "application/json";
        if (answer.Status != 200)
        {
            var error = new JsonObject { ["error"] = new JsonObject { ["message"] = $"scripted failure {answer.Status}", ["type"] = "server_error" } };
            await context.Response.WriteAsync(error.ToJsonString());
            return;
        }

        var model = body["model"]?.GetValue<string>() ?? "unknown";
        var completion = new JsonObject
        {
            ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N")[..12],
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = answer.Content },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = answer.PromptTokens,
                ["completion_tokens"] = answer.CompletionTokens,
                ["total_tokens"] = answer.PromptTokens + answer.CompletionTokens,
            },
        };
        await context.Response.WriteAsync(completion.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public sealed record RecordedRequest(string Path, string Authorization, JsonNode Body, DateTimeOffset At);

    public sealed record Answer(int Status, string Content, int PromptTokens = 120, int CompletionTokens = 40, TimeSpan Delay = default, int? RetryAfterSeconds = null)
    {
        public static Answer Text(string content, int promptTokens = 120, int completionTokens = 40) => new(200, content, promptTokens, completionTokens);

        public static Answer Error(int status, int? retryAfterSeconds = null) => new(status, string.Empty, RetryAfterSeconds: retryAfterSeconds);

        public static Answer Slow(TimeSpan delay) => new(200, "Too late.", Delay: delay);
    }
}
