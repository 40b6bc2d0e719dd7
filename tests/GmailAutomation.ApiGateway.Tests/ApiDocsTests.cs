using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using GmailAutomation.ApiGateway.Tests.Support;

namespace GmailAutomation.ApiGateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed partial class ApiDocsTests(GatewayFixture fixture)
{
    [Fact]
    public async Task The_docs_page_and_its_script_are_served_by_the_gateway_without_any_CDN()
    {
        using var client = fixture.Gateway.CreateClient();
        using var page = await client.GetAsync("/api/docs");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("text/html", page.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var scripts = ScriptSources().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        Assert.All(scripts, src => Assert.False(src.StartsWith("http", StringComparison.OrdinalIgnoreCase) || src.StartsWith("//", StringComparison.Ordinal), src));
        foreach (var src in scripts)
        {
            using var script = await client.GetAsync(new Uri(new Uri("http://localhost/api/docs/"), src));
            Assert.True(script.StatusCode == HttpStatusCode.OK, src);
        }

        // Scalar writes each document's URL relative to the application's base path and resolves it in the page.
        var sources = DocumentSources().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("api/docs/openapi/api-gateway.json", sources);
        Assert.Contains("api/docs/services/auth-service.json", sources);
        foreach (var source in sources.Where(s => s.StartsWith("api/docs/openapi", StringComparison.Ordinal)))
        {
            using var document = await client.GetAsync(new Uri(new Uri("http://localhost/"), source));
            Assert.True(document.StatusCode == HttpStatusCode.OK, source);
        }
    }

    [Fact]
    public async Task The_gateways_own_document_describes_session_tokens_audit_and_status()
    {
        using var client = fixture.Gateway.CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/api/docs/openapi/api-gateway.json");
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();

        Assert.Contains("/api/session", paths);
        Assert.Contains("/api/tokens", paths);
        Assert.Contains("/api/audit/accounts/{accountId}/entries", paths);
        Assert.Contains("/api/status", paths);
    }

    [Fact]
    public async Task A_services_document_comes_through_the_gateway_with_only_its_forwarded_paths()
    {
        using var client = fixture.Gateway.CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/api/docs/services/auth-service.json");
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();

        Assert.Contains("/api/accounts/{accountId}/preferences", paths);
        Assert.Contains("/api/auth/signin", paths);
        Assert.DoesNotContain(paths, p => p.Contains("internal", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("http://localhost", document.GetProperty("servers")[0].GetProperty("url").GetString());

        using var unknown = await client.GetAsync("/api/docs/services/gmail-emulator.json");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [GeneratedRegex("<script[^>]*src=\"([^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptSources();

    [GeneratedRegex("\"url\":\"([^\"]+)\"")]
    private static partial Regex DocumentSources();
}
