using System.Globalization;
using System.Text;

namespace GmailAutomation.GmailEmulator.Mailboxes.Search;

/// <summary>A node of a parsed Gmail search query.</summary>
public abstract record QueryNode;

public sealed record AndNode(IReadOnlyList<QueryNode> Items) : QueryNode;

public sealed record OrNode(IReadOnlyList<QueryNode> Items) : QueryNode;

public sealed record NotNode(QueryNode Inner) : QueryNode;

/// <summary>A search term: <paramref name="Operator"/> is null for bare words and phrases.</summary>
public sealed record TermNode(string? Operator, string Value) : QueryNode;

/// <summary>Raised for a query the API answers with 400 invalidArgument.</summary>
public sealed class QuerySyntaxException(string message) : Exception(message);

/// <summary>
/// Gmail search syntax (API-SUBSET §2): terms ANDed, <c>-</c> negation, <c>OR</c>, <c>( )</c>, <c>{ }</c>
/// (any of), <c>"phrases"</c>, and the operators after/before/newer_than/older_than, label, in, is, from, to,
/// cc, bcc, subject, has, rfc822msgid, category. A word whose prefix is not an operator (<c>http://…</c>) is a
/// bare word, as in Gmail.
/// </summary>
public static class GmailQuery
{
    private static readonly HashSet<string> Operators = new(StringComparer.OrdinalIgnoreCase)
    {
        "after", "before", "newer_than", "older_than", "newer", "older", "label", "in", "is", "from", "to", "cc", "bcc",
        "subject", "has", "rfc822msgid", "category",
    };

    public static QueryNode? Parse(string? query)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            return null;
        }

        var tokens = Tokenize(query);
        var parser = new Parser(tokens);
        var node = parser.ParseSequence(endToken: null, defaultOperator: null);
        if (!parser.AtEnd)
        {
            throw new QuerySyntaxException("Unbalanced parentheses in query.");
        }

        // Validate values now, so that a bad date or is: value is a 400 even when no message is examined.
        Validate(node);
        return node;
    }

    /// <summary>True when the query names SPAM or TRASH (or in:anywhere), which lifts the default exclusion.</summary>
    public static bool MentionsSpamOrTrash(QueryNode? node) => node switch
    {
        null => false,
        AndNode and => and.Items.Any(MentionsSpamOrTrash),
        OrNode or => or.Items.Any(MentionsSpamOrTrash),
        NotNode not => MentionsSpamOrTrash(not.Inner),
        TermNode { Operator: "in" or "label" or "is" } term =>
            term.Value.ToLowerInvariant() is "spam" or "trash" or "anywhere" or "bin",
        _ => false,
    };

    /// <summary>Midnight of a calendar date in America/Los_Angeles, as Gmail interprets after:/before: dates.</summary>
    public static DateTimeOffset PacificMidnight(int year, int month, int day)
    {
        var local = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, Pacific.GetUtcOffset(local));
    }

    private static readonly TimeZoneInfo Pacific = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");

    /// <summary>The instant an after:/before: value stands for.</summary>
    public static DateTimeOffset ParseDate(string value)
    {
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds);
        }

        var parts = value.Split('/', '-');
        if (parts.Length == 3
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var month)
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var day)
            && year is >= 1970 and <= 9999 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month))
        {
            return PacificMidnight(year, month, day);
        }

        throw new QuerySyntaxException($"Invalid date: {value}");
    }

    /// <summary>The instant <c>newer_than:/older_than:</c> values (<c>2d</c>, <c>3m</c>, <c>1y</c>) count from.</summary>
    public static DateTimeOffset ParseRelative(string value, DateTimeOffset now)
    {
        if (value.Length >= 2
            && int.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            switch (char.ToLowerInvariant(value[^1]))
            {
                case 'd': return now.AddDays(-amount);
                case 'm': return now.AddMonths(-amount);
                case 'y': return now.AddYears(-amount);
            }
        }

        throw new QuerySyntaxException($"Invalid relative date: {value}");
    }

    private static void Validate(QueryNode node)
    {
        switch (node)
        {
            case AndNode and:
                foreach (var item in and.Items) Validate(item);
                break;
            case OrNode or:
                foreach (var item in or.Items) Validate(item);
                break;
            case NotNode not:
                Validate(not.Inner);
                break;
            case TermNode term:
                ValidateTerm(term);
                break;
        }
    }

    private static void ValidateTerm(TermNode term)
    {
        switch (term.Operator)
        {
            case "after" or "before":
                ParseDate(term.Value);
                break;
            case "newer_than" or "older_than" or "newer" or "older":
                ParseRelative(term.Value, DateTimeOffset.UnixEpoch.AddYears(100));
                break;
            case "is" when term.Value.ToLowerInvariant() is not ("unread" or "read" or "starred" or "important" or "draft" or "sent" or "spam" or "trash" or "inbox" or "chat"):
                throw new QuerySyntaxException($"Unsupported is: value: {term.Value}");
            case "has" when term.Value.ToLowerInvariant() is not ("attachment" or "userlabels" or "nouserlabels"):
                throw new QuerySyntaxException($"Unsupported has: value: {term.Value}");
        }
    }

    private enum TokenKind { LParen, RParen, LBrace, RBrace, Not, Or, And, Term, OperatorGroup }

    private readonly record struct Token(TokenKind Kind, string? Operator = null, string Value = "");

    private static List<Token> Tokenize(string query)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < query.Length)
        {
            var c = query[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            switch (c)
            {
                case '(':
                    tokens.Add(new Token(TokenKind.LParen));
                    i++;
                    continue;
                case ')':
                    tokens.Add(new Token(TokenKind.RParen));
                    i++;
                    continue;
                case '{':
                    tokens.Add(new Token(TokenKind.LBrace));
                    i++;
                    continue;
                case '}':
                    tokens.Add(new Token(TokenKind.RBrace));
                    i++;
                    continue;
                case '-' when i + 1 < query.Length && !char.IsWhiteSpace(query[i + 1]):
                    tokens.Add(new Token(TokenKind.Not));
                    i++;
                    continue;
                case '"':
                    tokens.Add(new Token(TokenKind.Term, null, ReadQuoted(query, ref i)));
                    continue;
            }

            var start = i;
            while (i < query.Length && !char.IsWhiteSpace(query[i]) && query[i] is not ('(' or ')' or '"' or '{' or '}'))
            {
                i++;
            }

            var word = query[start..i];
            var colon = word.IndexOf(':');
            if (colon > 0 && Operators.Contains(word[..colon]))
            {
                var op = word[..colon].ToLowerInvariant();
                var value = word[(colon + 1)..];
                if (value.Length == 0 && i < query.Length && query[i] == '"')
                {
                    value = ReadQuoted(query, ref i);
                }
                else if (value.Length == 0 && i < query.Length && query[i] is '(' or '{')
                {
                    tokens.Add(new Token(TokenKind.OperatorGroup, op));
                    tokens.Add(new Token(query[i] == '(' ? TokenKind.LParen : TokenKind.LBrace));
                    i++;
                    continue;
                }

                if (value.Length == 0)
                {
                    throw new QuerySyntaxException($"Missing value for {op}:");
                }

                tokens.Add(new Token(TokenKind.Term, op, value));
            }
            else if (word == "OR" || word == "|")
            {
                tokens.Add(new Token(TokenKind.Or));
            }
            else if (word == "AND")
            {
                tokens.Add(new Token(TokenKind.And));
            }
            else
            {
                tokens.Add(new Token(TokenKind.Term, null, word));
            }
        }

        return tokens;
    }

    private static string ReadQuoted(string query, ref int i)
    {
        var end = query.IndexOf('"', i + 1);
        if (end < 0)
        {
            throw new QuerySyntaxException("Unterminated quoted phrase.");
        }

        var value = query[(i + 1)..end];
        i = end + 1;
        if (value.Trim().Length == 0)
        {
            throw new QuerySyntaxException("Empty quoted phrase.");
        }

        return value;
    }

    private sealed class Parser(List<Token> tokens)
    {
        private int _position;

        public bool AtEnd => _position >= tokens.Count;

        /// <summary>Terms until <paramref name="endToken"/> (or the end), ANDed, or ORed inside braces.</summary>
        public QueryNode ParseSequence(TokenKind? endToken, string? defaultOperator)
        {
            var items = new List<QueryNode>();
            while (!AtEnd && tokens[_position].Kind != endToken)
            {
                if (tokens[_position].Kind is TokenKind.RParen or TokenKind.RBrace)
                {
                    throw new QuerySyntaxException("Unbalanced parentheses in query.");
                }

                if (tokens[_position].Kind == TokenKind.And)
                {
                    _position++;
                    continue;
                }

                items.Add(ParseOr(defaultOperator));
            }

            if (endToken is not null)
            {
                if (AtEnd)
                {
                    throw new QuerySyntaxException("Unbalanced parentheses in query.");
                }

                _position++;
            }

            if (items.Count == 0)
            {
                throw new QuerySyntaxException("Empty group in query.");
            }

            if (endToken == TokenKind.RBrace)
            {
                return items.Count == 1 ? items[0] : new OrNode(items);
            }

            return items.Count == 1 ? items[0] : new AndNode(items);
        }

        private QueryNode ParseOr(string? defaultOperator)
        {
            var first = ParseUnary(defaultOperator);
            List<QueryNode>? alternatives = null;
            while (!AtEnd && tokens[_position].Kind == TokenKind.Or)
            {
                _position++;
                if (AtEnd || tokens[_position].Kind is TokenKind.RParen or TokenKind.RBrace or TokenKind.Or)
                {
                    throw new QuerySyntaxException("OR needs a term on both sides.");
                }

                alternatives ??= [first];
                alternatives.Add(ParseUnary(defaultOperator));
            }

            return alternatives is null ? first : new OrNode(alternatives);
        }

        private QueryNode ParseUnary(string? defaultOperator)
        {
            if (AtEnd)
            {
                throw new QuerySyntaxException("Unexpected end of query.");
            }

            var token = tokens[_position++];
            switch (token.Kind)
            {
                case TokenKind.Not:
                    return new NotNode(ParseUnary(defaultOperator));
                case TokenKind.LParen:
                    return ParseSequence(TokenKind.RParen, defaultOperator);
                case TokenKind.LBrace:
                    return ParseSequence(TokenKind.RBrace, defaultOperator);
                case TokenKind.OperatorGroup:
                    var open = tokens[_position++];
                    return ParseSequence(open.Kind == TokenKind.LParen ? TokenKind.RParen : TokenKind.RBrace, token.Operator);
                case TokenKind.Term:
                    return new TermNode(token.Operator ?? defaultOperator, token.Value);
                default:
                    throw new QuerySyntaxException("OR needs a term on both sides.");
            }
        }
    }

    internal static string NormalizeLabelName(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name.Trim())
        {
            builder.Append(c is ' ' or '/' or '_' ? '-' : char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }
}
