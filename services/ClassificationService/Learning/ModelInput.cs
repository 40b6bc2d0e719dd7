using System.Text;
using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Learning;

/// <summary>One row the model sees: free text, header/structure signal tokens, the label and its training weight.</summary>
public sealed class ModelInput
{
    public string Text { get; set; } = string.Empty;

    /// <summary>Subject and the start of the body: the input of the character n-grams.</summary>
    public string Head { get; set; } = string.Empty;

    public string Meta { get; set; } = string.Empty;

    public string Label { get; set; } = string.Empty;

    public float Weight { get; set; } = 1;

    /// <summary>Characters of body text the model reads; the start of a message carries its genre.</summary>
    public const int MaxBodyChars = 3000;

    /// <summary>Characters of subject + body that feed the character n-grams.</summary>
    public const int MaxHeadChars = 1500;

    /// <summary>
    /// Turns message features into model input. Only signals that the sync event also carries are used
    /// (addresses, subject, body text, list/auto/precedence headers, attachments), so the model sees the
    /// same thing whether it classifies a raw message or an <c>EmailReceived</c> event.
    /// </summary>
    public static ModelInput From(MessageFeatures message, string label = "")
    {
        var body = message.BodyText.Length > MaxBodyChars ? message.BodyText[..MaxBodyChars] : message.BodyText;
        return new ModelInput
        {
            // The subject twice: it is short and says more per word than the body.
            Text = string.Concat(message.Subject, "\n", message.Subject, "\n", body),
            Head = HeadOf(message.Subject, body),
            Meta = MetaTokens(message),
            Label = label,
        };
    }

    private static string HeadOf(string subject, string body)
    {
        var head = string.Concat(subject, "\n", body);
        return head.Length > MaxHeadChars ? head[..MaxHeadChars] : head;
    }

    private static string MetaTokens(MessageFeatures message)
    {
        var tokens = new StringBuilder(256);
        void Add(string token) => tokens.Append(token).Append(' ');

        if (message.From is { } from)
        {
            var domain = from.Domain.Replace('.', '_').Replace('-', '_');
            Add("fromdomain_" + domain);
            var dot = from.Domain.LastIndexOf('.');
            Add("fromtld_" + (dot >= 0 ? from.Domain[(dot + 1)..] : "none"));
            Add(from.Name is null ? "fromname_none" : "fromname_yes");
            if (message.To.Any(t => t.Domain.Equals(from.Domain, StringComparison.OrdinalIgnoreCase)))
            {
                Add("samedomain");
            }
        }
        else
        {
            Add("from_none");
        }

        Add("to_" + Bucket(message.To.Count, 0, 1, 2, 5, 20));
        Add("cc_" + Bucket(message.Cc.Count, 0, 1, 2, 5, 20));
        if (message.ReplyTo.Count > 0 && message.From is { } sender && !message.ReplyTo.Any(r => r.Address == sender.Address))
        {
            Add("replyto_other");
        }

        var subject = message.Subject.TrimStart();
        if (subject.StartsWith("re:", StringComparison.OrdinalIgnoreCase))
        {
            Add("subj_reply");
        }

        if (subject.StartsWith("fw", StringComparison.OrdinalIgnoreCase))
        {
            Add("subj_forward");
        }

        if (subject.Length == 0)
        {
            Add("subj_empty");
        }
        else if (subject.Count(char.IsLetter) is var letters and > 5 && subject.Count(char.IsUpper) * 10 > letters * 7)
        {
            Add("subj_caps");
        }

        if (subject.Contains('!', StringComparison.Ordinal))
        {
            Add("subj_bang");
        }

        if (subject.Contains('$', StringComparison.Ordinal) || subject.Contains('%', StringComparison.Ordinal))
        {
            Add("subj_money");
        }

        if (message.ListId is not null)
        {
            Add("hdr_listid");
        }

        if (message.ListUnsubscribe is not null)
        {
            Add("hdr_unsubscribe");
        }

        if (message.AutoSubmitted is { } auto && !auto.Trim().Equals("no", StringComparison.OrdinalIgnoreCase))
        {
            Add("hdr_autosubmitted");
        }

        if (message.Precedence is { } precedence)
        {
            Add("precedence_" + precedence.Trim().ToLowerInvariant());
        }

        Add("attach_" + Bucket(message.AttachmentCount, 0, 1, 2, 5));
        if (message.HasCalendarPart)
        {
            Add("calendar");
        }

        Add("bodylen_" + Bucket(message.BodyText.Length, 0, 200, 1000, 3000, 10000));
        foreach (var kind in message.MalformedParts)
        {
            Add("malformed_" + kind.Replace('-', '_'));
        }

        if (message.BodyFromHtml)
        {
            Add("html_only");
        }

        // Features built from a raw message carry every header: their names, the mailer and the relay
        // count say a lot about bulk senders. (Features built from a sync event carry only a few headers.)
        var received = 0;
        foreach (var (name, values) in message.Headers)
        {
            if (name.Equals("Received", StringComparison.OrdinalIgnoreCase))
            {
                received = values.Count;
                continue;
            }

            Add("h_" + Token(name));
            if (name.Equals("X-Mailer", StringComparison.OrdinalIgnoreCase) || name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var word in values[0].Split([' ', '/', '(', ')', ';', ','], StringSplitOptions.RemoveEmptyEntries).Take(3))
                {
                    Add("mailer_" + Token(word));
                }
            }
        }

        if (message.Headers.Count > 0)
        {
            Add("received_" + Bucket(received, 0, 1, 2, 4, 6, 8));
        }

        return tokens.ToString();
    }

    private static string Token(string text)
    {
        Span<char> buffer = stackalloc char[Math.Min(text.Length, 40)];
        for (var i = 0; i < buffer.Length; i++)
        {
            var c = char.ToLowerInvariant(text[i]);
            buffer[i] = char.IsAsciiLetterOrDigit(c) ? c : '_';
        }

        return new string(buffer);
    }

    private static string Bucket(int value, params int[] bounds)
    {
        for (var i = bounds.Length - 1; i >= 0; i--)
        {
            if (value >= bounds[i])
            {
                return bounds[i].ToString(System.Globalization.CultureInfo.InvariantCulture) + (i == bounds.Length - 1 ? "plus" : string.Empty);
            }
        }

        return "0";
    }
}

/// <summary>What the model answers.</summary>
public sealed class ModelOutput
{
    public string PredictedLabel { get; set; } = string.Empty;

    public float[] Score { get; set; } = [];
}
