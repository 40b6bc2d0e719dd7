using System.Globalization;
using System.Text;

namespace GmailAutomation.GmailEmulator.Mailboxes;

/// <summary>Position of a message in Gmail's list order: newest first by internalDate, ties by id.</summary>
public readonly record struct OrderKey(long InternalDate, ulong Id) : IComparable<OrderKey>
{
    /// <summary>Sorts before every real key (the newest possible position).</summary>
    public static readonly OrderKey First = new(long.MaxValue, ulong.MaxValue);

    /// <summary>Sorts after every real key.</summary>
    public static readonly OrderKey Last = new(long.MinValue, 0);

    public int CompareTo(OrderKey other)
    {
        var byDate = other.InternalDate.CompareTo(InternalDate);
        return byDate != 0 ? byDate : other.Id.CompareTo(Id);
    }
}

/// <summary>A message as the mailbox holds it. Mutable only under the mailbox lock.</summary>
public sealed class StoredMessage
{
    public required ulong Id { get; init; }
    public required ulong ThreadId { get; init; }
    public required long InternalDate { get; init; }
    public required ParsedMessage Content { get; init; }
    public List<string> Labels { get; } = [];
    public ulong HistoryId { get; set; }
    public OrderKey Key => new(InternalDate, Id);

    public MessageView View() => new(Id, ThreadId, Labels.ToArray(), HistoryId, InternalDate, Content);
}

/// <summary>A consistent copy of a message, safe to use outside the lock.</summary>
public sealed record MessageView(ulong Id, ulong ThreadId, IReadOnlyList<string> LabelIds, ulong HistoryId, long InternalDate, ParsedMessage Content);

public sealed record ThreadView(ulong Id, ulong HistoryId, IReadOnlyList<MessageView> Messages);

public sealed record ThreadSummary(ulong Id, string Snippet, ulong HistoryId);

public sealed record DraftView(string Id, MessageView Message);

public sealed record ListPage<T>(IReadOnlyList<T> Items, string? NextPageToken, int ResultSizeEstimate);

public sealed record MailboxProfile(string Email, int MessagesTotal, int ThreadsTotal, ulong HistoryId);

public enum HistoryKind
{
    MessageAdded,
    MessageDeleted,
    LabelAdded,
    LabelRemoved,
}

/// <summary>One change, as history.list reports it. Labels are a snapshot taken when the change happened.</summary>
public sealed record HistoryRecord(
    ulong Id,
    DateTimeOffset At,
    HistoryKind Kind,
    ulong MessageId,
    ulong ThreadId,
    IReadOnlyList<string> MessageLabels,
    IReadOnlyList<string> ChangedLabels);

public sealed record HistoryPage(IReadOnlyList<HistoryRecord> Records, string? NextPageToken, ulong HistoryId);

/// <summary>What messages.list / threads.list / drafts.list filter on.</summary>
public sealed record ListOptions(
    IReadOnlyList<string> LabelIds,
    Search.QueryNode? Query,
    bool IncludeSpamTrash,
    int MaxResults,
    string? PageToken);

/// <summary>How a new message finds its thread (API-SUBSET §7).</summary>
public enum ThreadingMode
{
    /// <summary>send, drafts: join the requested thread only if the reply headers and subject agree.</summary>
    Requested,

    /// <summary>Incoming mail: join the thread of a referenced message when the subject agrees.</summary>
    Inbound,

    /// <summary>Join the given thread as it is (a draft being sent stays in the thread it was saved in).</summary>
    Forced,
}

/// <summary>Opaque page tokens: base64url of a kind tag and a position.</summary>
public static class PageTokens
{
    public static string Encode(string kind, long first, ulong second) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(FormattableString.Invariant($"{kind}:{first}:{second}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string token, string kind, out long first, out ulong second)
    {
        first = 0;
        second = 0;
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded = padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '=');
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(padded)).Split(':');
            return parts.Length == 3
                && parts[0] == kind
                && long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out first)
                && ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out second);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
