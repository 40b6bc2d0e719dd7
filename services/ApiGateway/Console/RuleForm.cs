using System.Text.Json;
using System.Text.Json.Nodes;

namespace GmailAutomation.ApiGateway.Console;

/// <summary>One test of a rule's condition as the editor shows it: a field, how to compare, and the value.</summary>
public sealed class ConditionRow
{
    public string? Field { get; set; }

    public string? Header { get; set; }

    public string? Operator { get; set; }

    public string? Value { get; set; }

    public bool CaseSensitive { get; set; }
}

/// <summary>
/// The rule editor's form: up to <see cref="Rows"/> field tests joined by all/any, and the actions. A condition the
/// form cannot show (nested, <c>not</c>, attachments) is edited as JSON instead, in the service's own rule format.
/// </summary>
public sealed class RuleForm
{
    public const int Rows = 3;

    public static IReadOnlyList<(string Value, string Text)> Fields { get; } =
    [
        ("from", "From (address or name)"), ("to", "To"), ("cc", "Cc"), ("recipients", "To or Cc"), ("subject", "Subject"), ("body", "Body"),
        ("header", "A header (name it)"), ("listId", "List-Id"), ("listUnsubscribe", "List-Unsubscribe"), ("autoSubmitted", "Auto-Submitted"),
        ("precedence", "Precedence"), ("attachmentName", "Attachment file name"),
    ];

    public static IReadOnlyList<(string Value, string Text)> Operators { get; } =
        [("contains", "contains"), ("equals", "is"), ("startsWith", "starts with"), ("endsWith", "ends with"), ("regex", "matches the regular expression"), ("exists", "is present")];

    public string? Name { get; set; }

    public bool Enabled { get; set; } = true;

    public string Match { get; set; } = "all";

    public List<ConditionRow> Conditions { get; set; } = [];

    public string? ConditionJson { get; set; }

    public string? SetCategory { get; set; }

    public string? AddLabel { get; set; }

    /// <summary><c>set</c>, <c>clear</c> or empty (the rule does not decide).</summary>
    public string? NeedsReply { get; set; }

    public bool Stop { get; set; }

    public void Pad()
    {
        while (Conditions.Count < Rows)
        {
            Conditions.Add(new ConditionRow());
        }
    }

    public static RuleForm Of(RuleInfo rule)
    {
        var form = new RuleForm { Name = rule.Name, Enabled = rule.Enabled };
        var condition = rule.Condition;
        var type = condition["type"]?.GetValue<string>();
        if (type == "field")
        {
            form.Conditions.Add(Row(condition));
        }
        else if (type is "all" or "any" && condition["conditions"] is JsonArray children && children.Count <= Rows
                 && children.All(c => c?["type"]?.GetValue<string>() == "field"))
        {
            form.Match = type;
            form.Conditions.AddRange(children.Select(c => Row(c!.AsObject())));
        }
        else
        {
            form.ConditionJson = condition.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        }

        foreach (var action in rule.Actions)
        {
            switch (action.Type)
            {
                case "setCategory": form.SetCategory = action.Value; break;
                case "addLabel": form.AddLabel ??= action.Value; break;
                case "setNeedsReply": form.NeedsReply = "set"; break;
                case "clearNeedsReply": form.NeedsReply = "clear"; break;
                case "stop": form.Stop = true; break;
            }
        }

        form.Pad();
        return form;
    }

    /// <summary>The rule as the classification service takes it, or the form's own problems (field → message).</summary>
    public (object? Rule, Dictionary<string, string> Errors) ToRule(string? id)
    {
        var errors = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        JsonNode? condition = null;
        if (!string.IsNullOrWhiteSpace(ConditionJson))
        {
            try
            {
                condition = JsonNode.Parse(ConditionJson);
            }
            catch (JsonException failure)
            {
                errors["conditionJson"] = $"The condition is not valid JSON: {failure.Message}";
            }
        }
        else
        {
            var tests = Conditions.Where(c => !string.IsNullOrWhiteSpace(c.Field)).Select(c => (JsonNode)new JsonObject
            {
                ["type"] = "field",
                ["field"] = c.Field,
                ["header"] = string.IsNullOrWhiteSpace(c.Header) ? null : c.Header.Trim(),
                ["operator"] = c.Operator ?? "contains",
                ["value"] = c.Value,
                ["caseSensitive"] = c.CaseSensitive,
            }).ToList();
            if (tests.Count == 0)
            {
                errors["conditions"] = "Give the rule at least one condition: pick a field, how to compare and a value.";
            }

            condition = tests.Count == 1 ? tests[0] : new JsonObject { ["type"] = Match == "any" ? "any" : "all", ["conditions"] = new JsonArray([.. tests]) };
        }

        var actions = new List<object>();
        if (!string.IsNullOrWhiteSpace(SetCategory))
        {
            actions.Add(new { type = "setCategory", value = SetCategory });
        }

        if (!string.IsNullOrWhiteSpace(AddLabel))
        {
            actions.Add(new { type = "addLabel", value = AddLabel.Trim() });
        }

        if (NeedsReply is "set" or "clear")
        {
            actions.Add(new { type = NeedsReply == "set" ? "setNeedsReply" : "clearNeedsReply" });
        }

        if (Stop)
        {
            actions.Add(new { type = "stop" });
        }

        if (actions.Count == 0)
        {
            errors["actions"] = "Choose what the rule does: set a category, add a label or decide whether a reply is needed.";
        }

        return errors.Count > 0 ? (null, errors) : (new { id, name = Name?.Trim() ?? string.Empty, enabled = Enabled, condition, actions }, errors);
    }

    public static string Describe(JsonObject condition)
    {
        var type = condition["type"]?.GetValue<string>();
        switch (type)
        {
            case "field":
                var field = condition["field"]?.GetValue<string>();
                var name = field == "header" ? $"header {condition["header"]?.GetValue<string>()}" : Fields.FirstOrDefault(f => f.Value == field).Text ?? field;
                var op = condition["operator"]?.GetValue<string>();
                var opText = Operators.FirstOrDefault(o => o.Value == op).Text ?? op;
                return op == "exists" ? $"{name} {opText}" : $"{name} {opText} “{condition["value"]?.GetValue<string>()}”";
            case "all" or "any":
                var parts = (condition["conditions"] as JsonArray ?? []).Select(c => Describe(c!.AsObject()));
                return string.Join(type == "all" ? " and " : " or ", parts.Select(p => $"({p})"));
            case "not":
                return "not " + Describe((condition["conditions"] as JsonArray)![0]!.AsObject());
            case "hasAttachment":
                return "has an attachment";
            case "hasCalendarPart":
                return "has a calendar invitation";
            default:
                return type ?? "?";
        }
    }

    public static string Describe(IReadOnlyList<RuleActionInfo> actions) => string.Join(", ", actions.Select(a => a.Type switch
    {
        "setCategory" => $"category {a.Value}",
        "addLabel" => $"label {a.Value}",
        "setNeedsReply" => "needs a reply",
        "clearNeedsReply" => "needs no reply",
        "stop" => "stop",
        var other => other,
    }));

    private static ConditionRow Row(JsonObject test) => new()
    {
        Field = test["field"]?.GetValue<string>(),
        Header = test["header"]?.GetValue<string>(),
        Operator = test["operator"]?.GetValue<string>(),
        Value = test["value"]?.GetValue<string>(),
        CaseSensitive = test["caseSensitive"]?.GetValue<bool>() ?? false,
    };
}
