using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace GmailAutomation.Operations.Tests.Support;

/// <summary>An alerting or recording rule of alerts.rules.yml.</summary>
internal sealed record Rule(string Group, string? Alert, string? Record, string Expression, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations)
{
    public string Name => Alert ?? Record ?? "?";
}

/// <summary>The checked-in monitoring files, read as data.</summary>
internal static class MonitoringFiles
{
    public static IReadOnlyList<Rule> Rules()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Repository.MonitoringFile("alerts.rules.yml")))
        {
            yaml.Load(reader);
        }

        var rules = new List<Rule>();
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        foreach (var group in (YamlSequenceNode)root["groups"])
        {
            var groupNode = (YamlMappingNode)group;
            var groupName = Scalar(groupNode, "name") ?? string.Empty;
            foreach (var rule in (YamlSequenceNode)groupNode["rules"])
            {
                var node = (YamlMappingNode)rule;
                rules.Add(new Rule(groupName, Scalar(node, "alert"), Scalar(node, "record"), Scalar(node, "expr") ?? string.Empty, Map(node, "labels"), Map(node, "annotations")));
            }
        }

        return rules;
    }

    public static JsonDocument Dashboard() =>
        JsonDocument.Parse(File.ReadAllText(Repository.MonitoringFile("grafana", "dashboards", "gmail-automation.json")));

    /// <summary>Every PromQL expression of the dashboard: panel targets and query variables.</summary>
    public static IEnumerable<(string Where, string Expression)> DashboardExpressions(JsonDocument dashboard)
    {
        foreach (var panel in Panels(dashboard.RootElement))
        {
            if (panel.TryGetProperty("targets", out var targets))
            {
                foreach (var target in targets.EnumerateArray())
                {
                    yield return ($"panel '{panel.GetProperty("title").GetString()}'", target.GetProperty("expr").GetString() ?? string.Empty);
                }
            }
        }

        foreach (var variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (variable.GetProperty("type").GetString() == "query")
            {
                var query = variable.GetProperty("query");
                var text = query.ValueKind == JsonValueKind.Object ? query.GetProperty("query").GetString() : query.GetString();
                // label_values(selector, label): the selector is PromQL.
                var inner = text is not null && text.StartsWith("label_values(", StringComparison.Ordinal)
                    ? text["label_values(".Length..text.LastIndexOf(',')]
                    : text ?? string.Empty;
                yield return ($"variable '{variable.GetProperty("name").GetString()}'", inner);
            }
        }
    }

    /// <summary>Panels at the top level and inside collapsed rows.</summary>
    public static IEnumerable<JsonElement> Panels(JsonElement dashboard)
    {
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var child in nested.EnumerateArray())
                {
                    yield return child;
                }
            }
        }
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static Dictionary<string, string> Map(YamlMappingNode node, string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlMappingNode map)
        {
            foreach (var (k, v) in map.Children)
            {
                result[((YamlScalarNode)k).Value!] = ((YamlScalarNode)v).Value ?? string.Empty;
            }
        }

        return result;
    }
}
