using System.Text.Json;
using GmailAutomation.ClassificationService.Rules;

namespace GmailAutomation.ClassificationService.Pipeline;

/// <summary>How a <see cref="RuleDefinition"/> is stored (camelCase JSON, the same shape the API shows).</summary>
public static class RuleJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);

    public static string Serialize(RuleDefinition rule) => JsonSerializer.Serialize(rule, Options);

    public static RuleDefinition Deserialize(string json) =>
        JsonSerializer.Deserialize<RuleDefinition>(json, Options) ?? throw new JsonException("a stored rule is empty");
}
