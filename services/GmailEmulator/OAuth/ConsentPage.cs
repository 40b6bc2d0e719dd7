using System.Text;
using System.Text.Encodings.Web;

namespace GmailAutomation.GmailEmulator.OAuth;

/// <summary>
/// The HTML the emulator shows a person: the consent page and the error pages of the authorize endpoint.
/// Self-contained (no scripts, no external assets) and labelled for assistive technology.
/// </summary>
public static class ConsentPage
{
    public const string ConsentPath = "/o/oauth2/v2/auth/consent";

    private const string Styles = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f1f3f4;color:#202124;margin:0}
        main{max-width:30rem;margin:3rem auto;background:#fff;border:1px solid #dadce0;border-radius:8px;padding:2rem}
        h1{font-size:1.5rem;font-weight:400;margin-top:0}
        ul{padding-left:1.25rem}li{margin:.4rem 0}
        label{display:block;font-weight:500;margin:1rem 0 .25rem}
        input[type=email]{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #80868b;border-radius:4px}
        .actions{display:flex;gap:1rem;justify-content:flex-end;margin-top:1.5rem}
        button{font-size:1rem;padding:.55rem 1.5rem;border-radius:4px;border:1px solid #dadce0;background:#fff;color:#1a73e8;cursor:pointer}
        button.primary{background:#1a73e8;color:#fff;border-color:#1a73e8}
        button:focus-visible,input:focus-visible{outline:3px solid #fbbc04;outline-offset:2px}
        .error{color:#c5221f}
        code{word-break:break-all}
        """;

    /// <summary>Security headers for every page: no caching, no framing, nothing loaded from elsewhere.</summary>
    public static void ApplyHeaders(Microsoft.AspNetCore.Http.HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Frame-Options"] = "DENY";
        response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    /// <summary>The consent page for one held request.</summary>
    public static string Render(string consentId, AuthorizationRequest request, string? email, string? error)
    {
        var enc = HtmlEncoder.Default;
        var html = new StringBuilder();
        Open(html, "Sign in – Google Accounts (emulator)");
        html.Append("<main aria-labelledby=\"title\">");
        html.Append("<h1 id=\"title\">Sign in with Google</h1>");
        html.Append("<p><strong id=\"client\">").Append(enc.Encode(request.Client.ClientId))
            .Append("</strong> wants to access your Google Account.</p>");
        if (error is not null)
        {
            html.Append("<p class=\"error\" role=\"alert\" id=\"email-error\">").Append(enc.Encode(error)).Append("</p>");
        }

        html.Append("<form method=\"post\" action=\"").Append(ConsentPath).Append("\">");
        html.Append("<input type=\"hidden\" name=\"consent_request\" value=\"").Append(enc.Encode(consentId)).Append("\">");
        html.Append("<label for=\"email\">Email</label>");
        html.Append("<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required");
        if (error is not null)
        {
            html.Append(" aria-invalid=\"true\" aria-describedby=\"email-error\"");
        }

        html.Append(" value=\"").Append(enc.Encode(email ?? string.Empty)).Append("\">");
        html.Append("<h2 id=\"scopes-heading\">This will allow ").Append(enc.Encode(request.Client.ClientId)).Append(" to:</h2>");
        html.Append("<ul aria-labelledby=\"scopes-heading\">");
        foreach (var scope in request.Scopes)
        {
            html.Append("<li>").Append(enc.Encode(GoogleScopes.Describe(scope)))
                .Append(" <small>(<code>").Append(enc.Encode(scope)).Append("</code>)</small></li>");
        }

        html.Append("</ul>");
        html.Append("<p>You will be sent back to <code>").Append(enc.Encode(request.RedirectUri)).Append("</code>.</p>");
        html.Append("<div class=\"actions\">");
        html.Append("<button type=\"submit\" name=\"decision\" value=\"deny\" formnovalidate>Deny</button>");
        html.Append("<button type=\"submit\" name=\"decision\" value=\"allow\" class=\"primary\">Allow</button>");
        html.Append("</div></form></main></body></html>");
        return html.ToString();
    }

    /// <summary>Google's "Error 400: redirect_uri_mismatch"-style page, shown when the client cannot be redirected to.</summary>
    public static string RenderError(string error, string description)
    {
        var enc = HtmlEncoder.Default;
        var html = new StringBuilder();
        Open(html, "Error – Google Accounts (emulator)");
        html.Append("<main aria-labelledby=\"title\"><h1 id=\"title\">Access blocked: authorization error</h1>");
        html.Append("<p role=\"alert\"><strong>Error: ").Append(enc.Encode(error)).Append("</strong></p>");
        html.Append("<p>").Append(enc.Encode(description)).Append("</p></main></body></html>");
        return html.ToString();
    }

    private static void Open(StringBuilder html, string title) =>
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(HtmlEncoder.Default.Encode(title)).Append("</title>")
            .Append("<style>").Append(Styles).Append("</style></head><body>");
}
