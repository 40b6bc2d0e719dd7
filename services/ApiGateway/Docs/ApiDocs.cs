using System.Net;
using System.Text.Json.Nodes;
using GmailAutomation.ApiGateway.Proxy;
using GmailAutomation.Common.Errors;
using Scalar.AspNetCore;

namespace GmailAutomation.ApiGateway.Docs;

/// <summary>
/// One place to read the whole public API: <c>/api/docs</c> is Scalar (its script served by the gateway, no CDN)
/// with a document per service. Each service's document is fetched from the service (<c>/openapi/v1.json</c>, by
/// service discovery), cut down to the paths the gateway forwards, and pointed at the gateway as its server.
/// </summary>
public static class ApiDocs
{
    public const string GatewayDocument = "api-gateway";
    public const string HttpClientName = "openapi-documents";
    public const string ServiceDocumentPath = "/api/docs/services/{0}.json";

    public static IHostApplicationBuilder AddApiDocs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(GatewayDocument);
        builder.Services.AddHttpClient(HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        return builder;
    }

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/api/docs/openapi/{documentName}.json");
        app.MapGet("/api/docs/services/{service}.json", ServiceDocument)
            .WithName("GetServiceOpenApiDocument")
            .WithSummary("A service's OpenAPI document as reached through the gateway.")
            .WithTags("Docs");
        app.MapScalarApiReference("/api/docs", options =>
        {
            options.WithTitle("GmailAutomation API");
            options.AddDocument(GatewayDocument, "Gateway: session, API tokens, audit log, status", "/api/docs/openapi/{documentName}.json", isDefault: true);
            foreach (var service in PublicRoutes.Services)
            {
                options.AddDocument(service, service, string.Format(System.Globalization.CultureInfo.InvariantCulture, ServiceDocumentPath, service));
            }
        });
        return app;
    }

    public static async Task<IResult> ServiceDocument(string service, HttpContext http, IHttpClientFactory clients, CancellationToken cancellationToken)
    {
        if (!PublicRoutes.Services.Contains(service, StringComparer.Ordinal))
        {
            throw new NotFoundException("Service", service);
        }

        using var response = await clients.CreateClient(HttpClientName).GetAsync(new Uri($"http://{service}/openapi/v1.json"), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new NotFoundException("OpenApiDocument", service).With("detail", $"{service} publishes no OpenAPI document.");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new ExternalServiceException(service, "Its OpenAPI document could not be read", (int)response.StatusCode);
        }

        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))?.AsObject()
            ?? throw new ExternalServiceException(service, "Its OpenAPI document is empty");
        return Results.Content(PublicView(document, $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}").ToJsonString(), "application/json");
    }

    /// <summary>Only the paths the gateway forwards (nothing internal), with the gateway as the server to call.</summary>
    public static JsonObject PublicView(JsonObject document, string gatewayOrigin)
    {
        if (document["paths"] is JsonObject paths)
        {
            foreach (var path in paths.Select(p => p.Key).ToList())
            {
                if (!IsForwarded(path))
                {
                    paths.Remove(path);
                }
            }
        }

        document["servers"] = new JsonArray(new JsonObject { ["url"] = gatewayOrigin });
        return document;
    }

    private static bool IsForwarded(string path)
    {
        if (PublicRoutes.HasForbiddenSegment(path))
        {
            return false;
        }

        return PublicRoutes.All.Any(route =>
        {
            var prefix = route.Path.Replace("/{**rest}", string.Empty, StringComparison.Ordinal);
            return path.Equals(prefix, StringComparison.OrdinalIgnoreCase) || path.StartsWith(prefix + "/", StringComparison.OrdinalIgnoreCase);
        });
    }
}
