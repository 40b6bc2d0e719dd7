using System.Text.RegularExpressions;
using GmailAutomation.ResponseService.Replies;

namespace GmailAutomation.ResponseService.Ai;

/// <summary>
/// Checks a provider's reply before it goes on: not empty, not too long, no e-mail address that is not already in
/// the conversation (or the signature), no header lines that could smuggle recipients or a subject into the draft,
/// and nothing of the prompt's untrusted-data markers.
/// </summary>
public static partial class ReplyValidator
{
    /// <summary>Line endings normalised, surrounding white space trimmed, and the signature appended if the model left it out.</summary>
    public static string Normalize(string? text, string? signature)
    {
        var reply = (text ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Trim();
        if (reply.Length > 0 && signature is { Length: > 0 } && !reply.Contains(signature.Trim(), StringComparison.Ordinal))
        {
            reply += "\n\n" + signature.Trim();
        }

        return reply;
    }

    /// <summary>Null when the reply is acceptable, else why not (for the record and the fallback reason).</summary>
    public static string? Problem(string reply, ReplyContext context, int maxChars)
    {
        if (string.IsNullOrWhiteSpace(reply))
        {
            return "empty reply";
        }

        if (reply.Length > maxChars)
        {
            return $"reply too long ({reply.Length} > {maxChars} characters)";
        }

        if (HeaderLine().IsMatch(reply))
        {
            return "reply contains a header line";
        }

        if (reply.Contains("UNTRUSTED-EMAIL", StringComparison.OrdinalIgnoreCase))
        {
            return "reply repeats the prompt's markers";
        }

        var allowed = new HashSet<string>(context.KnownAddresses, StringComparer.OrdinalIgnoreCase) { context.AccountEmail };
        foreach (Match match in Address().Matches(context.Signature ?? string.Empty))
        {
            allowed.Add(match.Value.TrimEnd('.'));
        }

        foreach (Match match in Address().Matches(reply))
        {
            if (!allowed.Contains(match.Value.TrimEnd('.')))
            {
                return "reply mentions an address that is not in the conversation";
            }
        }

        return null;
    }

    [GeneratedRegex(@"^[ \t]*(subject|to|cc|bcc|from|reply-to|sender|content-type|content-transfer-encoding|mime-version|return-path|message-id|in-reply-to|references)[ \t]*:", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex HeaderLine();

    [GeneratedRegex(@"[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")]
    private static partial Regex Address();
}
