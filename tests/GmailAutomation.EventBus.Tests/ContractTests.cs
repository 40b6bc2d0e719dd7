using System.Text;
using System.Text.Json;
using GmailAutomation.EventBus.Idempotency;
using GmailAutomation.EventBus.RabbitMq;
using GmailAutomation.IntegrationEvents;

namespace GmailAutomation.EventBus.Tests;

/// <summary>The wire contract and the pure helpers, without a broker.</summary>
public sealed class ContractTests
{
    [EventVersion(2)]
    private sealed record LabelsRenamed : IntegrationEvent
    {
        public required Guid AccountId { get; init; }
    }

    [Fact]
    public void Event_name_is_the_record_name_and_version_comes_from_the_attribute()
    {
        Assert.Equal("EmailReceived", IntegrationEventType.NameOf(typeof(EmailReceived)));
        Assert.Equal(1, IntegrationEventType.VersionOf(typeof(EmailReceived)));
        Assert.Equal(2, IntegrationEventType.VersionOf(typeof(LabelsRenamed)));
    }

    [Fact]
    public void New_event_takes_the_current_correlation_id_or_a_fresh_one()
    {
        using (Common.Correlation.CorrelationId.Begin("req-1"))
        {
            Assert.Equal("req-1", new LabelsRenamed { AccountId = Guid.NewGuid() }.CorrelationId);
        }

        var first = new LabelsRenamed { AccountId = Guid.NewGuid() };
        var second = new LabelsRenamed { AccountId = Guid.NewGuid() };
        Assert.True(Common.Correlation.CorrelationId.IsValid(first.CorrelationId));
        Assert.NotEqual(first.CorrelationId, second.CorrelationId);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(TimeSpan.Zero, first.CreatedAt.Offset);
    }

    [Fact]
    public void Events_serialize_as_camel_case_json_and_read_back_whole()
    {
        var sent = new EmailClassified
        {
            AccountId = Guid.NewGuid(),
            GmailMessageId = "m1",
            ThreadId = "t1",
            Category = "Newsletter",
            Confidence = 1,
            DecidedBy = ClassificationDecision.Rule("rule-17"),
            LabelsApplied = ["Label_3"],
        };

        var json = Encoding.UTF8.GetString(IntegrationEventSerializer.Serialize(sent));
        Assert.Contains("\"gmailMessageId\":\"m1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"decidedBy\":{\"kind\":\"rule\",\"ruleId\":\"rule-17\"}", json, StringComparison.Ordinal);
        Assert.DoesNotContain("needsReplyReason", json, StringComparison.Ordinal);

        var received = (EmailClassified)IntegrationEventSerializer.Deserialize(Encoding.UTF8.GetBytes(json), typeof(EmailClassified));
        Assert.Equal(sent.Id, received.Id);
        Assert.Equal(sent.DecidedBy, received.DecidedBy);
        Assert.Equal(sent.LabelsApplied, received.LabelsApplied);
        Assert.Equal(sent.CorrelationId, received.CorrelationId);
    }

    [Fact]
    public void Missing_required_field_is_rejected()
    {
        var json = """{"id":"6a3a1a4e-5b0a-4b43-9d5e-0f4a3d8f3c11","gmailMessageId":"m1","threadId":"t1","draftId":"d","draftMessageId":"m2"}""";
        Assert.Throws<JsonException>(() => IntegrationEventSerializer.Deserialize(Encoding.UTF8.GetBytes(json), typeof(DraftCreated)));
    }

    [Theory]
    [InlineData(2, 100)]
    [InlineData(3, 1000)]
    [InlineData(4, 5000)]
    [InlineData(9, 5000)]
    public void Retry_delay_follows_the_list_and_then_stays_at_the_last_value(int nextAttempt, int expectedMilliseconds)
    {
        var options = new EventBusOptions { RetryDelays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)] };
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), options.RetryDelayBefore(nextAttempt));
    }

    [Fact]
    public void Retry_queues_are_named_after_their_delay()
    {
        Assert.Equal("draft-service.retry.1500ms", RabbitMqTopology.RetryQueue("draft-service", TimeSpan.FromMilliseconds(1500)));
        Assert.Equal("draft-service.dead-letter", RabbitMqTopology.DeadLetterQueue("draft-service"));
    }

    [Fact]
    public void Headers_are_read_whatever_shape_the_client_hands_them_in()
    {
        var headers = new Dictionary<string, object?>
        {
            ["bytes"] = Encoding.UTF8.GetBytes("abc"),
            ["text"] = "def",
            ["int"] = 3,
            ["long"] = 4L,
            ["numeric-text"] = Encoding.UTF8.GetBytes("5"),
            ["garbage"] = Encoding.UTF8.GetBytes("five"),
        };

        Assert.Equal("abc", MessageHeaders.GetString(headers, "bytes"));
        Assert.Equal("def", MessageHeaders.GetString(headers, "text"));
        Assert.Null(MessageHeaders.GetString(headers, "absent"));
        Assert.Null(MessageHeaders.GetString(null, "text"));
        Assert.Equal(3, MessageHeaders.GetInt32(headers, "int"));
        Assert.Equal(4, MessageHeaders.GetInt32(headers, "long"));
        Assert.Equal(5, MessageHeaders.GetInt32(headers, "numeric-text"));
        Assert.Null(MessageHeaders.GetInt32(headers, "garbage"));
        Assert.Null(MessageHeaders.GetInt32(headers, "absent"));
    }

    [Fact]
    public void Business_key_names_account_message_and_stage()
    {
        var accountId = Guid.Parse("0b0e8c4a-47a4-4b8e-9d49-3b6b3c1f9a10");
        var @event = new ReplyGenerated { AccountId = accountId, GmailMessageId = "m9", ThreadId = "t9", ReplyText = "ok", Provider = "template" };
        Assert.Equal("0b0e8c4a47a44b8e9d493b6b3c1f9a10:m9:draft", IdempotencyKeys.ForMessage(@event, "draft"));
    }
}
