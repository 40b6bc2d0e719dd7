using System.Globalization;
using System.Runtime.CompilerServices;
using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Learning;

/// <summary>
/// Turns a message into the sparse feature vector the model reads, by feature hashing in one pass over
/// the text (no MIME re-parsing, no per-token strings). Three blocks, each scaled to unit length:
/// <list type="bullet">
/// <item>words: subject words, body words (first <see cref="PipelineParameters.MaxBodyChars"/>) and word
/// pairs, lower-cased, letters and digits only;</item>
/// <item>character n-grams of subject + body (first <see cref="PipelineParameters.MaxHeadChars"/>);</item>
/// <item>header/structure tokens: sender domain and TLD, recipients, reply-to, subject shape, list and
/// automation headers, attachments, calendar part, body length, link/money/shouting counts, malformed
/// parts, HTML-only; from a raw message also every header name, words of selected header values and the
/// Received-hop count.</item>
/// </list>
/// The same code featurizes for training, evaluation and the running service.
/// </summary>
public sealed class MessageVectorizer
{
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;
    private const ulong SubjectSeed = 0x5ab1ec7;
    private const ulong BodySeed = 0xb0d7;
    private const ulong PairSeed = 0x9a12;
    private const ulong CharSeed = 0xc4a2;

    private static readonly string[] ValueHeaders =
    [
        "X-Mailer", "User-Agent", "Content-Type", "Message-ID", "X-Priority", "X-MSMail-Priority", "MIME-Version",
        "Content-Transfer-Encoding", "X-MimeOLE", "Importance", "Organization",
    ];

    private readonly PipelineParameters _p;
    private readonly int _wordMask;
    private readonly int _charMask;
    private readonly int _charOffset;
    private readonly int _metaMask;
    private readonly int _metaOffset;

    public MessageVectorizer(PipelineParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        _p = parameters;
        _wordMask = (1 << parameters.WordHashBits) - 1;
        _charOffset = 1 << parameters.WordHashBits;
        _charMask = parameters.CharHashBits == 0 ? 0 : (1 << parameters.CharHashBits) - 1;
        _metaOffset = _charOffset + (parameters.CharHashBits == 0 ? 0 : 1 << parameters.CharHashBits);
        _metaMask = (1 << parameters.MetaHashBits) - 1;
        Dimension = _metaOffset + (1 << parameters.MetaHashBits);
    }

    public int Dimension { get; }

    public PipelineParameters Parameters => _p;

    /// <summary>Adds the message's features to an empty <paramref name="buffer"/> of <see cref="Dimension"/>.</summary>
    public void Vectorize(MessageFeatures message, FeatureBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(buffer);
        var subject = message.Subject.AsSpan();
        var body = message.BodyText.AsSpan(0, Math.Min(message.BodyText.Length, _p.MaxBodyChars));

        var start = buffer.Count;
        Words(subject, SubjectSeed, buffer);
        Words(body, BodySeed, buffer);
        buffer.NormalizeGroup(start, _p.SublinearCounts, unitLength: true);

        if (_charMask != 0)
        {
            start = buffer.Count;
            CharGrams(subject, body, buffer);
            buffer.NormalizeGroup(start, _p.SublinearCounts, unitLength: true);
        }

        start = buffer.Count;
        new MetaWriter(this, buffer).Write(message, body);
        buffer.NormalizeGroup(start, sublinear: false, _p.NormalizeMeta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong h)
    {
        // splitmix64 finaliser: spreads FNV's weak low bits over the whole word.
        h ^= h >> 30;
        h *= 0xbf58476d1ce4e5b9;
        h ^= h >> 27;
        h *= 0x94d049bb133111eb;
        h ^= h >> 31;
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static char Fold(char c) => c < 128 ? (char)(c | (c is >= 'A' and <= 'Z' ? 0x20 : 0)) : char.ToLowerInvariant(c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsWordChar(char c) => c < 128 ? char.IsAsciiLetterOrDigit(c) : char.IsLetterOrDigit(c);

    private void Words(ReadOnlySpan<char> text, ulong seed, FeatureBuffer buffer)
    {
        var pairs = _p.WordNgramLength >= 2;
        ulong previous = 0;
        ulong hash = FnvOffset;
        var length = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            var c = i < text.Length ? text[i] : ' ';
            if (IsWordChar(c))
            {
                hash = (hash ^ Fold(c)) * FnvPrime;
                length++;
                continue;
            }

            if (c == '\'' || length == 0)
            {
                // "don't" is one word; runs of separators make no empty words.
                continue;
            }

            buffer.Add((int)(Mix(hash ^ seed) & (ulong)_wordMask));
            if (pairs && previous != 0)
            {
                buffer.Add((int)(Mix((previous * 31) ^ hash ^ PairSeed ^ seed) & (ulong)_wordMask));
            }

            previous = hash;
            hash = FnvOffset;
            length = 0;
        }
    }

    private void CharGrams(ReadOnlySpan<char> subject, ReadOnlySpan<char> body, FeatureBuffer buffer)
    {
        var n = _p.CharNgramLength;
        var keep = n == 4 ? ulong.MaxValue : (1UL << (16 * n)) - 1;
        ulong window = ' ';
        var filled = 1;
        var budget = _p.MaxHeadChars;
        var lastWasSpace = true;

        void Feed(ReadOnlySpan<char> text, ref ulong window, ref int filled, ref int budget, ref bool lastWasSpace)
        {
            foreach (var raw in text)
            {
                if (budget-- <= 0)
                {
                    return;
                }

                char c;
                if (IsWordChar(raw))
                {
                    c = Fold(raw);
                    lastWasSpace = false;
                }
                else if (lastWasSpace)
                {
                    continue;
                }
                else
                {
                    c = ' ';
                    lastWasSpace = true;
                }

                window = ((window << 16) | c) & keep;
                if (++filled >= n)
                {
                    buffer.Add(_charOffset + (int)(Mix(window ^ CharSeed) & (ulong)_charMask));
                }
            }
        }

        Feed(subject, ref window, ref filled, ref budget, ref lastWasSpace);
        Feed(" ", ref window, ref filled, ref budget, ref lastWasSpace);
        Feed(body, ref window, ref filled, ref budget, ref lastWasSpace);
        if (!lastWasSpace)
        {
            window = ((window << 16) | ' ') & keep;
            if (++filled >= n)
            {
                buffer.Add(_charOffset + (int)(Mix(window ^ CharSeed) & (ulong)_charMask));
            }
        }
    }

    /// <summary>Hashes "name" or "name=value" tokens straight into the meta block.</summary>
    private readonly ref struct MetaWriter(MessageVectorizer owner, FeatureBuffer buffer)
    {
        private void Add(ReadOnlySpan<char> name, ReadOnlySpan<char> value = default)
        {
            var hash = FnvOffset;
            foreach (var c in name)
            {
                hash = (hash ^ c) * FnvPrime;
            }

            hash = (hash ^ '=') * FnvPrime;
            foreach (var c in value)
            {
                hash = (hash ^ Fold(c)) * FnvPrime;
            }

            buffer.Add(owner._metaOffset + (int)(Mix(hash) & (ulong)owner._metaMask));
        }

        private void Add(ReadOnlySpan<char> name, int value, params ReadOnlySpan<int> bounds)
        {
            Span<char> digits = stackalloc char[12];
            var bucket = 0;
            for (var i = bounds.Length - 1; i >= 0; i--)
            {
                if (value >= bounds[i])
                {
                    bucket = bounds[i];
                    break;
                }
            }

            bucket.TryFormat(digits, out var written, provider: CultureInfo.InvariantCulture);
            Add(name, digits[..written]);
        }

        public void Write(MessageFeatures message, ReadOnlySpan<char> body)
        {
            if (message.From is { } from)
            {
                var domain = from.Domain.AsSpan();
                Add("fromdomain", domain);
                var dot = domain.LastIndexOf('.');
                Add("fromtld", dot >= 0 ? domain[(dot + 1)..] : "none");
                Add(from.Name is null ? "fromname_none" : "fromname_yes");
                var local = from.LocalPart.AsSpan();
                Add("fromlocal_digits", local.IndexOfAnyInRange('0', '9') >= 0 ? "yes" : "no");
                Add("fromlocal_len", local.Length, 0, 4, 8, 12, 20);
                foreach (var to in message.To)
                {
                    if (to.Domain.Equals(from.Domain, StringComparison.OrdinalIgnoreCase))
                    {
                        Add("samedomain");
                        break;
                    }
                }

                if (message.ReplyTo.Count > 0 && !message.ReplyTo.Any(r => r.Address == from.Address))
                {
                    Add("replyto_other");
                }
            }
            else
            {
                Add("from_none");
            }

            Add("to", message.To.Count, 0, 1, 2, 5, 20);
            for (var i = 0; i < message.To.Count && i < 3; i++)
            {
                Add("todomain", message.To[i].Domain);
            }

            Add("cc", message.Cc.Count, 0, 1, 2, 5, 20);

            var subject = message.Subject.AsSpan().TrimStart();
            if (subject.StartsWith("re:", StringComparison.OrdinalIgnoreCase))
            {
                Add("subj_reply");
            }

            if (subject.StartsWith("fw", StringComparison.OrdinalIgnoreCase))
            {
                Add("subj_forward");
            }

            if (subject.IsEmpty)
            {
                Add("subj_empty");
            }
            else
            {
                int letters = 0, upper = 0;
                foreach (var c in subject)
                {
                    if (char.IsLetter(c))
                    {
                        letters++;
                        upper += char.IsUpper(c) ? 1 : 0;
                    }
                }

                if (letters > 5 && upper * 10 > letters * 7)
                {
                    Add("subj_caps");
                }
            }

            if (subject.Contains('!'))
            {
                Add("subj_bang");
            }

            if (subject.IndexOfAny('$', '%') >= 0)
            {
                Add("subj_money");
            }

            if (subject.IndexOfAnyInRange('0', '9') >= 0)
            {
                Add("subj_digits");
            }

            if (message.ListId is not null)
            {
                Add("hdr_listid");
            }

            if (message.ListUnsubscribe is not null)
            {
                Add("hdr_unsubscribe");
            }

            if (message.AutoSubmitted is { } auto && !auto.AsSpan().Trim().Equals("no", StringComparison.OrdinalIgnoreCase))
            {
                Add("hdr_autosubmitted");
            }

            if (message.Precedence is { } precedence)
            {
                Add("precedence", precedence.AsSpan().Trim());
            }

            Add("attach", message.AttachmentCount, 0, 1, 2, 5);
            if (message.HasCalendarPart)
            {
                Add("calendar");
            }

            Add("bodylen", message.BodyText.Length, 0, 200, 1000, 3000, 10000);
            foreach (var kind in message.MalformedParts)
            {
                Add("malformed", kind);
            }

            if (message.BodyFromHtml)
            {
                Add("html_only");
            }

            if (message.BodyTruncated)
            {
                Add("body_truncated");
            }

            BodyShape(message.BodyText.AsSpan(), body);
            Headers(message);
        }

        /// <summary>Links, money, shouting and exclamation density: what bulk and spam mail look like.</summary>
        private void BodyShape(ReadOnlySpan<char> fullBody, ReadOnlySpan<char> body)
        {
            var links = Count(fullBody, "http://") + Count(fullBody, "https://") + Count(fullBody, "www.");
            Add("links", links, 0, 1, 2, 4, 8, 16);
            Add("mailto", Count(fullBody, "mailto:"), 0, 1, 3);
            int letters = 0, upper = 0, bangs = 0, money = 0, digits = 0;
            foreach (var c in body)
            {
                if (c < 128)
                {
                    if (char.IsAsciiLetter(c))
                    {
                        letters++;
                        upper += char.IsAsciiLetterUpper(c) ? 1 : 0;
                    }
                    else if (char.IsAsciiDigit(c))
                    {
                        digits++;
                    }
                    else if (c == '!')
                    {
                        bangs++;
                    }
                    else if (c == '$')
                    {
                        money++;
                    }
                }
                else if (char.IsLetter(c))
                {
                    letters++;
                }
            }

            if (letters > 0)
            {
                Add("body_upper_pct", upper * 100 / letters, 0, 5, 10, 20, 40);
                Add("body_digit_pct", digits * 100 / (letters + digits), 0, 2, 5, 10, 20);
            }

            Add("body_bangs", bangs, 0, 1, 3, 10);
            Add("body_dollars", money, 0, 1, 3, 10);
        }

        /// <summary>The relaying hosts' domains ("from x.example.com … by y.example.org"): where bulk mail comes from.</summary>
        private void Relay(string received)
        {
            var span = received.AsSpan();
            foreach (var (keyword, token) in (ReadOnlySpan<(string, string)>)[("from ", "rcvd_from"), ("by ", "rcvd_by")])
            {
                var at = span.IndexOf(keyword, StringComparison.OrdinalIgnoreCase);
                if (at < 0)
                {
                    continue;
                }

                var host = span[(at + keyword.Length)..].TrimStart();
                var end = host.IndexOfAny(" ;()[]\t\r\n");
                host = end >= 0 ? host[..end] : host;
                if (!host.IsEmpty)
                {
                    Add(token, Domain(host));
                }
            }
        }

        /// <summary>The last two labels of a host name ("mail.lists.example.com" → "example.com").</summary>
        private static ReadOnlySpan<char> Domain(ReadOnlySpan<char> host)
        {
            var last = host.LastIndexOf('.');
            if (last <= 0)
            {
                return host;
            }

            var previous = host[..last].LastIndexOf('.');
            return previous >= 0 ? host[(previous + 1)..] : host;
        }

        private static int Count(ReadOnlySpan<char> text, string what)
        {
            var count = 0;
            int at;
            while ((at = text.IndexOf(what, StringComparison.OrdinalIgnoreCase)) >= 0 && count < 64)
            {
                count++;
                text = text[(at + what.Length)..];
            }

            return count;
        }

        /// <summary>
        /// Features built from a raw message carry every header: their names, the mailer and the relay count
        /// say a lot about bulk senders. (Features built from a sync event carry only a few headers.)
        /// </summary>
        private void Headers(MessageFeatures message)
        {
            if (message.Headers.Count == 0)
            {
                return;
            }

            Span<char> name = stackalloc char[40];
            var received = 0;
            foreach (var (header, values) in message.Headers)
            {
                if (header.Equals("Received", StringComparison.OrdinalIgnoreCase))
                {
                    received = values.Count;
                    if (owner._p.HeaderValueTokens)
                    {
                        for (var i = 0; i < values.Count && i < 4; i++)
                        {
                            Relay(values[i]);
                        }
                    }

                    continue;
                }

                var length = Math.Min(header.Length, name.Length);
                for (var i = 0; i < length; i++)
                {
                    name[i] = Fold(header[i]);
                }

                Add("h", name[..length]);
            }

            Add("received", received, 0, 1, 2, 4, 6, 8);
            if (!owner._p.HeaderValueTokens)
            {
                return;
            }

            Span<char> key = stackalloc char[48];

            if (message.Header("Return-Path") is { } returnPath)
            {
                var at = returnPath.LastIndexOf('@');
                var domain = at >= 0 ? returnPath.AsSpan(at + 1).TrimEnd("> \t") : [];
                Add("returnpath", message.From is { } sender && domain.Equals(sender.Domain, StringComparison.OrdinalIgnoreCase) ? "same" : "other");
                Add("returnpath_domain", Domain(domain));
            }

            foreach (var header in ValueHeaders)
            {
                if (message.Header(header) is not { } value)
                {
                    continue;
                }

                var span = value.AsSpan();
                if (header == "Message-ID")
                {
                    // Only the host part: the rest is unique per message.
                    var at = span.LastIndexOf('@');
                    span = at >= 0 ? span[(at + 1)..].TrimEnd('>') : [];
                    var dot = span.LastIndexOf('.');
                    Add("msgid_tld", dot >= 0 ? span[(dot + 1)..] : "none");
                    continue;
                }

                var words = 0;
                foreach (var range in span.SplitAny(" /();,=\"\t"))
                {
                    var word = span[range];
                    if (word.IsEmpty)
                    {
                        continue;
                    }

                    var written = 0;
                    foreach (var c in header)
                    {
                        if (written < key.Length)
                        {
                            key[written++] = Fold(c);
                        }
                    }

                    Add(key[..written], word.Length > 24 ? word[..24] : word);
                    if (++words == 4)
                    {
                        break;
                    }
                }
            }
        }
    }
}
