using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GmailAutomation.GmailClient.Json;
using GmailAutomation.GmailClient.Models;

namespace GmailAutomation.GmailClient.Tests;

public class JsonShapeTests
{
    [Fact]
    public void Reads_a_full_message_with_int64_strings_and_padded_base64url_bodies()
    {
        const string json = """
            {"id":"18f5dc3c6c373405","threadId":"18f5dc3c6c373405","labelIds":["INBOX","UNREAD"],
             "snippet":"Hi &#39;there&#39;","historyId":"98765","internalDate":"1717400000123","sizeEstimate":1234,
             "payload":{"partId":"","mimeType":"multipart/mixed","filename":"",
               "headers":[{"name":"Subject","value":"Hello"},{"name":"Received","value":"a"},{"name":"Received","value":"b"}],
               "body":{"size":0},
               "parts":[{"partId":"0","mimeType":"text/plain","filename":"","headers":[],"body":{"size":3,"data":"aGk_"}},
                        {"partId":"1","mimeType":"application/pdf","filename":"a.pdf","body":{"size":10,"attachmentId":"ANGjdJ"}}]}}
            """;

        var message = JsonSerializer.Deserialize<GmailMessage>(json, GmailJson.Options)!;

        Assert.Equal(98765UL, message.HistoryId);
        Assert.Equal(1717400000123L, message.InternalDate);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1717400000123), message.InternalDateTime);
        Assert.Equal("Hello", message.Header("subject"));
        Assert.Equal(3, message.Payload!.Headers!.Count);
        Assert.Equal("hi?", Encoding.ASCII.GetString(message.Payload.Parts![0].Body!.Data!));
        Assert.Equal("ANGjdJ", message.Payload.Parts[1].Body!.AttachmentId);
        Assert.Null(message.Payload.Parts[1].Body!.Data);
    }

    [Fact]
    public void Writes_int64_as_strings_bytes_as_padded_base64url_and_omits_unset_fields()
    {
        var message = new GmailMessage { Raw = [0xFB, 0xFF], ThreadId = "abc", HistoryId = 42 };

        var json = JsonNode.Parse(JsonSerializer.Serialize(message, GmailJson.Options))!.AsObject();

        Assert.Equal("-_8=", json["raw"]!.GetValue<string>());
        Assert.Equal("42", json["historyId"]!.GetValue<string>());
        Assert.False(json.ContainsKey("id"));
        Assert.False(json.ContainsKey("payload"));
        Assert.False(json.ContainsKey("labelIds"));
    }

    [Fact]
    public void An_empty_list_has_no_messages_key()
    {
        var list = JsonSerializer.Deserialize<ListMessagesResponse>("""{"resultSizeEstimate":0}""", GmailJson.Options)!;
        Assert.Null(list.Messages);
        Assert.Equal(0, list.ResultSizeEstimate);
    }

    [Theory]
    [InlineData("""{"emailAddress":"u@x.com","historyId":9876543210}""")]
    [InlineData("""{"emailAddress":"u@x.com","historyId":"9876543210"}""")]
    public void Push_payload_history_id_is_read_as_number_or_string(string json)
    {
        var notification = JsonSerializer.Deserialize<GmailPushNotification>(json, GmailJson.Options)!;
        Assert.Equal(9876543210UL, notification.HistoryId);
    }

    [Fact]
    public void Reads_history_records_of_every_kind()
    {
        const string json = """
            {"history":[
              {"id":"101","messages":[{"id":"a","threadId":"a"}],"messagesAdded":[{"message":{"id":"a","threadId":"a","labelIds":["INBOX"]}}]},
              {"id":"105","labelsAdded":[{"message":{"id":"a","threadId":"a","labelIds":["INBOX","STARRED"]},"labelIds":["STARRED"]}]},
              {"id":"107","messagesDeleted":[{"message":{"id":"a","threadId":"a"}}]}],
             "nextPageToken":"p2","historyId":"110"}
            """;

        var page = JsonSerializer.Deserialize<ListHistoryResponse>(json, GmailJson.Options)!;

        Assert.Equal(110UL, page.HistoryId);
        var history = page.History!;
        Assert.Equal([101UL, 105UL, 107UL], history.Select(h => h.Id));
        Assert.Equal("STARRED", history[1].LabelsAdded![0].LabelIds![0]);
        Assert.Equal("a", history[2].MessagesDeleted![0].Message!.Id);
    }

    [Fact]
    public void Bad_base64_in_a_bytes_field_is_a_json_error()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<GmailMessage>("""{"raw":"a"}""", GmailJson.Options));
    }
}
