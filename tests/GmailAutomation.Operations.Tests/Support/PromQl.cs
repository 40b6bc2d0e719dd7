using System.Text.RegularExpressions;

namespace GmailAutomation.Operations.Tests.Support;

/// <summary>The series names a PromQL expression selects (functions, keywords, label names and values left out).</summary>
internal static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "inf", "nan",
    };

    public static IReadOnlySet<string> SeriesNames(string expression)
    {
        // Strings, label matchers, ranges/durations and grouping label lists hold no series names.
        var text = QuotedString().Replace(expression, " ");
        text = Braces().Replace(text, " {} ");
        text = Brackets().Replace(text, " ");
        text = GroupingClause().Replace(text, " ");
        text = Duration().Replace(text, " ");

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in Identifier().Matches(text))
        {
            var name = match.Groups["name"].Value;
            var next = match.Groups["next"].Value;
            if (Keywords.Contains(name) || next == "(" || name.StartsWith("$__", StringComparison.Ordinal))
            {
                continue;
            }

            names.Add(name);
        }

        return names;
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'")]
    private static partial Regex QuotedString();

    [GeneratedRegex(@"\{[^{}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"\[[^\[\]]*\]")]
    private static partial Regex Brackets();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")]
    private static partial Regex GroupingClause();

    [GeneratedRegex(@"\b\d+(?:ms|s|m|h|d|w|y)\b")]
    private static partial Regex Duration();

    [GeneratedRegex(@"(?<![\w$.:])(?<name>[a-zA-Z_:$][a-zA-Z0-9_:]*)(?<space>\s*)(?<next>\(|)")]
    private static partial Regex Identifier();
}
