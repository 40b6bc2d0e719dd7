using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GmailAutomation.GmailClient.Tests.Support;

/// <summary>
/// A tiny real HTTP server on 127.0.0.1 whose answers each test scripts, for protocol-level tests (retries,
/// Retry-After, batch framing) that need exact control over what "Gmail" answers. Its <c>/token</c> endpoint
/// issues numbered access tokens for the refresh-token grant.
/// </summary>
public sealed class ScriptedServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private int tokensIssued;

    private ScriptedServer(WebApplication app) => this.app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Answers every request except <c>/token</c>.</summary>
    public Func<HttpContext, string, Task> Handler { get; set; } = (context, _) =>
    {
        context.Response.StatusCode = 404;
        return Task.CompletedTask;
    };

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int TokensIssued => Volatile.Read(ref tokensIssued);

    /// <summary>Token lifetime answered by <c>/token</c> (expires_in).</summary>
    public int TokenLifetimeSeconds { get; set; } = 3600;

    public static async Task<ScriptedServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ScriptedServer(app);
        app.Run(async context =>
        {
            if (context.Request.Path == "/token")
            {
                await server.IssueTokenAsync(context);
                return;
            }

            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            server.Requests.Enqueue(new RecordedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.Authorization.ToString(),
                context.Request.ContentType,
                body,
                DateTimeOffset.UtcNow));
            await server.Handler(context, body);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return server;
    }

    private async Task IssueTokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        if (form["grant_type"] != "refresh_token" || string.IsNullOrEmpty(form["refresh_token"]))
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsJsonAsync(new { error = "invalid_grant", error_description = "Bad Request" });
            return;
        }

        var n = Interlocked.Increment(ref tokensIssued);
        await context.Response.WriteAsJsonAsync(new { access_token = $"ya29.token-{n}", expires_in = TokenLifetimeSeconds, token_type = "Bearer" });
    }

    /// <summary>Writes Google's error envelope.</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string reason, string message, string? retryAfter = null)
    {
        context.Response.StatusCode = status;
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        return context.Response.WriteAsJsonAsync(new
        {
            error = new
            {
                code = status,
                message,
                errors = new[] { new { message, domain = "global", reason } },
                status = status == 429 ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE",
            },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

public sealed record RecordedRequest(string Method, string PathAndQuery, string Authorization, string? ContentType, string Body, DateTimeOffset At);
