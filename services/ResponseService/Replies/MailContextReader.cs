using System.Net;
using GmailAutomation.GmailClient;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.MailParsing;
using GmailAutomation.ResponseService.Ai;
using GmailAutomation.ResponseService.Data;
using Microsoft.Extensions.Options;
using MimeKit;

namespace GmailAutomation.ResponseService.Replies;

/// <summary>
/// Reads what a reply needs from Gmail through the shared client (quota bucket, retries, tokens): the message itself
/// as <c>format=raw</c> (5 units) parsed by MailParsing, and — only when it answers an earlier message — the thread
/// as <c>format=metadata</c> with snippets (10 units) for context. Text is cut to <c>Ai:MaxMessageChars</c> and
/// <c>Ai:MaxThreadChars</c>.
/// </summary>
public sealed class MailContextReader(GmailApiClient gmail, IOptionsMonitor<AiOptions> options)
{
    private static readonly string[] ThreadHeaders = ["From", "To", "Cc", "Reply-To", "Date"];

    /// <summary>The context for <paramref name="messageId"/>, or null when the message no longer exists.</summary>
    public async Task<ReplyContext?> ReadAsync(ReplyAccount account, string messageId, string threadId, string category, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        GmailMessage message;
        try
        {
            message = await gmail.GetMessageAsync(account.EmailAddress, messageId, MessageFormat.Raw, cancellationToken: cancellationToken);
        }
        catch (GmailNotFoundException)
        {
            return null;
        }

        var mail = MessageFeatureExtractor.FromBytes(message.Raw ?? [], new MessageFeatureLimits { MaxBodyChars = settings.MaxMessageChars });
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var box in new[] { mail.From }.Concat(mail.To).Concat(mail.Cc).Concat(mail.ReplyTo))
        {
            if (box is not null)
            {
                known.Add(box.Address);
            }
        }

        var thread = new List<ThreadMessage>();
        var answersEarlierMail = mail.Header("In-Reply-To") is not null || mail.Header("References") is not null;
        if (answersEarlierMail && settings.MaxThreadMessages > 0 && settings.MaxThreadChars > 0)
        {
            thread = await ReadThreadAsync(account.EmailAddress, threadId ?? message.ThreadId ?? messageId, messageId, known, settings, cancellationToken);
        }

        var body = mail.BodyText.Length > 0 ? mail.BodyText : WebUtility.HtmlDecode(message.Snippet ?? string.Empty);
        var detected = LanguageDetector.Detect(mail.Subject + "\n" + body);
        var replyLanguage = LanguageDetector.Primary(account.Language) ?? detected;
        return new ReplyContext
        {
            AccountId = account.Id,
            GmailMessageId = messageId,
            ThreadId = message.ThreadId ?? threadId ?? messageId,
            AccountEmail = account.EmailAddress,
            Category = category,
            SenderName = mail.From?.Name,
            SenderAddress = (mail.ReplyTo.FirstOrDefault() ?? mail.From)?.Address,
            Subject = mail.Subject,
            BodyText = body.Length > settings.MaxMessageChars ? body[..settings.MaxMessageChars] : body,
            Thread = thread,
            KnownAddresses = known,
            DetectedLanguage = detected,
            ReplyLanguage = replyLanguage,
            Tone = account.Tone,
            Signature = account.Signature,
            ProposedTimes = ProposedTimes.Find(mail.Subject + "\n" + body),
        };
    }

    private async Task<List<ThreadMessage>> ReadThreadAsync(
        string account, string threadId, string messageId, HashSet<string> known, AiOptions settings, CancellationToken cancellationToken)
    {
        GmailThread thread;
        try
        {
            thread = await gmail.GetThreadAsync(account, threadId, MessageFormat.Metadata, ThreadHeaders, cancellationToken);
        }
        catch (GmailNotFoundException)
        {
            return [];
        }

        // Newest earlier messages first, until the budget is spent; then back to oldest-first order.
        var earlier = (thread.Messages ?? []).Where(m => m.Id != messageId && m.LabelIds?.Contains("DRAFT") != true).ToList();
        var picked = new List<ThreadMessage>();
        var budget = settings.MaxThreadChars;
        foreach (var message in Enumerable.Reverse(earlier).Take(settings.MaxThreadMessages))
        {
            foreach (var name in ThreadHeaders.Take(4))
            {
                if (message.Header(name) is { } value && InternetAddressList.TryParse(value, out var list))
                {
                    foreach (var mailbox in list.Mailboxes)
                    {
                        known.Add(mailbox.Address);
                    }
                }
            }

            var text = WebUtility.HtmlDecode(message.Snippet ?? string.Empty).Trim();
            if (budget <= 0)
            {
                break;
            }

            if (text.Length > budget)
            {
                text = text[..budget];
            }

            budget -= text.Length;
            picked.Add(new ThreadMessage(message.Header("From"), message.InternalDateTime, text));
        }

        picked.Reverse();
        return picked;
    }
}
