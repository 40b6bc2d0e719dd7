namespace GmailAutomation.GmailEmulator.Mailboxes.Search;

/// <summary>Turns a parsed query into a predicate over one mailbox's messages (run under the mailbox lock).</summary>
internal static class QueryEvaluator
{
    public static Func<StoredMessage, bool> Compile(QueryNode node, Func<string, string?> labelIdForName, DateTimeOffset now) => node switch
    {
        AndNode and => CompileAll(and.Items, labelIdForName, now),
        OrNode or => CompileAny(or.Items, labelIdForName, now),
        NotNode not => Negate(Compile(not.Inner, labelIdForName, now)),
        TermNode term => CompileTerm(term, labelIdForName, now),
        _ => throw new QuerySyntaxException("Unsupported query."),
    };

    private static Func<StoredMessage, bool> CompileAll(IReadOnlyList<QueryNode> items, Func<string, string?> labels, DateTimeOffset now)
    {
        var predicates = items.Select(item => Compile(item, labels, now)).ToArray();
        return message => predicates.All(p => p(message));
    }

    private static Func<StoredMessage, bool> CompileAny(IReadOnlyList<QueryNode> items, Func<string, string?> labels, DateTimeOffset now)
    {
        var predicates = items.Select(item => Compile(item, labels, now)).ToArray();
        return message => predicates.Any(p => p(message));
    }

    private static Func<StoredMessage, bool> Negate(Func<StoredMessage, bool> inner) => message => !inner(message);

    private static Func<StoredMessage, bool> HasLabel(string? labelId) =>
        labelId is null ? _ => false : message => message.Labels.Contains(labelId);

    private static Func<StoredMessage, bool> CompileTerm(TermNode term, Func<string, string?> labels, DateTimeOffset now)
    {
        var value = term.Value;
        var lower = value.ToLowerInvariant();
        switch (term.Operator)
        {
            case null:
                return message =>
                    message.Content.SearchText.Contains(lower, StringComparison.Ordinal)
                    || message.Content.From.Contains(value, StringComparison.OrdinalIgnoreCase)
                    || message.Content.To.Contains(value, StringComparison.OrdinalIgnoreCase);
            case "from":
                return message => message.Content.From.Contains(value, StringComparison.OrdinalIgnoreCase);
            case "to":
                return message => message.Content.To.Contains(value, StringComparison.OrdinalIgnoreCase);
            case "cc":
                return message => message.Content.Cc.Contains(value, StringComparison.OrdinalIgnoreCase);
            case "bcc":
                return message => message.Content.Bcc.Contains(value, StringComparison.OrdinalIgnoreCase);
            case "subject":
                return message => message.Content.Subject.Contains(value, StringComparison.OrdinalIgnoreCase);
            case "label":
                return HasLabel(labels(value));
            case "in":
                return lower switch
                {
                    "anywhere" => _ => true,
                    "inbox" => HasLabel(SystemLabels.Inbox),
                    "sent" => HasLabel(SystemLabels.Sent),
                    "drafts" or "draft" => HasLabel(SystemLabels.Draft),
                    "spam" => HasLabel(SystemLabels.Spam),
                    "trash" or "bin" => HasLabel(SystemLabels.Trash),
                    "starred" => HasLabel(SystemLabels.Starred),
                    "important" => HasLabel(SystemLabels.Important),
                    "chats" or "chat" => HasLabel(SystemLabels.Chat),
                    _ => HasLabel(labels(value)),
                };
            case "is":
                return lower switch
                {
                    "read" => Negate(HasLabel(SystemLabels.Unread)),
                    "draft" => HasLabel(SystemLabels.Draft),
                    _ => HasLabel(lower.ToUpperInvariant()),
                };
            case "category":
                return HasLabel(lower == "primary" ? "CATEGORY_PERSONAL" : "CATEGORY_" + lower.ToUpperInvariant());
            case "has":
                return lower switch
                {
                    "attachment" => message => message.Content.HasAttachment,
                    "userlabels" => message => message.Labels.Any(IsUserLabel),
                    _ => message => !message.Labels.Any(IsUserLabel),
                };
            case "rfc822msgid":
                var wanted = value.Trim('<', '>');
                return message => message.Content.MessageId.Trim('<', '>').Equals(wanted, StringComparison.OrdinalIgnoreCase);
            case "after":
                var after = GmailQuery.ParseDate(value).ToUnixTimeMilliseconds();
                return message => message.InternalDate >= after;
            case "before":
                var before = GmailQuery.ParseDate(value).ToUnixTimeMilliseconds();
                return message => message.InternalDate < before;
            case "newer_than" or "newer":
                var newer = GmailQuery.ParseRelative(value, now).ToUnixTimeMilliseconds();
                return message => message.InternalDate >= newer;
            case "older_than" or "older":
                var older = GmailQuery.ParseRelative(value, now).ToUnixTimeMilliseconds();
                return message => message.InternalDate < older;
            default:
                throw new QuerySyntaxException($"Unsupported operator: {term.Operator}");
        }
    }

    private static bool IsUserLabel(string labelId) => labelId.StartsWith("Label_", StringComparison.Ordinal);
}
