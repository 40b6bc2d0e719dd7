using GmailAutomation.Common.Correlation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GmailAutomation.ServiceDefaults.Correlation;

/// <summary>
/// Takes the correlation id from <c>X-Correlation-ID</c> (or makes one), returns it on every response,
/// makes it current for the request and puts it in the log scope.
/// </summary>
public sealed class CorrelationIdMiddleware(RequestDelegate next, ILogger<CorrelationIdMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var received = context.Request.Headers[CorrelationId.HeaderName].ToString();
        var id = CorrelationId.IsValid(received) ? received : CorrelationId.New();

        context.TraceIdentifier = id;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[CorrelationId.HeaderName] = id;
            return Task.CompletedTask;
        });

        using (CorrelationId.Begin(id))
        using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = id }))
        {
            await next(context);
        }
    }
}

/// <summary>Puts the current correlation id on every outgoing HTTP request that has none.</summary>
public sealed class CorrelationIdDelegatingHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Headers.Contains(CorrelationId.HeaderName) && CorrelationId.Current is { } id)
        {
            request.Headers.TryAddWithoutValidation(CorrelationId.HeaderName, id);
        }

        return base.SendAsync(request, cancellationToken);
    }
}

public static class CorrelationIdExtensions
{
    public static IServiceCollection AddCorrelationId(this IServiceCollection services)
    {
        services.AddTransient<CorrelationIdDelegatingHandler>();
        return services;
    }

    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) =>
        app.UseMiddleware<CorrelationIdMiddleware>();
}
