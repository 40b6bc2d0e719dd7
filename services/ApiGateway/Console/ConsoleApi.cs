using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using GmailAutomation.ApiGateway.Identity;
using GmailAutomation.ApiGateway.Proxy;
using GmailAutomation.ServiceDefaults.Identity;

namespace GmailAutomation.ApiGateway.Console;

/// <summary>
/// The console's server-side calls to the services' public APIs. Each call carries a freshly signed
/// <c>X-User-Identity</c> for the signed-in person (the same vouching the proxy does), so every service still
/// decides for itself what that person may see. A service's problem details become a <see cref="ServiceProblem"/>.
/// </summary>
public sealed class ConsoleApi(IHttpClientFactory clients, UserIdentityTokens tokens, IHttpContextAccessor accessor)
{
    public const string ClientName = "console";

    /// <summary>
    /// Strict reading: an answer that lacks a field the console relies on, or has null where the service promises a
    /// value, is refused here (and shown as a message) instead of failing later while the page is drawn.
    /// </summary>
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerOptions.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public Task<T> GetAsync<T>(string service, string path, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Get, service, path, body: null, cancellationToken);

    public async Task<T> SendAsync<T>(HttpMethod method, string service, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, service, path, body, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(s_json, cancellationToken)
                ?? throw new JsonException("The answer was empty.");
        }
        catch (JsonException unreadable)
        {
            throw new ServiceProblem(service, HttpStatusCode.BadGateway, $"The {service} answered in a form the console cannot read ({unreadable.Message}).", null);
        }
    }

    public async Task SendAsync(HttpMethod method, string service, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, service, path, body, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string service, string path, object? body, CancellationToken cancellationToken)
    {
        if (!PublicRoutes.Services.Contains(service))
        {
            throw new ArgumentException($"'{service}' is not a service the gateway talks to.", nameof(service));
        }

        var caller = GatewayCaller.Require(accessor.HttpContext?.User ?? new());
        using var request = new HttpRequestMessage(method, new Uri($"http://{service}{path}"));
        request.Headers.TryAddWithoutValidation(UserIdentityTokens.HeaderName, tokens.Issue(caller.UserId, caller.Email));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: JsonSerializerOptions.Web);
        }

        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName).SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException failure)
        {
            throw new ServiceProblem(service, HttpStatusCode.BadGateway, $"The {service} could not be reached ({failure.Message}). Try again in a moment.", null);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ServiceProblem.FromAsync(service, response, cancellationToken);
        }
    }
}

/// <summary>A service's refusal (RFC 7807 problem details), as a person should read it: a message and, for bad input, one per field.</summary>
public sealed class ServiceProblem(string service, HttpStatusCode status, string message, IReadOnlyDictionary<string, string[]>? errors)
    : Exception(message)
{
    public string Service { get; } = service;

    public HttpStatusCode Status { get; } = status;

    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors ?? new Dictionary<string, string[]>();

    public static async Task<ServiceProblem> FromAsync(string service, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        string? title = null, detail = null;
        var errors = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        try
        {
            if (JsonNode.Parse(text) is JsonObject problem)
            {
                title = problem["title"]?.GetValue<string>();
                detail = problem["detail"]?.GetValue<string>();
                if (problem["errors"] is JsonObject fields)
                {
                    foreach (var (field, messages) in fields)
                    {
                        errors[field] = messages is JsonArray list ? [.. list.Select(m => m?.ToString() ?? string.Empty)] : [messages?.ToString() ?? string.Empty];
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not problem details (a proxy's HTML page, say): the status says enough.
        }

        var message = detail ?? title ?? response.StatusCode switch
        {
            HttpStatusCode.NotFound => "That was not found (or is not yours).",
            HttpStatusCode.Unauthorized => "Your session has ended; sign in again.",
            HttpStatusCode.TooManyRequests => "Too many requests; wait a moment and try again.",
            _ => $"The {service} answered {(int)response.StatusCode} {response.ReasonPhrase}.",
        };
        return new ServiceProblem(service, response.StatusCode, message, errors);
    }
}
