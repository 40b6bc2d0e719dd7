using System.Text;
using GmailAutomation.GmailEmulator.Hosting;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace GmailAutomation.GmailEmulator.GmailApi;

/// <summary>
/// The Gmail API's HTTP surface: <c>/gmail/v1/…</c> (gmail.googleapis.com and www.googleapis.com share this
/// layout), <c>/upload/gmail/v1/…</c> for media uploads, and the batch endpoints. Everything is routed by
/// <see cref="GmailRoutes"/> and answered through <see cref="GmailCallPipeline"/>, so that plain and batched
/// calls behave alike and every error is Google's envelope rather than problem details.
/// </summary>
public static class GmailApiEndpoints
{
    public static IEndpointRouteBuilder MapGmailApi(this IEndpointRouteBuilder app)
    {
        var gmail = app.MapGroup(string.Empty).WithTags("Gmail API");
        gmail.Map("/gmail/v1/{**path}", HandleCall).WithName("GmailApi").WithSummary("Gmail API v1 (users.* methods).");
        gmail.Map("/upload/gmail/v1/{**path}", HandleCall).WithName("GmailUploadApi").WithSummary("Gmail API v1 media uploads (messages.send/insert/import, drafts).");
        gmail.MapPost("/batch/gmail/v1", HandleBatch).WithName("GmailBatch").WithSummary("Gmail batch endpoint (multipart/mixed of application/http parts).");
        gmail.MapPost("/batch", HandleBatch).WithName("GmailBatchLegacy").WithSummary("Global batch endpoint used by Google's Python client.");
        return app;
    }

    public static async Task HandleCall(HttpContext context, GmailCallPipeline pipeline)
    {
        var request = new GmailRequest
        {
            Method = context.Request.Method,
            Path = context.Request.Path.Value ?? "/",
            Query = context.Request.Query.ToDictionary(q => q.Key, q => q.Value, StringComparer.Ordinal),
            Headers = CallHeaders(context.Request),
            Body = await ReadBodyAsync(context.Request, context.RequestAborted),
        };

        var result = await pipeline.ExecuteAsync(request, context.RequestAborted);
        await WriteAsync(context.Response, result, context.RequestAborted);
    }

    public static async Task HandleBatch(HttpContext context, GmailCallPipeline pipeline)
    {
        var body = await ReadBodyAsync(context.Request, context.RequestAborted);
        List<GmailBatch.InnerRequest> parts;
        try
        {
            parts = GmailBatch.Parse(context.Request.ContentType, body);
        }
        catch (GmailApiException error)
        {
            await WriteAsync(context.Response, GmailResult.Error(error), context.RequestAborted);
            return;
        }

        if (parts.Count > GmailBatch.MaxInnerRequests)
        {
            var error = GmailApiException.BadRequest($"Inner request count exceeds the limit. Received: {parts.Count}, Limit: {GmailBatch.MaxInnerRequests}");
            await WriteAsync(context.Response, GmailResult.Error(error), context.RequestAborted);
            return;
        }

        // Outer headers apply to every part except Content-*; a part's own headers win.
        var outer = context.Request.Headers
            .Where(h => !h.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);

        // Inner calls run concurrently, as Google's do: each is charged and answered on its own.
        var results = await Task.WhenAll(parts.Select(part => pipeline.ExecuteAsync(part.ToRequest(outer), context.RequestAborted)));

        var boundary = "batch_" + Guid.NewGuid().ToString("N")[..20];
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = $"multipart/mixed; boundary={boundary}";
        await context.Response.Body.WriteAsync(GmailBatch.Render(boundary, parts, results), context.RequestAborted);
    }

    /// <summary>The headers a single call looks at (the hot path of messages.get copies no more than these).</summary>
    private static Dictionary<string, string> CallHeaders(HttpRequest request)
    {
        var headers = new Dictionary<string, string>(2, StringComparer.OrdinalIgnoreCase);
        if (request.Headers.Authorization is { Count: > 0 } authorization)
        {
            headers["Authorization"] = authorization.ToString();
        }

        if (request.ContentType is { } contentType)
        {
            headers["Content-Type"] = contentType;
        }

        return headers;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))))
        {
            return [];
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    private static async Task WriteAsync(HttpResponse response, GmailResult result, CancellationToken cancellationToken)
    {
        response.StatusCode = result.StatusCode;
        if (result.RetryAfterSeconds is { } retryAfter)
        {
            response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (result.Body is null)
        {
            return;
        }

        var body = result.SerializeBody();
        response.ContentType = "application/json; charset=UTF-8";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, cancellationToken);
    }
}

/// <summary>Google's batch format: a multipart/mixed of <c>application/http</c> parts, one request each.</summary>
public static class GmailBatch
{
    public const int MaxInnerRequests = 100;

    public sealed record InnerRequest(int Index, string? ContentId, string Method, string PathAndQuery, Dictionary<string, string> Headers, byte[] Body)
    {
        public GmailRequest ToRequest(IReadOnlyDictionary<string, string> outerHeaders)
        {
            var headers = new Dictionary<string, string>(outerHeaders, StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in Headers)
            {
                headers[name] = value;
            }

            var queryStart = PathAndQuery.IndexOf('?');
            var path = queryStart < 0 ? PathAndQuery : PathAndQuery[..queryStart];
            var query = queryStart < 0
                ? new Dictionary<string, StringValues>(StringComparer.Ordinal)
                : new Dictionary<string, StringValues>(QueryHelpers.ParseQuery(PathAndQuery[queryStart..]), StringComparer.Ordinal);
            return new GmailRequest { Method = Method, Path = Uri.UnescapeDataString(path), Query = query, Headers = headers, Body = Body };
        }
    }

    public static List<InnerRequest> Parse(string? contentType, byte[] body)
    {
        if (contentType is null
            || !MimeKit.ContentType.TryParse(contentType, out var type)
            || !type.IsMimeType("multipart", "mixed")
            || string.IsNullOrEmpty(type.Boundary))
        {
            throw GmailApiException.BadRequest("Batch requests must be multipart/mixed with a boundary.");
        }

        MimeKit.Multipart multipart;
        try
        {
            using var stream = new MemoryStream(body, writable: false);
            multipart = MimeKit.MimeEntity.Load(type, stream) as MimeKit.Multipart
                ?? throw GmailApiException.BadRequest("Batch requests must be multipart/mixed.");
        }
        catch (FormatException)
        {
            throw GmailApiException.BadRequest("Malformed multipart body.");
        }

        var requests = new List<InnerRequest>();
        foreach (var entity in multipart)
        {
            if (entity is not MimeKit.MimePart part)
            {
                throw GmailApiException.BadRequest("Each batch part must be application/http.");
            }

            using var content = new MemoryStream();
            part.Content?.DecodeTo(content);
            requests.Add(ParseHttp(requests.Count + 1, part.ContentId, content.ToArray()));
        }

        return requests;
    }

    private static InnerRequest ParseHttp(int index, string? contentId, byte[] http)
    {
        var text = Encoding.UTF8.GetString(http);
        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var separatorLength = 4;
        if (headerEnd < 0)
        {
            headerEnd = text.IndexOf("\n\n", StringComparison.Ordinal);
            separatorLength = 2;
        }

        var head = headerEnd < 0 ? text : text[..headerEnd];
        var bodyText = headerEnd < 0 ? string.Empty : text[(headerEnd + separatorLength)..];
        var lines = head.Replace("\r\n", "\n").Split('\n', StringSplitOptions.None).SkipWhile(string.IsNullOrWhiteSpace).ToArray();
        var requestLine = lines.FirstOrDefault()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (requestLine is not { Length: >= 2 })
        {
            throw GmailApiException.BadRequest("Each batch part must start with an HTTP request line.");
        }

        var target = requestLine[1];
        if (Uri.TryCreate(target, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.OrdinalIgnoreCase))
        {
            target = absolute.PathAndQuery;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        var trimmedBody = bodyText.TrimEnd('\r', '\n');
        return new InnerRequest(index, contentId, requestLine[0].ToUpperInvariant(), target, headers, Encoding.UTF8.GetBytes(trimmedBody));
    }

    public static byte[] Render(string boundary, IReadOnlyList<InnerRequest> parts, IReadOnlyList<GmailResult> results)
    {
        var output = new MemoryStream();
        for (var i = 0; i < parts.Count; i++)
        {
            var result = results[i];
            var responseId = parts[i].ContentId is { Length: > 0 } id ? "response-" + id.Trim('<', '>') : "response-item" + parts[i].Index;
            var body = result.SerializeBody();
            var head = new StringBuilder()
                .Append("--").Append(boundary).Append("\r\n")
                .Append("Content-Type: application/http\r\n")
                .Append("Content-ID: <").Append(responseId).Append(">\r\n\r\n")
                .Append("HTTP/1.1 ").Append(result.StatusCode).Append(' ').Append(ReasonPhrases.GetReasonPhrase(result.StatusCode)).Append("\r\n");
            if (body.Length > 0)
            {
                head.Append("Content-Type: application/json; charset=UTF-8\r\n");
            }

            if (result.RetryAfterSeconds is { } retryAfter)
            {
                head.Append("Retry-After: ").Append(retryAfter).Append("\r\n");
            }

            head.Append("Content-Length: ").Append(body.Length).Append("\r\n\r\n");
            output.Write(Encoding.ASCII.GetBytes(head.ToString()));
            output.Write(body);
            output.Write("\r\n"u8);
        }

        output.Write(Encoding.ASCII.GetBytes("--" + boundary + "--\r\n"));
        return output.ToArray();
    }
}
