using System.Text.RegularExpressions;
using GmailAutomation.ClassificationService.Rules;
using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Classification;

/// <summary>Whether a message needs a reply, and why — the reason is shown to the user and written to the audit log.</summary>
public sealed record NeedsReplyDecision(bool NeedsReply, string Reason);

/// <summary>
/// Decides needs-reply: a rule's decision wins; machine-sent and bulk mail never needs one; otherwise a
/// direct question or request in the new (unquoted) text, addressed to the user, does.
/// </summary>
public static partial class NeedsReplyDecider
{
    private const int MaxScannedChars = 8 * 1024;
    private const int MaxSubjectChars = 998;

    public static NeedsReplyDecision Decide(MessageFeatures message, string category, RuleOutcome? rules, string? userAddress)
    {
        if (rules is { NeedsReply: { } fromRule, NeedsReplyRule: { } rule })
        {
            return new(fromRule, $"rule '{rule.Name}' {(fromRule ? "asks for" : "rules out")} a reply");
        }

        if (Categories.IsAutomated(category))
        {
            return new(false, $"{category.ToLowerInvariant()} mail is automated or bulk");
        }

        if (message.ListId is not null || message.ListUnsubscribe is not null)
        {
            return new(false, "sent through a mailing list");
        }

        if (message.AutoSubmitted is { } auto && !auto.Trim().Equals("no", StringComparison.OrdinalIgnoreCase))
        {
            return new(false, "sent automatically (Auto-Submitted)");
        }

        if (message.Precedence?.Trim().ToLowerInvariant() is "bulk" or "junk" or "list")
        {
            return new(false, $"bulk mail (Precedence: {message.Precedence.Trim()})");
        }

        if (message.From is { } from && NoReplySender().IsMatch(from.Address))
        {
            return new(false, "the sender does not accept replies");
        }

        if (userAddress is { Length: > 0 })
        {
            if (message.From is { } sender && sender.Address.Equals(userAddress, StringComparison.OrdinalIgnoreCase))
            {
                return new(false, "you sent it");
            }

            if (!message.To.Any(a => a.Address.Equals(userAddress, StringComparison.OrdinalIgnoreCase)))
            {
                return new(false, "you are not a direct (To) recipient");
            }
        }

        if (message.HasCalendarPart)
        {
            return new(true, "an invitation that awaits your answer");
        }

        var newText = NewText(message.BodyText);
        if (FindRequest(message.Subject, newText) is { } request)
        {
            return new(true, $"a direct question or request to you: \"{request}\"");
        }

        return new(false, "no question or request to you");
    }

    /// <summary>The part of the body the sender wrote now: stops at the quoted history and skips '&gt;' lines.</summary>
    public static string NewText(string body)
    {
        var text = body.Length > MaxScannedChars ? body[..MaxScannedChars] : body;
        try
        {
            var cut = QuotedHistory().Match(text);
            if (cut.Success)
            {
                text = text[..cut.Index];
            }

            return QuotedLine().Replace(text, string.Empty);
        }
        catch (RegexMatchTimeoutException)
        {
            // Too slow to split: the whole (capped) text counts as new.
            return text;
        }
    }

    private static string? FindRequest(string subject, string text)
    {
        // A real subject is one line; a 100 kB one is an attack or a broken message, and only its start is read.
        var subjectLine = subject.Length > MaxSubjectChars ? subject[..MaxSubjectChars] : subject;
        foreach (var source in (ReadOnlySpan<string>)[text, subjectLine])
        {
            try
            {
                var match = Question().Match(source);
                if (match.Success)
                {
                    return Snippet(match.Value);
                }

                match = Request().Match(source);
                if (match.Success)
                {
                    return Snippet(match.Value);
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // Text built to be slow to scan: no request is read from it, and the message still gets its decision.
            }
        }

        return null;
    }

    private static string Snippet(string value)
    {
        var oneLine = Whitespace().Replace(value, " ").Trim();
        return oneLine.Length <= 80 ? oneLine : oneLine[..77] + "...";
    }

    [GeneratedRegex(@"^(no-?reply|do-?not-?reply|donotreply|mailer-daemon|postmaster|bounces?)([+.\-_][^@]*)?@", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NoReplySender();

    // A sentence of a few words that ends in a question mark (not a URL query string).
    [GeneratedRegex(@"[A-Za-z][^.!?\n]{6,160}\?(?=\s|$)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex Question();

    [GeneratedRegex(@"\b(please (let me know|confirm|advise|reply|respond|review|send|call|get back)|let me know|could you|can you|would you|will you|are you able|rsvp|your (thoughts|feedback|approval|input))\b[^.!?\n]{0,120}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex Request();

    [GeneratedRegex(@"^(-{2,}\s*Original Message\s*-{2,}|On .{1,200} wrote:\s*$|_{10,}\s*$|From:\s.+\n(Sent|Date):)", RegexOptions.Multiline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex QuotedHistory();

    [GeneratedRegex(@"^\s*>.*$", RegexOptions.Multiline, matchTimeoutMilliseconds: 200)]
    private static partial Regex QuotedLine();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
