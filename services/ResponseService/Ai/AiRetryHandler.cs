using System.Net;
using Microsoft.Extensions.Options;

namespace GmailAutomation.ResponseService.Ai;

/// <summary>
/// The only retry layer of a provider's HttpClient: 429 and 5xx answers are retried up to <see cref="AiOptions.MaxRetries"/>
/// times with exponential backoff and jitter, waiting at least what <c>Retry-After</c> asks (capped by
/// <see cref="AiOptions.RetryMaxDelay"/>). Every attempt is bounded by the provider's <c>TimeoutSeconds</c>; a
/// timed-out attempt is not retried but surfaces as <see cref="AiTimeoutException"/> so the chain moves on.
/// </summary>
public sealed class AiRetryHandler(string provider, IOptionsMonitor<AiOptions> options, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var timeout = TimeSpan.FromSeconds(settings.Provider(provider)?.TimeoutSeconds ?? 30);

        // The request body is small JSON: keep a copy so it can be sent again.
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var contentHeaders = request.Content?.Headers.ToList();

        for (var attempt = 0; ; attempt++)
        {
            using var attemptRequest = Clone(request, body, contentHeaders);
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(timeout);
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(attemptRequest, attemptTimeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new AiTimeoutException(provider, timeout);
            }

            if (attempt >= settings.MaxRetries || !IsTransient(response.StatusCode))
            {
                return response;
            }

            var delay = Backoff(settings, attempt, response.Headers.RetryAfter);
            response.Dispose();
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    private static bool IsTransient(HttpStatusCode status) => status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    internal static TimeSpan Backoff(AiOptions settings, int attempt, System.Net.Http.Headers.RetryConditionHeaderValue? retryAfter)
    {
        var exponential = settings.RetryBaseDelay * Math.Pow(2, attempt);
        var jittered = exponential * (0.8 + Random.Shared.NextDouble() * 0.4);
        var asked = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : TimeSpan.Zero);
        var delay = asked > jittered ? asked : jittered;
        return delay > settings.RetryMaxDelay ? settings.RetryMaxDelay : delay;
    }

    private static HttpRequestMessage Clone(HttpRequestMessage request, byte[]? body, List<KeyValuePair<string, IEnumerable<string>>>? contentHeaders)
    {
        var clone = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var header in request.Headers)
        {
            clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (body is not null)
        {
            clone.Content = new ByteArrayContent(body);
            foreach (var header in contentHeaders ?? [])
            {
                clone.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        foreach (var option in request.Options)
        {
            ((IDictionary<string, object?>)clone.Options)[option.Key] = option.Value;
        }

        return clone;
    }
}

/// <summary>A provider did not answer within its <c>TimeoutSeconds</c>.</summary>
public sealed class AiTimeoutException(string provider, TimeSpan timeout)
    : TimeoutException($"{provider} did not answer within {timeout.TotalSeconds:0.#} s");
