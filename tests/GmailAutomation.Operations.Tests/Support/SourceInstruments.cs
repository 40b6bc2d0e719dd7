using System.Text.RegularExpressions;

namespace GmailAutomation.Operations.Tests.Support;

/// <summary>An instrument as the code creates it: <c>meter.CreateCounter&lt;long&gt;("email.sync.messages", "{message}", …)</c>.</summary>
internal sealed record SourceInstrument(string Kind, string Name, string? Unit, string File);

/// <summary>
/// Reads every <c>Create…</c> instrument call from the C# sources under <c>services/</c>, so a renamed metric in
/// the code is a renamed metric here, and the monitoring tests fail until the rules and dashboard follow.
/// </summary>
internal static partial class SourceInstruments
{
    private static readonly Lazy<IReadOnlyList<SourceInstrument>> All = new(Read);

    public static IReadOnlyList<SourceInstrument> Instruments => All.Value;

    private static List<SourceInstrument> Read()
    {
        var found = new List<SourceInstrument>();
        var services = Path.Combine(Repository.Root, "services");
        foreach (var file in Directory.EnumerateFiles(services, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Repository.Root, file);
            var segments = relative.Split(Path.DirectorySeparatorChar);
            if (segments.Contains("bin") || segments.Contains("obj"))
            {
                continue;
            }

            var text = File.ReadAllText(file);
            foreach (Match call in CreateCall().Matches(text))
            {
                var arguments = Arguments(text, call.Index + call.Length);
                var literals = StringLiteral().Matches(arguments).Select(m => m.Groups["value"].Value).ToList();
                if (literals.Count == 0)
                {
                    continue;
                }

                var named = NamedUnit().Match(arguments);
                string? unit = named.Success ? named.Groups["value"].Value
                    : NamedArgument().IsMatch(arguments.Split(',', 2).ElementAtOrDefault(1) ?? string.Empty) ? null
                    : literals.ElementAtOrDefault(1);
                found.Add(new SourceInstrument(call.Groups["kind"].Value, literals[0], string.IsNullOrEmpty(unit) ? null : unit, relative));
            }
        }

        return found;
    }

    /// <summary>The text between the call's opening parenthesis and its matching closing one.</summary>
    private static string Arguments(string text, int start)
    {
        var depth = 1;
        for (var i = start; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (depth == 0)
            {
                return text[start..i];
            }
        }

        return text[start..];
    }

    [GeneratedRegex(@"\.Create(?<kind>Counter|UpDownCounter|Histogram|Gauge|ObservableCounter|ObservableUpDownCounter|ObservableGauge)(<[^>()]+>)?\(")]
    private static partial Regex CreateCall();

    [GeneratedRegex("\"(?<value>[^\"]*)\"")]
    private static partial Regex StringLiteral();

    [GeneratedRegex("unit:\\s*\"(?<value>[^\"]*)\"")]
    private static partial Regex NamedUnit();

    [GeneratedRegex(@"^\s*\w+:")]
    private static partial Regex NamedArgument();
}
