using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using GmailAutomation.GmailEmulator.Hosting;
using GmailAutomation.GmailEmulator.Mailboxes;
using Microsoft.Extensions.Primitives;

namespace GmailAutomation.GmailEmulator.GmailApi;

/// <summary>
/// One Gmail API request, independent of where it came from: a plain HTTP request or one inner part of a batch.
/// </summary>
public sealed class GmailRequest
{
    public required string Method { get; init; }

    /// <summary>The path without query, e.g. <c>/gmail/v1/users/me/messages/abc</c>.</summary>
    public required string Path { get; init; }
    public required IReadOnlyDictionary<string, StringValues> Query { get; init; }
    public required IReadOnlyDictionary<string, string> Headers { get; init; }
    public byte[] Body { get; init; } = [];
    public string? ContentType => Headers.GetValueOrDefault("Content-Type");
}

/// <summary>The answer to one Gmail call: a status and a JSON body (none for 204).</summary>
public sealed record GmailResult(int StatusCode, object? Body)
{
    /// <summary>Seconds a rate-limited caller should wait (sent as <c>Retry-After</c>), when known.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static GmailResult Ok(object body) => new(200, body);

    public static readonly GmailResult NoContent = new(204, null);

    public static GmailResult Error(GmailApiException error) => new(error.Code, new ErrorEnvelope
    {
        Error = new ErrorBody
        {
            Code = error.Code,
            Message = error.Message,
            Errors =
            [
                new ErrorItem
                {
                    Message = error.ErrorMessage,
                    Domain = error.Domain,
                    Reason = error.Reason,
                    Location = error.Location,
                    LocationType = error.LocationType,
                },
            ],
            Status = error.Status,
        },
    });

    public byte[] SerializeBody() =>
        Body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(Body, (JsonTypeInfo)GmailJsonContext.Api.GetTypeInfo(Body.GetType())!);
}

/// <summary>Everything a Gmail handler needs: the request, the caller's mailbox and grant, the route values.</summary>
public sealed class GmailCall
{
    public required GmailRequest Request { get; init; }
    public required Mailbox Mailbox { get; init; }
    public required AccessTokenGrant Grant { get; init; }
    public required IReadOnlyDictionary<string, string> RouteValues { get; init; }
    public required IServiceProvider Services { get; init; }
    public required TimeProvider Time { get; init; }
    public required bool IsUpload { get; init; }
    public CancellationToken CancellationToken { get; init; }

    public string Route(string name) => RouteValues[name];

    public string? Query(string name) => Request.Query.TryGetValue(name, out var values) && values.Count > 0 ? values[^1] : null;

    /// <summary>A repeated parameter (<c>labelIds=A&amp;labelIds=B</c>).</summary>
    public IReadOnlyList<string> QueryAll(string name) =>
        Request.Query.TryGetValue(name, out var values) ? values.Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToArray() : [];

    public bool QueryBool(string name)
    {
        var value = Query(name);
        return value switch
        {
            null or "" => false,
            _ when bool.TryParse(value, out var parsed) => parsed,
            _ => throw GmailApiException.InvalidArgument($"Invalid value at '{name}' (TYPE_BOOL), \"{value}\""),
        };
    }

    /// <summary>maxResults: default 100, silently capped at 500 (as Gmail does).</summary>
    public int MaxResults(int defaultValue = 100, int cap = 500)
    {
        var value = Query("maxResults");
        if (string.IsNullOrEmpty(value))
        {
            return defaultValue;
        }

        if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            throw GmailApiException.InvalidArgument($"Invalid value at 'max_results' (TYPE_UINT32), \"{value}\"");
        }

        return parsed == 0 ? defaultValue : (int)Math.Min(parsed, (uint)cap);
    }

    /// <summary>The grant holds only gmail.metadata: no bodies and no search.</summary>
    public bool MetadataOnly =>
        Grant.Scopes.Contains(Scopes.Metadata)
        && !Grant.Scopes.Overlaps([Scopes.FullAccess, Scopes.Modify, Scopes.ReadOnly, Scopes.Compose, Scopes.Send, Scopes.Insert]);

    public T ReadJson<T>(string what)
        where T : class
    {
        if (Request.Body.Length == 0)
        {
            throw GmailApiException.InvalidArgument($"Missing {what} in request body.");
        }

        try
        {
            var typeInfo = (JsonTypeInfo<T>)GmailJsonContext.Api.GetTypeInfo(typeof(T))!;
            return JsonSerializer.Deserialize(Request.Body, typeInfo) ?? throw GmailApiException.InvalidArgument($"Missing {what} in request body.");
        }
        catch (JsonException exception)
        {
            throw GmailApiException.InvalidArgument($"Invalid JSON payload received. {exception.Message}");
        }
    }
}

/// <summary>Scope URLs as Google grants them.</summary>
public static class Scopes
{
    public const string FullAccess = "https://mail.google.com/";
    public const string Modify = "https://www.googleapis.com/auth/gmail.modify";
    public const string ReadOnly = "https://www.googleapis.com/auth/gmail.readonly";
    public const string Metadata = "https://www.googleapis.com/auth/gmail.metadata";
    public const string Labels = "https://www.googleapis.com/auth/gmail.labels";
    public const string Send = "https://www.googleapis.com/auth/gmail.send";
    public const string Compose = "https://www.googleapis.com/auth/gmail.compose";
    public const string Insert = "https://www.googleapis.com/auth/gmail.insert";
}
