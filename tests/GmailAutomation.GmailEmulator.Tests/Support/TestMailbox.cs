using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace GmailAutomation.GmailEmulator.Tests.Support;

/// <summary>A fresh mailbox of its own per test, with a Gmail client holding a real token for it.</summary>
public sealed class TestMailbox(EmulatorFactory factory, string email, HttpClient gmail) : IDisposable
{
    public string Email { get; } = email;
    public HttpClient Gmail { get; } = gmail;
    public EmulatorFactory Factory { get; } = factory;

    public static async Task<TestMailbox> CreateAsync(EmulatorFactory factory, params string[] scopes)
    {
        var email = $"user-{Guid.NewGuid():N}"[..17] + "@example.com";
        using var admin = factory.CreateClient();
        using var created = await admin.PostAsJsonAsync("/emulator/mailboxes", new { email });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return new TestMailbox(factory, email, await factory.CreateGmailClientAsync(email, scopes));
    }

    /// <summary>Imports through the admin API; returns (id, threadId).</summary>
    public async Task<(string Id, string ThreadId)> ImportAsync(string raw, long? internalDate = null, params string[] labelIds)
    {
        var query = string.Join('&', labelIds.Select(l => "labelIds=" + Uri.EscapeDataString(l)));
        if (internalDate is { } date)
        {
            query += (query.Length > 0 ? "&" : string.Empty) + "internalDate=" + date;
        }

        using var admin = Factory.CreateClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(raw));
        content.Headers.ContentType = new("message/rfc822");
        using var response = await admin.PostAsync($"/emulator/mailboxes/{Email}/messages?{query}", content);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetString()!, body.GetProperty("threadId").GetString()!);
    }

    public async Task<JsonElement> GetJsonAsync(string relative, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await Gmail.GetAsync("/gmail/v1/users/me/" + relative);
        return await Json.ReadAsync(response, expected);
    }

    public async Task<JsonElement> PostJsonAsync(string relative, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await Gmail.PostAsJsonAsync("/gmail/v1/users/me/" + relative, body);
        return await Json.ReadAsync(response, expected);
    }

    /// <summary>What the admin API says the mailbox holds.</summary>
    public async Task<JsonElement> ContentsAsync()
    {
        using var admin = Factory.CreateClient();
        using var response = await admin.GetAsync($"/emulator/mailboxes/{Email}");
        return await Json.ReadAsync(response, HttpStatusCode.OK);
    }

    public void Dispose() => Gmail.Dispose();
}

public static class Json
{
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts Google's error envelope (API-SUBSET §9).</summary>
    public static void AssertGoogleError(JsonElement body, int code, string reason, string status, string? message = null)
    {
        var error = body.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.Equal(status, error.GetProperty("status").GetString());
        var item = Assert.Single(error.GetProperty("errors").EnumerateArray());
        Assert.Equal(reason, item.GetProperty("reason").GetString());
        if (message is not null)
        {
            Assert.Equal(message, error.GetProperty("message").GetString());
        }
    }

    public static string[] Ids(JsonElement list, string property = "messages") =>
        list.TryGetProperty(property, out var items) ? items.EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToArray() : [];
}

/// <summary>Small RFC 822 messages for tests.</summary>
public static class Mail
{
    public static string Simple(
        string subject = "Hello",
        string body = "Hello there",
        string from = "Sam Sender <sam@example.org>",
        string to = "bob@example.com",
        string? messageId = null,
        string? inReplyTo = null,
        string? cc = null,
        string? date = "Mon, 02 Mar 2026 10:00:00 +0000")
    {
        var builder = new StringBuilder()
            .Append("From: ").Append(from).Append("\r\n")
            .Append("To: ").Append(to).Append("\r\n");
        if (cc is not null) builder.Append("Cc: ").Append(cc).Append("\r\n");
        builder.Append("Subject: ").Append(subject).Append("\r\n");
        if (date is not null) builder.Append("Date: ").Append(date).Append("\r\n");
        builder.Append("Message-ID: ").Append(messageId ?? $"<{Guid.NewGuid():N}@example.org>").Append("\r\n");
        if (inReplyTo is not null) builder.Append("In-Reply-To: ").Append(inReplyTo).Append("\r\nReferences: ").Append(inReplyTo).Append("\r\n");
        return builder.Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n").Append(body).Append("\r\n").ToString();
    }

    public static string Base64Url(string raw) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)).Replace('+', '-').Replace('/', '_');

    public static string DecodeBase64Url(string data) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(data.Replace('-', '+').Replace('_', '/')));
}
