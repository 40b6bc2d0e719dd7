using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GmailAutomation.GmailEmulator.Tests.Support;
using MimeKit;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>The batch endpoint (API-SUBSET §12).</summary>
public sealed class BatchTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private static HttpContent BatchBody(IEnumerable<string> innerRequests, string boundary = "batch_boundary")
    {
        var body = new StringBuilder();
        var index = 0;
        foreach (var inner in innerRequests)
        {
            index++;
            body.Append("--").Append(boundary).Append("\r\n")
                .Append("Content-Type: application/http\r\n")
                .Append("Content-ID: <item").Append(index).Append(">\r\n\r\n")
                .Append(inner).Append("\r\n");
        }

        body.Append("--").Append(boundary).Append("--\r\n");
        var content = new StringContent(body.ToString());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/mixed; boundary={boundary}");
        return content;
    }

    private static async Task<List<(string ContentId, int Status, JsonElement Body)>> ReadBatchAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var contentType = ContentType.Parse(response.Content.Headers.ContentType!.ToString());
        Assert.True(contentType.IsMimeType("multipart", "mixed"));
        using var stream = await response.Content.ReadAsStreamAsync();
        var multipart = (Multipart)MimeEntity.Load(contentType, stream);
        var results = new List<(string, int, JsonElement)>();
        foreach (var part in multipart.Cast<MimePart>())
        {
            using var buffer = new MemoryStream();
            part.Content!.DecodeTo(buffer);
            var http = Encoding.UTF8.GetString(buffer.ToArray());
            var status = int.Parse(http.Split(' ')[1]);
            var json = http[(http.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..].Trim();
            results.Add(("<" + part.ContentId + ">", status, json.Length == 0 ? default : JsonDocument.Parse(json).RootElement.Clone()));
        }

        return results;
    }

    [Fact]
    public async Task Inner_calls_are_answered_in_order_with_their_own_status_and_outer_auth()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (id, _) = await box.ImportAsync(Mail.Simple(subject: "batched"), null, "INBOX");
        using var content = BatchBody([
            $"GET /gmail/v1/users/me/messages/{id}?format=metadata&metadataHeaders=Subject",
            "GET /gmail/v1/users/me/messages/18f5dc3c6c373405",
            $"POST /gmail/v1/users/me/messages/{id}/modify\r\nContent-Type: application/json\r\n\r\n{{\"addLabelIds\":[\"STARRED\"]}}",
        ]);

        using var response = await box.Gmail.PostAsync("/batch/gmail/v1", content);
        var parts = await ReadBatchAsync(response);

        Assert.Equal(["<response-item1>", "<response-item2>", "<response-item3>"], parts.Select(p => p.ContentId));
        Assert.Equal(200, parts[0].Status);
        Assert.Equal("batched", parts[0].Body.GetProperty("payload").GetProperty("headers")[0].GetProperty("value").GetString());
        Assert.Equal(404, parts[1].Status);
        Json.AssertGoogleError(parts[1].Body, 404, "notFound", "NOT_FOUND");
        Assert.Equal(200, parts[2].Status);
        Assert.Contains("STARRED", parts[2].Body.GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));
    }

    [Fact]
    public async Task Legacy_batch_path_and_inner_authorization_headers_work()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var token = await factory.GetAccessTokenAsync(box.Email, GmailScopes.ReadOnly);
        using var anonymous = factory.CreateClient();
        using var content = BatchBody([
            $"GET /gmail/v1/users/me/profile\r\nAuthorization: Bearer {token}",
            "GET /gmail/v1/users/me/profile",
        ]);
        using var response = await anonymous.PostAsync("/batch", content);
        var parts = await ReadBatchAsync(response);
        Assert.Equal(200, parts[0].Status);
        Assert.Equal(box.Email, parts[0].Body.GetProperty("emailAddress").GetString());
        Assert.Equal(401, parts[1].Status);
    }

    [Fact]
    public async Task More_than_100_inner_calls_is_400()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        using var content = BatchBody(Enumerable.Repeat("GET /gmail/v1/users/me/profile", 101));
        using var response = await box.Gmail.PostAsync("/batch/gmail/v1", content);
        var body = await Json.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("Inner request count exceeds the limit. Received: 101, Limit: 100", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(400, body.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Each_inner_call_is_charged_to_the_quota()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        using var content = BatchBody(Enumerable.Repeat("GET /gmail/v1/users/me/messages", 4));
        using var response = await box.Gmail.PostAsync("/batch/gmail/v1", content);
        var parts = await ReadBatchAsync(response);
        Assert.All(parts, p => Assert.Equal(200, p.Status));

        using var admin = factory.CreateClient();
        var quota = await Json.ReadAsync(await admin.GetAsync($"/emulator/quota/{box.Email}"), HttpStatusCode.OK);
        // messages.list costs 5 units; four inner calls, four charges.
        Assert.Equal(20, quota.GetProperty("unitsCharged").GetInt64());
    }
}
