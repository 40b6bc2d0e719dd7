using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace GmailAutomation.ClassificationService.Rules;

/// <summary>
/// Compiles each user pattern once and shares it. Patterns run on the non-backtracking engine (linear in
/// the input, so no pattern can blow up); the few constructs it lacks (backreferences, lookarounds,
/// atomic groups) fall back to the backtracking engine, always with a match timeout.
/// </summary>
public sealed class RegexCache(TimeSpan matchTimeout, int capacity = 4096)
{
    private readonly ConcurrentDictionary<(string Pattern, bool CaseSensitive), Regex> _cache = new();

    public TimeSpan MatchTimeout { get; } = matchTimeout;

    public int Count => _cache.Count;

    /// <summary>The compiled pattern; throws <see cref="RegexParseException"/> (with its offset) for a bad one.</summary>
    public Regex Get(string pattern, bool caseSensitive)
    {
        var key = (pattern, caseSensitive);
        if (_cache.TryGetValue(key, out var regex))
        {
            return regex;
        }

        regex = Compile(pattern, caseSensitive, MatchTimeout);
        if (_cache.Count >= capacity)
        {
            // Bounded: a user churning through patterns cannot grow the process without limit.
            _cache.Clear();
        }

        return _cache.GetOrAdd(key, regex);
    }

    /// <summary>True when the pattern runs on the linear-time engine, false when it needs backtracking (timeout-guarded).</summary>
    public static bool IsLinear(Regex regex) => (regex.Options & RegexOptions.NonBacktracking) != 0;

    public static Regex Compile(string pattern, bool caseSensitive, TimeSpan matchTimeout)
    {
        var options = RegexOptions.CultureInvariant | (caseSensitive ? RegexOptions.None : RegexOptions.IgnoreCase);
        try
        {
            return new Regex(pattern, options | RegexOptions.NonBacktracking, matchTimeout);
        }
        catch (NotSupportedException)
        {
            return new Regex(pattern, options, matchTimeout);
        }
    }
}
