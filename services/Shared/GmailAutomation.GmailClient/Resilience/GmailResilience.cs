using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;

namespace GmailAutomation.GmailClient.Resilience;

/// <summary>
/// Owns every retry of a Gmail call (the standard HTTP resilience handler is removed from the Gmail client so
/// retries are not doubled). One pipeline per user and API method group: retry (outer) around a circuit
/// breaker (inner). Quota is charged inside each attempt, so a retry pays again, as it does at Google.
/// </summary>
public sealed class GmailResilience
{
    private readonly ResiliencePipelineRegistry<string> registry;
    private readonly GmailClientMetrics metrics;
    private readonly ILogger<GmailResilience> logger;

    public GmailResilience(IOptions<GmailClientOptions> options, GmailClientMetrics metrics, TimeProvider time, ILogger<GmailResilience> logger)
    {
        this.metrics = metrics;
        this.logger = logger;
        var settings = options.Value;
        registry = new ResiliencePipelineRegistry<string>();
        Retry = settings.Retry;
        Breaker = settings.CircuitBreaker;
        Time = time;
    }

    private GmailRetryOptions Retry { get; }

    private GmailCircuitBreakerOptions Breaker { get; }

    private TimeProvider Time { get; }

    /// <summary>The pipeline shared by every call of <paramref name="account"/> in <paramref name="group"/>.</summary>
    public ResiliencePipeline For(string account, string group) =>
        registry.GetOrAddPipeline($"{account.ToLowerInvariant()}|{group}", (builder, _) => Build(builder, group));

    internal static bool IsTransient(Exception exception) => exception switch
    {
        GmailApiException api => api.IsTransient,
        HttpRequestException or SocketException or TimeoutException => true,
        _ => false,
    };

    // Only server-side failures count towards opening the breaker: a 429 says "slow down", not "broken".
    internal static bool CountsAsOutage(Exception exception) => exception switch
    {
        GmailApiException api => api.Status >= 500,
        HttpRequestException or SocketException or TimeoutException => true,
        _ => false,
    };

    private void Build(ResiliencePipelineBuilder builder, string group)
    {
        builder.TimeProvider = Time;
        builder.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = Math.Max(Retry.MaxRetries, 1),
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && ShouldRetry(ex, args.AttemptNumber)),
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(DelayFor(args.Outcome.Exception, args.AttemptNumber)),
            OnRetry = args =>
            {
                var status = args.Outcome.Exception is GmailApiException api ? api.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "transport";
                metrics.Retried(group, status);
                logger.LogDebug("Retrying Gmail {Group} call after {Status}, attempt {Attempt}, waiting {Delay}", group, status, args.AttemptNumber + 1, args.RetryDelay);
                return ValueTask.CompletedTask;
            },
        });
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = Breaker.FailureRatio,
            MinimumThroughput = Breaker.MinimumThroughput,
            SamplingDuration = Breaker.SamplingDuration,
            BreakDuration = Breaker.BreakDuration,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && CountsAsOutage(ex)),
            OnOpened = args =>
            {
                metrics.BreakerChanged(group, "open");
                logger.LogWarning("Gmail circuit for {Group} opened for {Duration} after {Failure}", group, args.BreakDuration, args.Outcome.Exception?.GetType().Name);
                return ValueTask.CompletedTask;
            },
            OnHalfOpened = _ =>
            {
                metrics.BreakerChanged(group, "half-open");
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                metrics.BreakerChanged(group, "closed");
                logger.LogInformation("Gmail circuit for {Group} closed", group);
                return ValueTask.CompletedTask;
            },
        });
    }

    private bool ShouldRetry(Exception exception, int attemptNumber)
    {
        // A 401 may be a token revoked or expired early: one retry with a fresh token (the client drops the cached one).
        if (exception is GmailApiException { Status: 401 })
        {
            return attemptNumber == 0;
        }

        return attemptNumber < Retry.MaxRetries && IsTransient(exception);
    }

    private TimeSpan DelayFor(Exception? exception, int attemptNumber) => exception switch
    {
        GmailApiException { Status: 401 } => TimeSpan.Zero,
        GmailApiException api => GmailBackoff.Delay(attemptNumber, api.RetryAfter, Retry, Random.Shared),
        _ => GmailBackoff.Delay(attemptNumber, null, Retry, Random.Shared),
    };
}
