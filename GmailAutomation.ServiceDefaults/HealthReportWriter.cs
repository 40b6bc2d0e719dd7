using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace GmailAutomation.ServiceDefaults;

/// <summary>
/// Writes /health as JSON: overall status, the service's name and version, and each check's status, so
/// that the gateway's /api/status (and a person with curl) sees why a service is not ready. Check
/// descriptions come from the integrations and never carry secrets.
/// </summary>
public static class HealthReportWriter
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>Version of the running service: the entry assembly's informational version without build metadata.</summary>
    public static string ServiceVersion { get; } = ReadVersion();

    /// <summary>The service's name: the Aspire resource name when started by the AppHost, else the application name.</summary>
    public static string ServiceName(IServiceProvider services)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        return configuration["OTEL_SERVICE_NAME"] ?? services.GetRequiredService<IHostEnvironment>().ApplicationName;
    }

    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new HealthDocument(
            report.Status.ToString(),
            ServiceName(context.RequestServices),
            ServiceVersion,
            report.TotalDuration.TotalMilliseconds,
            report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new HealthCheckDocument(entry.Value.Status.ToString(), entry.Value.Description, entry.Value.Duration.TotalMilliseconds)));
        return JsonSerializer.SerializeAsync(context.Response.Body, body, s_json, context.RequestAborted);
    }

    private static string ReadVersion()
    {
        var assembly = Assembly.GetEntryAssembly() ?? typeof(HealthReportWriter).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }
}

/// <summary>The JSON body of /health.</summary>
public sealed record HealthDocument(string Status, string Service, string Version, double DurationMs, IReadOnlyDictionary<string, HealthCheckDocument> Checks);

/// <summary>One health check in <see cref="HealthDocument"/>.</summary>
public sealed record HealthCheckDocument(string Status, string? Description, double DurationMs);
