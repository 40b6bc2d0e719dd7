namespace GmailAutomation.MailParsing;

/// <summary>An address of a message header, lower-cased address plus the display name.</summary>
public sealed record Mailbox(string Address, string? Name = null)
{
    /// <summary>The part after the <c>@</c> (empty when there is none).</summary>
    public string Domain => Address.LastIndexOf('@') is var at and >= 0 ? Address[(at + 1)..] : string.Empty;

    /// <summary>The part before the <c>@</c>.</summary>
    public string LocalPart => Address.LastIndexOf('@') is var at and >= 0 ? Address[..at] : Address;

    public override string ToString() => Name is { Length: > 0 } ? $"{Name} <{Address}>" : Address;
}

/// <summary>
/// What a rule or a model sees of one message: the addresses, subject, plain-text body, every header
/// and the signals derived from the MIME structure. Built from a raw message by
/// <see cref="MessageFeatureExtractor"/> or from a sync event by the consuming service.
/// </summary>
public sealed class MessageFeatures
{
    private readonly Dictionary<string, List<string>> _headers = new(StringComparer.OrdinalIgnoreCase);

    public Mailbox? From { get; init; }

    public IReadOnlyList<Mailbox> To { get; init; } = [];

    public IReadOnlyList<Mailbox> Cc { get; init; } = [];

    public IReadOnlyList<Mailbox> ReplyTo { get; init; } = [];

    public string Subject { get; init; } = string.Empty;

    /// <summary>Plain text of the body: text/plain, or text converted from text/html; cut at the extractor's limit.</summary>
    public string BodyText { get; init; } = string.Empty;

    /// <summary>True when <see cref="BodyText"/> was cut at the size limit.</summary>
    public bool BodyTruncated { get; init; }

    /// <summary>True when the text came from an HTML part only.</summary>
    public bool BodyFromHtml { get; init; }

    public int AttachmentCount { get; init; }

    public IReadOnlyList<string> AttachmentNames { get; init; } = [];

    public bool HasAttachment => AttachmentCount > 0;

    /// <summary>A text/calendar part (an invitation or its answer) is present.</summary>
    public bool HasCalendarPart { get; init; }

    /// <summary>Parts that could not be read as they claimed to be (<see cref="MalformedKinds"/>).</summary>
    public IReadOnlyList<string> MalformedParts { get; init; } = [];

    /// <summary>Every header by name (case-insensitive), values decoded, in message order.</summary>
    public IReadOnlyDictionary<string, List<string>> Headers => _headers;

    public string? ListId => Header("List-Id");

    public string? ListUnsubscribe => Header("List-Unsubscribe");

    public string? AutoSubmitted => Header("Auto-Submitted");

    public string? Precedence => Header("Precedence");

    /// <summary>The first value of a header, or null when the message has none.</summary>
    public string? Header(string name) => _headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    /// <summary>Adds a header value; used while the features are built.</summary>
    public MessageFeatures WithHeader(string name, string? value)
    {
        if (value is null || name.Length == 0)
        {
            return this;
        }

        if (!_headers.TryGetValue(name, out var values))
        {
            values = [];
            _headers[name] = values;
        }

        values.Add(value);
        return this;
    }
}

/// <summary>Values of <see cref="MessageFeatures.MalformedParts"/> (the same words the sync event uses).</summary>
public static class MalformedKinds
{
    /// <summary>A header that could not be decoded (bad encoded-word, invalid address list).</summary>
    public const string Header = "header";

    /// <summary>A broken MIME structure (missing boundary, empty multipart, unparseable message).</summary>
    public const string MimeStructure = "mime-structure";

    /// <summary>A body whose charset or transfer encoding was wrong; the text was decoded as well as possible.</summary>
    public const string BodyEncoding = "body-encoding";

    /// <summary>An attachment without a usable name or type.</summary>
    public const string Attachment = "attachment";
}
