using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace GmailAutomation.GmailClient.Batch;

/// <summary>One inner call of a batch: a path-only request line, optional JSON body.</summary>
internal sealed record BatchCall(GmailMethod Method, HttpMethod Verb, string PathAndQuery, string? JsonBody = null);

/// <summary>One inner answer, parsed on its own (each has its own status and quota charge).</summary>
internal sealed record BatchAnswer(int Status, string? ReasonPhrase, string Body, RetryConditionHeaderValue? RetryAfter)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}

/// <summary>
/// The <c>multipart/mixed</c> wire format of <c>POST /batch/gmail/v1</c> (API-SUBSET §12): each part is
/// <c>application/http</c> with <c>Content-ID: &lt;itemN&gt;</c>; answers come back as
/// <c>&lt;response-itemN&gt;</c> parts holding a whole HTTP response.
/// </summary>
internal static class GmailBatchCodec
{
    public const int MaxCalls = 100;

    public static MultipartContent Encode(IReadOnlyList<BatchCall> calls, string boundary)
    {
        if (calls.Count is 0 or > MaxCalls)
        {
            throw new ArgumentOutOfRangeException(nameof(calls), calls.Count, $"A batch holds 1 to {MaxCalls} calls.");
        }

        var content = new MultipartContent("mixed", boundary);
        for (var i = 0; i < calls.Count; i++)
        {
            var call = calls[i];
            var inner = new StringBuilder();
            inner.Append(call.Verb.Method).Append(' ').Append(call.PathAndQuery).Append(" HTTP/1.1\r\n");
            if (call.JsonBody is { } json)
            {
                inner.Append("Content-Type: application/json; charset=UTF-8\r\n");
                inner.Append("Content-Length: ").Append(Encoding.UTF8.GetByteCount(json).ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
                inner.Append(json);
            }
            else
            {
                inner.Append("\r\n");
            }

            var part = new ByteArrayContent(Encoding.UTF8.GetBytes(inner.ToString()));
            part.Headers.ContentType = new MediaTypeHeaderValue("application/http");
            part.Headers.Add("Content-ID", $"<item{i + 1}>");
            content.Add(part);
        }

        return content;
    }

    /// <summary>
    /// Splits a batch answer into <paramref name="count"/> inner answers, matched by Content-ID
    /// (<c>&lt;response-itemN&gt;</c>) or, without one, by position. Missing answers are null.
    /// </summary>
    public static BatchAnswer?[] Decode(string body, string boundary, int count)
    {
        var answers = new BatchAnswer?[count];
        var segments = body.Split("--" + boundary, StringSplitOptions.None);
        var position = 0;
        foreach (var segment in segments.Skip(1))
        {
            if (segment.StartsWith("--", StringComparison.Ordinal))
            {
                break;
            }

            var (partHeaders, partBody) = SplitHead(SkipLine(segment));
            var index = ContentIndex(partHeaders) ?? position;
            position++;
            if (index < 0 || index >= count)
            {
                continue;
            }

            answers[index] = ParseResponse(partBody);
        }

        return answers;
    }

    private static string SkipLine(string segment)
    {
        var newline = segment.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? string.Empty : segment[(newline + 1)..];
    }

    private static (string Head, string Tail) SplitHead(string text)
    {
        var crlf = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var lf = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (crlf >= 0 && (lf < 0 || crlf <= lf))
        {
            return (text[..crlf], text[(crlf + 4)..]);
        }

        return lf >= 0 ? (text[..lf], text[(lf + 2)..]) : (text, string.Empty);
    }

    private static IEnumerable<(string Name, string Value)> Headers(string head) =>
        head.Split('\n')
            .Select(line => line.TrimEnd('\r'))
            .Where(line => line.Contains(':', StringComparison.Ordinal))
            .Select(line => (line[..line.IndexOf(':', StringComparison.Ordinal)].Trim(), line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()));

    // "<response-item7>" → 6; anything else → null (fall back to position).
    private static int? ContentIndex(string partHeaders)
    {
        foreach (var (name, value) in Headers(partHeaders))
        {
            if (!name.Equals("Content-ID", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var digits = new string(value.Trim('<', '>').Reverse().TakeWhile(char.IsAsciiDigit).Reverse().ToArray());
            return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n - 1 : null;
        }

        return null;
    }

    private static BatchAnswer ParseResponse(string text)
    {
        var (head, body) = SplitHead(text.TrimStart('\r', '\n'));
        var lines = head.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

        // "HTTP/1.1 404 Not Found"
        var statusLine = lines.Length > 0 ? lines[0].Split(' ', 3) : [];
        var status = statusLine.Length >= 2 && int.TryParse(statusLine[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : 502;
        var phrase = statusLine.Length == 3 ? statusLine[2] : null;

        RetryConditionHeaderValue? retryAfter = null;
        foreach (var (name, value) in Headers(string.Join('\n', lines.Skip(1))))
        {
            if (name.Equals("Retry-After", StringComparison.OrdinalIgnoreCase) && RetryConditionHeaderValue.TryParse(value, out var parsed))
            {
                retryAfter = parsed;
            }
        }

        // The CRLF before the next boundary belongs to the boundary.
        return new BatchAnswer(status, phrase, body.TrimEnd('\r', '\n'), retryAfter);
    }
}
