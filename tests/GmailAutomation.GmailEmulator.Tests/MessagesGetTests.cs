using System.Net;
using System.Text.Json;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>users.messages.get and attachments.get against API-SUBSET §0 and §3.</summary>
public sealed class MessagesGetTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private const string MultipartWithAttachment =
        "From: \"Carol Example\" <carol@example.org>\r\n" +
        "To: dave@example.com\r\n" +
        "Subject: Report attached\r\n" +
        "Date: Tue, 03 Mar 2026 09:30:00 +0000\r\n" +
        "Message-ID: <report-1@example.org>\r\n" +
        "X-Custom: first\r\n" +
        "X-Custom: second\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
        "\r\n" +
        "--outer\r\n" +
        "Content-Type: multipart/alternative; boundary=\"inner\"\r\n" +
        "\r\n" +
        "--inner\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Content-Transfer-Encoding: quoted-printable\r\n" +
        "\r\n" +
        "It's the report =E2=80=94 see attached.\r\n" +
        "--inner\r\n" +
        "Content-Type: text/html; charset=utf-8\r\n" +
        "\r\n" +
        "<p>It's the report</p>\r\n" +
        "--inner--\r\n" +
        "--outer\r\n" +
        "Content-Type: application/pdf; name=\"report.pdf\"\r\n" +
        "Content-Disposition: attachment; filename=\"report.pdf\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "\r\n" +
        "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK\r\n" +
        "--outer--\r\n";

    [Fact]
    public async Task Full_format_builds_the_MIME_tree_with_part_ids_headers_and_attachment()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (id, threadId) = await box.ImportAsync(MultipartWithAttachment, 1772530200000, "INBOX");

        var message = await box.GetJsonAsync($"messages/{id}");

        Assert.Equal(id, message.GetProperty("id").GetString());
        Assert.Equal(threadId, message.GetProperty("threadId").GetString());
        Assert.Equal(JsonValueKind.String, message.GetProperty("internalDate").ValueKind);
        Assert.Equal("1772530200000", message.GetProperty("internalDate").GetString());
        Assert.Equal(JsonValueKind.String, message.GetProperty("historyId").ValueKind);
        Assert.Equal(JsonValueKind.Number, message.GetProperty("sizeEstimate").ValueKind);
        Assert.False(message.TryGetProperty("raw", out _));

        var payload = message.GetProperty("payload");
        Assert.Equal("", payload.GetProperty("partId").GetString());
        Assert.Equal("multipart/mixed", payload.GetProperty("mimeType").GetString());
        Assert.Equal("", payload.GetProperty("filename").GetString());
        Assert.Equal(0, payload.GetProperty("body").GetProperty("size").GetInt32());

        // Headers in original order, original case, duplicates kept.
        var headerNames = payload.GetProperty("headers").EnumerateArray().Select(h => h.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["From", "To", "Subject", "Date", "Message-ID", "X-Custom", "X-Custom", "MIME-Version", "Content-Type"], headerNames);

        var parts = payload.GetProperty("parts").EnumerateArray().ToArray();
        Assert.Equal(["0", "1"], parts.Select(p => p.GetProperty("partId").GetString()));
        var alternative = parts[0];
        Assert.Equal("multipart/alternative", alternative.GetProperty("mimeType").GetString());
        var textParts = alternative.GetProperty("parts").EnumerateArray().ToArray();
        Assert.Equal(["0.0", "0.1"], textParts.Select(p => p.GetProperty("partId").GetString()));

        var plain = textParts[0].GetProperty("body");
        var decoded = "It's the report \u2014 see attached.";
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(decoded), plain.GetProperty("size").GetInt32());
        Assert.Equal(decoded, Mail.DecodeBase64Url(plain.GetProperty("data").GetString()!).TrimEnd('\r', '\n'));

        var attachment = parts[1];
        Assert.Equal("report.pdf", attachment.GetProperty("filename").GetString());
        Assert.Equal("application/pdf", attachment.GetProperty("mimeType").GetString());
        Assert.False(attachment.GetProperty("body").TryGetProperty("data", out _));
        var attachmentId = attachment.GetProperty("body").GetProperty("attachmentId").GetString()!;
        var size = attachment.GetProperty("body").GetProperty("size").GetInt32();

        var fetched = await box.GetJsonAsync($"messages/{id}/attachments/{attachmentId}");
        Assert.Equal(size, fetched.GetProperty("size").GetInt32());
        var bytes = Convert.FromBase64String(fetched.GetProperty("data").GetString()!.Replace('-', '+').Replace('_', '/'));
        Assert.StartsWith("%PDF-1.4", System.Text.Encoding.ASCII.GetString(bytes));
    }

    [Fact]
    public async Task Snippet_is_html_escaped_plain_text()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (id, _) = await box.ImportAsync(MultipartWithAttachment);
        var message = await box.GetJsonAsync($"messages/{id}?format=minimal");
        Assert.StartsWith("It&#39;s the report", message.GetProperty("snippet").GetString());
    }

    [Fact]
    public async Task Minimal_format_has_no_payload_and_metadata_format_filters_headers()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (id, _) = await box.ImportAsync(MultipartWithAttachment, labelIds: "INBOX");

        var minimal = await box.GetJsonAsync($"messages/{id}?format=minimal");
        Assert.False(minimal.TryGetProperty("payload", out _));
        Assert.Equal(["INBOX"], minimal.GetProperty("labelIds").EnumerateArray().Select(l => l.GetString()));

        var metadata = await box.GetJsonAsync($"messages/{id}?format=metadata&metadataHeaders=subject&metadataHeaders=X-CUSTOM");
        var payload = metadata.GetProperty("payload");
        Assert.Equal("", payload.GetProperty("partId").GetString());
        Assert.False(payload.TryGetProperty("parts", out _));
        Assert.False(payload.TryGetProperty("body", out _));
        var headers = payload.GetProperty("headers").EnumerateArray().Select(h => (h.GetProperty("name").GetString(), h.GetProperty("value").GetString())).ToArray();
        Assert.Equal([("Subject", "Report attached"), ("X-Custom", "first"), ("X-Custom", "second")], headers);
    }

    [Fact]
    public async Task Raw_format_is_padded_base64url_of_the_original_bytes()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        // 3n+1 bytes long, so the encoding needs '=' padding.
        var raw = Mail.Simple(body: "x");
        while (System.Text.Encoding.UTF8.GetByteCount(raw) % 3 != 1)
        {
            raw += " ";
        }

        var (id, _) = await box.ImportAsync(raw);
        var message = await box.GetJsonAsync($"messages/{id}?format=raw");
        var encoded = message.GetProperty("raw").GetString()!;
        Assert.EndsWith("==", encoded);
        Assert.DoesNotContain('+', encoded);
        Assert.DoesNotContain('/', encoded);
        Assert.Equal(raw, Mail.DecodeBase64Url(encoded));
        Assert.False(message.TryGetProperty("payload", out _));
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(raw), message.GetProperty("sizeEstimate").GetInt32());
    }

    [Fact]
    public async Task Unknown_id_is_404_and_malformed_id_is_400()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var missing = await box.GetJsonAsync("messages/18f5dc3c6c373405", HttpStatusCode.NotFound);
        Json.AssertGoogleError(missing, 404, "notFound", "NOT_FOUND", "Requested entity was not found.");

        var malformed = await box.GetJsonAsync("messages/not-an-id!", HttpStatusCode.BadRequest);
        Json.AssertGoogleError(malformed, 400, "invalidArgument", "INVALID_ARGUMENT", "Invalid id value");
    }

    [Fact]
    public async Task Malformed_mime_is_still_stored_and_readable()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        const string broken = "Subject: broken\r\nContent-Type: multipart/mixed; boundary=\"never-closed\"\r\n\r\n--never-closed\r\nContent-Type: text/plain\r\n\r\nbody text without an end";
        var (id, _) = await box.ImportAsync(broken);
        var message = await box.GetJsonAsync($"messages/{id}");
        Assert.Equal(id, message.GetProperty("id").GetString());
        var raw = await box.GetJsonAsync($"messages/{id}?format=raw");
        Assert.Equal(broken, Mail.DecodeBase64Url(raw.GetProperty("raw").GetString()!));
    }

    [Fact]
    public async Task Ids_are_16_char_lowercase_hex_and_first_message_id_is_the_thread_id()
    {
        using var box = await TestMailbox.CreateAsync(factory);
        var (id, threadId) = await box.ImportAsync(Mail.Simple());
        Assert.Matches("^[0-9a-f]{16}$", id);
        Assert.Equal(id, threadId);
    }
}
