using GmailAutomation.GmailClient.Batch;

namespace GmailAutomation.GmailClient.Tests;

public class BatchCodecTests
{
    [Fact]
    public async Task Encodes_each_call_as_an_application_http_part_with_a_content_id()
    {
        var calls = new[]
        {
            new BatchCall(GmailMethod.MessagesGet, HttpMethod.Get, "/gmail/v1/users/me/messages/a1?format=metadata"),
            new BatchCall(GmailMethod.MessagesModify, HttpMethod.Post, "/gmail/v1/users/me/messages/a2/modify", """{"addLabelIds":["STARRED"]}"""),
        };

        using var content = GmailBatchCodec.Encode(calls, "b0undary");
        var text = await content.ReadAsStringAsync();

        Assert.Equal("multipart/mixed", content.Headers.ContentType!.MediaType);
        Assert.Contains("boundary=\"b0undary\"", content.Headers.ContentType.ToString(), StringComparison.Ordinal);
        Assert.Contains("--b0undary\r\nContent-Type: application/http\r\nContent-ID: <item1>\r\n\r\nGET /gmail/v1/users/me/messages/a1?format=metadata HTTP/1.1\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Content-ID: <item2>\r\n\r\nPOST /gmail/v1/users/me/messages/a2/modify HTTP/1.1\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: 27\r\n\r\n{\"addLabelIds\":[\"STARRED\"]}", text, StringComparison.Ordinal);
        Assert.EndsWith("--b0undary--\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_more_than_100_calls()
    {
        var calls = Enumerable.Range(0, 101).Select(i => new BatchCall(GmailMethod.MessagesGet, HttpMethod.Get, $"/m/{i}")).ToList();
        Assert.Throws<ArgumentOutOfRangeException>(() => GmailBatchCodec.Encode(calls, "b"));
    }

    [Fact]
    public void Decodes_inner_answers_by_content_id_each_with_its_own_status()
    {
        const string body =
            "--batch_X\r\nContent-Type: application/http\r\nContent-ID: <response-item2>\r\n\r\n" +
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json; charset=UTF-8\r\nRetry-After: 3\r\n\r\n" +
            "{\"error\":{\"code\":429}}\r\n" +
            "--batch_X\r\nContent-Type: application/http\r\nContent-ID: <response-item1>\r\n\r\n" +
            "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n" +
            "{\"id\":\"a1\"}\r\n" +
            "--batch_X\r\nContent-Type: application/http\r\nContent-ID: <response-item3>\r\n\r\n" +
            "HTTP/1.1 404 Not Found\r\n\r\n{\"error\":{\"code\":404}}\r\n" +
            "--batch_X--\r\n";

        var answers = GmailBatchCodec.Decode(body, "batch_X", 4);

        Assert.Equal(200, answers[0]!.Status);
        Assert.Equal("{\"id\":\"a1\"}", answers[0]!.Body);
        Assert.Equal(429, answers[1]!.Status);
        Assert.Equal(TimeSpan.FromSeconds(3), answers[1]!.RetryAfter!.Delta);
        Assert.Equal(404, answers[2]!.Status);
        Assert.Null(answers[3]);
    }

    [Fact]
    public void Decodes_bare_newlines_and_parts_without_content_id_by_position()
    {
        const string body =
            "preamble\n--b\nContent-Type: application/http\n\nHTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"id\":\"x\"}\n" +
            "--b\nContent-Type: application/http\n\nHTTP/1.1 503 Service Unavailable\n\n{}\n--b--";

        var answers = GmailBatchCodec.Decode(body, "b", 2);

        Assert.Equal("{\"id\":\"x\"}", answers[0]!.Body);
        Assert.Equal(503, answers[1]!.Status);
        Assert.Equal("Service Unavailable", answers[1]!.ReasonPhrase);
    }
}
