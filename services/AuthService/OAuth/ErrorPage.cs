using System.Text.Encodings.Web;
using GmailAutomation.Common.Errors;

namespace GmailAutomation.AuthService.OAuth;

/// <summary>
/// The page a person sees when a browser redirect (Google's callback) ends in an error: the same facts as the
/// problem details, readable, with a way back. Self-contained, no scripts.
/// </summary>
public static class ErrorPage
{
    public static bool IsWantedBy(HttpRequest request) =>
        request.Headers.Accept.Any(value => value is not null && value.Contains("text/html", StringComparison.OrdinalIgnoreCase));

    public static IResult Render(GmailAutomationException error, string? correlationId)
    {
        var enc = HtmlEncoder.Default;
        var html = $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{enc.Encode(error.Title)}} – Gmail Automation</title>
            <style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#202124}
            h1{font-size:1.5rem;font-weight:500}.detail{background:#fce8e6;border-left:4px solid #c5221f;padding:.75rem 1rem}
            a{color:#1a73e8}small{color:#5f6368}</style></head>
            <body><main aria-labelledby="title">
            <h1 id="title">{{enc.Encode(error.Title)}}</h1>
            <p class="detail" role="alert">{{enc.Encode(error.Message)}}</p>
            <p><a href="/">Back to Gmail Automation</a></p>
            <p><small>Status {{error.StatusCode}}. Correlation id: <code>{{enc.Encode(correlationId ?? "-")}}</code></small></p>
            </main></body></html>
            """;
        return TypedResults.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, error.StatusCode);
    }
}
