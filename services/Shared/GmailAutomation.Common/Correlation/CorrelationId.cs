using System.Diagnostics;

namespace GmailAutomation.Common.Correlation;

/// <summary>
/// The correlation id of the work in progress. It flows with the async context: set once where work
/// enters the system (an HTTP request, an integration event), read wherever work leaves it (responses,
/// outgoing HTTP calls, published events, log scopes).
/// </summary>
public static class CorrelationId
{
    /// <summary>HTTP header and message header that carry the id.</summary>
    public const string HeaderName = "X-Correlation-ID";

    /// <summary>Longest id accepted from outside; longer ones are replaced so logs cannot be flooded.</summary>
    public const int MaxLength = 128;

    private static readonly AsyncLocal<string?> s_current = new();

    /// <summary>The current id, or null outside any correlated work.</summary>
    public static string? Current => s_current.Value;

    /// <summary>Makes <paramref name="id"/> current for the rest of this async flow and returns a scope that restores the previous one.</summary>
    public static IDisposable Begin(string id)
    {
        var previous = s_current.Value;
        s_current.Value = id;
        Activity.Current?.SetTag("correlation.id", id);
        return new Restore(previous);
    }

    /// <summary>A fresh id (32 lowercase hex characters).</summary>
    public static string New() => Guid.NewGuid().ToString("N");

    /// <summary>The current id, or a fresh one when there is none.</summary>
    public static string CurrentOrNew() => Current ?? New();

    /// <summary>
    /// True when <paramref name="candidate"/> can be used as an id as received: non-empty, not too long,
    /// and only visible ASCII without separators that would break headers or log lines.
    /// </summary>
    public static bool IsValid(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate) || candidate.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in candidate)
        {
            var ok = char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/' or '+' or '=';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => s_current.Value = previous;
    }
}
