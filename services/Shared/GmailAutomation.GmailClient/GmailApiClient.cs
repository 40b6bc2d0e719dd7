using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using GmailAutomation.Common.Errors;
using GmailAutomation.GmailClient.Auth;
using GmailAutomation.GmailClient.Batch;
using GmailAutomation.GmailClient.Json;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.GmailClient.Quota;
using GmailAutomation.GmailClient.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace GmailAutomation.GmailClient;

/// <summary>
/// Typed client for the Gmail API subset we use. Every call, for the <c>account</c> (Gmail address) given:
/// draws its unit cost from the account's shared Redis token bucket (waiting, never failing, when it is
/// empty), carries a bearer token from <see cref="IGmailAccessTokenProvider"/>, and is retried on 429,
/// rate-limit 403s and 5xx with backoff honouring Retry-After, behind a per-account, per-method-group circuit
/// breaker. Failures surface as <see cref="ExternalServiceException"/> (service <c>gmail</c>, Google's status and
/// reason) — except 404, which is <see cref="GmailNotFoundException"/> so that the sync engine can catch an
/// expired history id and run a full sync.
/// </summary>
public sealed class GmailApiClient
{
    public const string ServiceName = "gmail";
    private const string UserPath = "gmail/v1/users/me";

    private readonly HttpClient http;
    private readonly IGmailAccessTokenProvider tokens;
    private readonly IGmailQuota quota;
    private readonly GmailResilience resilience;
    private readonly GmailClientMetrics metrics;
    private readonly GmailClientOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<GmailApiClient> logger;

    public GmailApiClient(
        HttpClient http,
        IGmailAccessTokenProvider tokens,
        IGmailQuota quota,
        GmailResilience resilience,
        GmailClientMetrics metrics,
        IOptions<GmailClientOptions> options,
        TimeProvider time,
        ILogger<GmailApiClient> logger)
    {
        this.http = http;
        this.tokens = tokens;
        this.quota = quota;
        this.resilience = resilience;
        this.metrics = metrics;
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
    }

    // ---- users ------------------------------------------------------------------------------------

    public Task<GmailProfile> GetProfileAsync(string account, CancellationToken cancellationToken = default) =>
        GetAsync<GmailProfile>(account, GmailMethod.GetProfile, $"{UserPath}/profile", cancellationToken);

    public Task<WatchResponse> WatchAsync(string account, WatchRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<WatchResponse>(account, GmailMethod.Watch, $"{UserPath}/watch", request, cancellationToken);

    public Task StopAsync(string account, CancellationToken cancellationToken = default) =>
        SendAsync(account, GmailMethod.Stop, HttpMethod.Post, $"{UserPath}/stop", null, cancellationToken);

    // ---- messages ---------------------------------------------------------------------------------

    public Task<ListMessagesResponse> ListMessagesAsync(string account, MessageListQuery? query = null, CancellationToken cancellationToken = default) =>
        GetAsync<ListMessagesResponse>(account, GmailMethod.MessagesList, $"{UserPath}/messages{ListQuery(query)}", cancellationToken);

    /// <summary>Every message matching <paramref name="query"/>, newest first, across all pages.</summary>
    public async IAsyncEnumerable<MessageRef> ListAllMessagesAsync(
        string account,
        MessageListQuery? query = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var page = query ?? new MessageListQuery();
        while (true)
        {
            var answer = await ListMessagesAsync(account, page, cancellationToken).ConfigureAwait(false);
            foreach (var message in answer.Messages ?? [])
            {
                yield return message;
            }

            if (string.IsNullOrEmpty(answer.NextPageToken))
            {
                yield break;
            }

            page = page with { PageToken = answer.NextPageToken };
        }
    }

    public Task<GmailMessage> GetMessageAsync(
        string account,
        string id,
        MessageFormat format = MessageFormat.Full,
        IReadOnlyList<string>? metadataHeaders = null,
        CancellationToken cancellationToken = default) =>
        GetAsync<GmailMessage>(account, GmailMethod.MessagesGet, MessagePath(id, format, metadataHeaders), cancellationToken);

    /// <summary>
    /// Fetches many messages through batch requests (up to <see cref="GmailClientOptions.BatchSize"/> per request,
    /// fewer when the quota bucket is smaller). One result per id, in order; each inner failure is reported on
    /// its own after its own retries.
    /// </summary>
    public async Task<IReadOnlyList<GmailBatchResult<GmailMessage>>> GetMessagesAsync(
        string account,
        IReadOnlyList<string> ids,
        MessageFormat format = MessageFormat.Full,
        IReadOnlyList<string>? metadataHeaders = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var calls = ids.Select(id => new BatchCall(GmailMethod.MessagesGet, HttpMethod.Get, "/" + MessagePath(id, format, metadataHeaders))).ToList();
        var outcomes = await ExecuteBatchAsync(account, calls, cancellationToken).ConfigureAwait(false);
        var results = new GmailBatchResult<GmailMessage>[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            var (body, error) = outcomes[i];
            results[i] = error is null
                ? new GmailBatchResult<GmailMessage>(ids[i], Deserialize<GmailMessage>(body!, GmailMethod.MessagesGet), null)
                : new GmailBatchResult<GmailMessage>(ids[i], null, error.ToPublicException());
        }

        return results;
    }

    public Task<MessagePartBody> GetAttachmentAsync(string account, string messageId, string attachmentId, CancellationToken cancellationToken = default) =>
        GetAsync<MessagePartBody>(
            account,
            GmailMethod.AttachmentsGet,
            $"{UserPath}/messages/{Escape(messageId)}/attachments/{Escape(attachmentId)}",
            cancellationToken);

    public Task<GmailMessage> ModifyMessageAsync(string account, string id, ModifyMessageRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<GmailMessage>(account, GmailMethod.MessagesModify, $"{UserPath}/messages/{Escape(id)}/modify", request, cancellationToken);

    public Task BatchModifyMessagesAsync(string account, BatchModifyMessagesRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(account, GmailMethod.MessagesBatchModify, HttpMethod.Post, $"{UserPath}/messages/batchModify", Serialize(request), cancellationToken);

    /// <summary>Sends an RFC 2822 message; it joins <paramref name="threadId"/> only under Gmail's threading rule.</summary>
    public Task<GmailMessage> SendMessageAsync(string account, byte[] rawMessage, string? threadId = null, CancellationToken cancellationToken = default) =>
        PostAsync<GmailMessage>(account, GmailMethod.MessagesSend, $"{UserPath}/messages/send", new GmailMessage { Raw = rawMessage, ThreadId = threadId }, cancellationToken);

    // ---- history ----------------------------------------------------------------------------------

    /// <summary>Changes after <see cref="HistoryQuery.StartHistoryId"/>. An expired id throws <see cref="GmailNotFoundException"/>.</summary>
    public Task<ListHistoryResponse> ListHistoryAsync(string account, HistoryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var parameters = new QueryString()
            .Add("startHistoryId", query.StartHistoryId.ToString(CultureInfo.InvariantCulture))
            .AddAll("historyTypes", query.HistoryTypes)
            .Add("labelId", query.LabelId)
            .Add("maxResults", query.MaxResults)
            .Add("pageToken", query.PageToken);
        return GetAsync<ListHistoryResponse>(account, GmailMethod.HistoryList, $"{UserPath}/history{parameters}", cancellationToken);
    }

    /// <summary>
    /// Every history page after the start id. Pages (not records) are yielded so the caller can store the
    /// last page's <see cref="ListHistoryResponse.HistoryId"/> as its next start point.
    /// </summary>
    public async IAsyncEnumerable<ListHistoryResponse> ListAllHistoryAsync(
        string account,
        HistoryQuery query,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var page = query;
        while (true)
        {
            var answer = await ListHistoryAsync(account, page, cancellationToken).ConfigureAwait(false);
            yield return answer;
            if (string.IsNullOrEmpty(answer.NextPageToken))
            {
                yield break;
            }

            page = page with { PageToken = answer.NextPageToken };
        }
    }

    // ---- labels -----------------------------------------------------------------------------------

    public async Task<IReadOnlyList<GmailLabel>> ListLabelsAsync(string account, CancellationToken cancellationToken = default) =>
        (await GetAsync<ListLabelsResponse>(account, GmailMethod.LabelsList, $"{UserPath}/labels", cancellationToken).ConfigureAwait(false)).Labels ?? [];

    public Task<GmailLabel> GetLabelAsync(string account, string id, CancellationToken cancellationToken = default) =>
        GetAsync<GmailLabel>(account, GmailMethod.LabelsGet, $"{UserPath}/labels/{Escape(id)}", cancellationToken);

    /// <summary>Creates a user label. A name that exists (case-insensitively) fails with status 409, reason <c>aborted</c>.</summary>
    public Task<GmailLabel> CreateLabelAsync(string account, GmailLabel label, CancellationToken cancellationToken = default) =>
        PostAsync<GmailLabel>(account, GmailMethod.LabelsCreate, $"{UserPath}/labels", label, cancellationToken);

    // ---- drafts -----------------------------------------------------------------------------------

    public Task<GmailDraft> CreateDraftAsync(string account, byte[] rawMessage, string? threadId = null, CancellationToken cancellationToken = default) =>
        PostAsync<GmailDraft>(account, GmailMethod.DraftsCreate, $"{UserPath}/drafts", DraftBody(null, rawMessage, threadId), cancellationToken);

    public Task<ListDraftsResponse> ListDraftsAsync(string account, DraftListQuery? query = null, CancellationToken cancellationToken = default)
    {
        var parameters = new QueryString()
            .Add("q", query?.Q)
            .Add("includeSpamTrash", query?.IncludeSpamTrash == true ? "true" : null)
            .Add("maxResults", query?.MaxResults)
            .Add("pageToken", query?.PageToken);
        return GetAsync<ListDraftsResponse>(account, GmailMethod.DraftsList, $"{UserPath}/drafts{parameters}", cancellationToken);
    }

    public Task<GmailDraft> GetDraftAsync(string account, string draftId, MessageFormat format = MessageFormat.Full, CancellationToken cancellationToken = default) =>
        GetAsync<GmailDraft>(
            account,
            GmailMethod.DraftsGet,
            $"{UserPath}/drafts/{Escape(draftId)}{new QueryString().Add("format", FormatName(format))}",
            cancellationToken);

    /// <summary>Replaces the draft's message; the draft id stays, the message id changes.</summary>
    public async Task<GmailDraft> UpdateDraftAsync(string account, string draftId, byte[] rawMessage, string? threadId = null, CancellationToken cancellationToken = default)
    {
        var body = await SendAsync(
            account,
            GmailMethod.DraftsUpdate,
            HttpMethod.Put,
            $"{UserPath}/drafts/{Escape(draftId)}",
            Serialize(DraftBody(draftId, rawMessage, threadId)),
            cancellationToken).ConfigureAwait(false);
        return Deserialize<GmailDraft>(body, GmailMethod.DraftsUpdate);
    }

    public Task DeleteDraftAsync(string account, string draftId, CancellationToken cancellationToken = default) =>
        SendAsync(account, GmailMethod.DraftsDelete, HttpMethod.Delete, $"{UserPath}/drafts/{Escape(draftId)}", null, cancellationToken);

    /// <summary>Sends the draft (which is then deleted) and returns the SENT message.</summary>
    public Task<GmailMessage> SendDraftAsync(string account, string draftId, CancellationToken cancellationToken = default) =>
        PostAsync<GmailMessage>(account, GmailMethod.DraftsSend, $"{UserPath}/drafts/send", new GmailDraft { Id = draftId }, cancellationToken);

    // ---- threads ----------------------------------------------------------------------------------

    public Task<GmailThread> GetThreadAsync(
        string account,
        string id,
        MessageFormat format = MessageFormat.Full,
        IReadOnlyList<string>? metadataHeaders = null,
        CancellationToken cancellationToken = default)
    {
        var parameters = new QueryString()
            .Add("format", FormatName(format))
            .AddAll("metadataHeaders", format == MessageFormat.Metadata ? metadataHeaders : null);
        return GetAsync<GmailThread>(account, GmailMethod.ThreadsGet, $"{UserPath}/threads/{Escape(id)}{parameters}", cancellationToken);
    }

    public Task<ListThreadsResponse> ListThreadsAsync(string account, MessageListQuery? query = null, CancellationToken cancellationToken = default) =>
        GetAsync<ListThreadsResponse>(account, GmailMethod.ThreadsList, $"{UserPath}/threads{ListQuery(query)}", cancellationToken);

    // ---- plumbing ---------------------------------------------------------------------------------

    private static GmailDraft DraftBody(string? draftId, byte[] rawMessage, string? threadId)
    {
        ArgumentNullException.ThrowIfNull(rawMessage);
        return new GmailDraft { Id = draftId, Message = new GmailMessage { Raw = rawMessage, ThreadId = threadId } };
    }

    private static string MessagePath(string id, MessageFormat format, IReadOnlyList<string>? metadataHeaders)
    {
        var parameters = new QueryString()
            .Add("format", FormatName(format))
            .AddAll("metadataHeaders", format == MessageFormat.Metadata ? metadataHeaders : null);
        return $"{UserPath}/messages/{Escape(id)}{parameters}";
    }

    private static QueryString ListQuery(MessageListQuery? query) =>
        new QueryString()
            .Add("q", query?.Q)
            .AddAll("labelIds", query?.LabelIds)
            .Add("includeSpamTrash", query?.IncludeSpamTrash == true ? "true" : null)
            .Add("maxResults", query?.MaxResults)
            .Add("pageToken", query?.PageToken);

    private static string FormatName(MessageFormat format) => format switch
    {
        MessageFormat.Minimal => "minimal",
        MessageFormat.Metadata => "metadata",
        MessageFormat.Raw => "raw",
        _ => "full",
    };

    private static string Escape(string segment)
    {
        ArgumentException.ThrowIfNullOrEmpty(segment);
        return Uri.EscapeDataString(segment);
    }

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, GmailJson.Options);

    private static T Deserialize<T>(string body, GmailMethod method)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, GmailJson.Options)
                ?? throw new JsonException("The answer was JSON null.");
        }
        catch (JsonException ex)
        {
            throw new ExternalServiceException(ServiceName, $"{method.Name}: the answer is not the expected JSON", reason: "invalidResponse", innerException: ex);
        }
    }

    private async Task<T> GetAsync<T>(string account, GmailMethod method, string path, CancellationToken cancellationToken)
        where T : class =>
        Deserialize<T>(await SendAsync(account, method, HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false), method);

    private async Task<T> PostAsync<T>(string account, GmailMethod method, string path, object body, CancellationToken cancellationToken)
        where T : class =>
        Deserialize<T>(
            await SendAsync(account, method, HttpMethod.Post, path, JsonSerializer.Serialize(body, body.GetType(), GmailJson.Options), cancellationToken).ConfigureAwait(false),
            method);

    /// <summary>One Gmail call through quota, token, retries and breaker; returns the success body.</summary>
    private async Task<string> SendAsync(string account, GmailMethod method, HttpMethod verb, string path, string? jsonBody, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(account);
        var answer = await ExecuteAsync(
            account,
            method,
            () =>
            {
                var request = new HttpRequestMessage(verb, path);
                if (jsonBody is not null)
                {
                    request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
                }

                return request;
            },
            cancellationToken).ConfigureAwait(false);
        return answer.Body;
    }

    private async Task<(string Body, MediaTypeHeaderValue? ContentType)> ExecuteAsync(
        string account,
        GmailMethod method,
        Func<HttpRequestMessage> createRequest,
        CancellationToken cancellationToken)
    {
        var pipeline = resilience.For(account, method.Group);
        try
        {
            return await pipeline.ExecuteAsync(
                async token => await AttemptAsync(account, method, createRequest, token).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (GmailApiException ex)
        {
            throw ex.ToPublicException();
        }
        catch (BrokenCircuitException ex)
        {
            throw new ExternalServiceException(ServiceName, $"{method.Name}: circuit open after repeated Gmail failures", reason: "circuitOpen", innerException: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ExternalServiceException(ServiceName, $"{method.Name}: {ex.Message}", (int?)ex.StatusCode, "transportError", ex);
        }
        catch (TimeoutException ex)
        {
            throw new ExternalServiceException(ServiceName, $"{method.Name}: {ex.Message}", reason: "timeout", innerException: ex);
        }
    }

    private async ValueTask<(string Body, MediaTypeHeaderValue? ContentType)> AttemptAsync(
        string account,
        GmailMethod method,
        Func<HttpRequestMessage> createRequest,
        CancellationToken cancellationToken)
    {
        // Quota is charged before every attempt, retries included: Gmail charges them too.
        await quota.AcquireAsync(account, method.Units, method.Name, cancellationToken).ConfigureAwait(false);
        var accessToken = await tokens.GetAccessTokenAsync(account, cancellationToken).ConfigureAwait(false);

        using var request = createRequest();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var attemptTimeout = new CancellationTokenSource(options.AttemptTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attemptTimeout.Token);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                metrics.Called(method.Name, status, rateLimit: false);
                return (body, response.Content.Headers.ContentType);
            }

            var error = GmailErrorParser.Parse(method.Name, status, response.ReasonPhrase, body, response.Headers.RetryAfter, time);
            metrics.Called(method.Name, status, error.IsRateLimited);
            logger.LogDebug("Gmail {Method} answered {Status} {Reason}", method.Name, status, error.Reason);
            if (status == 401)
            {
                await tokens.InvalidateAsync(account, accessToken, cancellationToken).ConfigureAwait(false);
            }

            throw error;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {options.AttemptTimeout}", ex);
        }
    }

    // ---- batch ------------------------------------------------------------------------------------

    /// <summary>
    /// Runs inner calls in batch requests. Returns, per call, its success body or its final error. Inner
    /// 429/403-rate-limit/5xx answers are retried on their own (re-batched) with backoff; the outer request
    /// has the usual retries and breaker. Each batch request is charged the sum of its inner calls' units.
    /// </summary>
    private async Task<(string? Body, GmailApiException? Error)[]> ExecuteBatchAsync(string account, IReadOnlyList<BatchCall> calls, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(account);
        var outcomes = new (string? Body, GmailApiException? Error)[calls.Count];
        if (calls.Count == 0)
        {
            return outcomes;
        }

        // A batch should fit in the bucket, or it would always run into debt and bursts.
        var largestCost = calls.Max(c => c.Method.Units);
        var fitsBucket = Math.Max(1, (int)(options.Quota.Capacity / largestCost));
        var chunkSize = Math.Min(Math.Min(options.BatchSize, GmailBatchCodec.MaxCalls), fitsBucket);

        var pending = Enumerable.Range(0, calls.Count).ToList();
        for (var round = 0; pending.Count > 0; round++)
        {
            var retry = new List<int>();
            TimeSpan? retryAfter = null;
            foreach (var chunk in pending.Chunk(chunkSize))
            {
                var answers = await SendBatchAsync(account, chunk.Select(i => calls[i]).ToList(), cancellationToken).ConfigureAwait(false);
                for (var j = 0; j < chunk.Length; j++)
                {
                    var index = chunk[j];
                    var call = calls[index];
                    var answer = answers[j] ?? new BatchAnswer(502, "Bad Gateway", string.Empty, null);
                    if (answer.IsSuccess)
                    {
                        metrics.Called(call.Method.Name, answer.Status, rateLimit: false);
                        outcomes[index] = (answer.Body, null);
                        continue;
                    }

                    var error = GmailErrorParser.Parse(call.Method.Name, answer.Status, answer.ReasonPhrase, answer.Body, answer.RetryAfter, time);
                    metrics.Called(call.Method.Name, answer.Status, error.IsRateLimited);
                    outcomes[index] = (null, error);
                    if (error.IsTransient && round < options.Retry.MaxRetries)
                    {
                        retry.Add(index);
                        if (error.RetryAfter is { } after && (retryAfter is null || after > retryAfter))
                        {
                            retryAfter = after;
                        }
                    }
                }
            }

            if (retry.Count > 0)
            {
                var delay = GmailBackoff.Delay(round, retryAfter, options.Retry, Random.Shared);
                foreach (var index in retry)
                {
                    metrics.Retried("batch", outcomes[index].Error!.Status.ToString(CultureInfo.InvariantCulture));
                }

                logger.LogDebug("Retrying {Count} inner batch calls after {Delay}", retry.Count, delay);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }

            pending = retry;
        }

        return outcomes;
    }

    private async Task<BatchAnswer?[]> SendBatchAsync(string account, IReadOnlyList<BatchCall> calls, CancellationToken cancellationToken)
    {
        var method = GmailMethod.Batch(calls.Sum(c => c.Method.Units));
        var boundary = "batch_" + Guid.NewGuid().ToString("N");
        var (body, contentType) = await ExecuteAsync(
            account,
            method,
            () => new HttpRequestMessage(HttpMethod.Post, "batch/gmail/v1") { Content = GmailBatchCodec.Encode(calls, boundary) },
            cancellationToken).ConfigureAwait(false);

        var answerBoundary = contentType?.Parameters
            .FirstOrDefault(p => p.Name.Equals("boundary", StringComparison.OrdinalIgnoreCase))?.Value?.Trim('"');
        if (string.IsNullOrEmpty(answerBoundary))
        {
            throw new ExternalServiceException(ServiceName, "batch: the answer is not multipart/mixed", reason: "invalidResponse");
        }

        return GmailBatchCodec.Decode(body, answerBoundary, calls.Count);
    }

    /// <summary>A query string builder that leaves out unset values.</summary>
    private readonly record struct QueryString(string? Text)
    {
        public QueryString Add(string name, string? value) =>
            value is null ? this : new QueryString($"{Text}{(string.IsNullOrEmpty(Text) ? '?' : '&')}{name}={Uri.EscapeDataString(value)}");

        public QueryString Add(string name, int? value) =>
            value is null ? this : Add(name, value.Value.ToString(CultureInfo.InvariantCulture));

        public QueryString AddAll(string name, IEnumerable<string>? values) =>
            values?.Aggregate(this, (query, value) => query.Add(name, value)) ?? this;

        public override string ToString() => Text ?? string.Empty;
    }
}
