using System.Diagnostics;
using System.Net;
using GmailAutomation.ResponseService.Data;
using GmailAutomation.ResponseService.Replies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace GmailAutomation.ResponseService.Ai;

/// <summary>What a provider wrote, and what it cost.</summary>
public sealed record GeneratedText(string Text, string Provider, string Model, int PromptTokens, int CompletionTokens, decimal CostUsd, string? FallbackReason);

/// <summary>
/// Writes a reply along the account's provider chain: its preferred provider (or <c>Ai:DefaultProvider</c>), then
/// <c>Ai:FallbackChain</c>, then the offline provider. An AI provider is skipped when it is not configured or the
/// account's daily spend cap is reached; a call that fails (after the HTTP layer's retries), times out or whose
/// output fails <see cref="ReplyValidator"/> falls back to the next provider. Every AI call is recorded with its
/// tokens and estimated cost in <c>ai_calls</c>, which the spend cap and the usage API read.
/// </summary>
public sealed partial class ReplyGenerator(
    ResponseDbContext db,
    ChatServiceFactory services,
    IOptionsMonitor<AiOptions> options,
    ResponseServiceMetrics metrics,
    TimeProvider time,
    ILogger<ReplyGenerator> logger)
{
    public async Task<GeneratedText> GenerateAsync(ReplyContext context, ReplyAccount account, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var chain = settings.ChainFor(account.AiProvider);
        var (history, _) = PromptBuilder.Build(context, settings.MaxReplyTokens * 3 / 5);
        var reasons = new List<string>();
        decimal? spentToday = null;

        foreach (var provider in chain)
        {
            if (provider == AiProviderNames.Template)
            {
                var text = ReplyValidator.Normalize(TemplateReplies.Write(context), context.Signature);
                if (ReplyValidator.Problem(text, context, settings.MaxReplyChars) is { } problem)
                {
                    // Only a signature longer than the limit can do this; the reply goes on without it rather than not at all.
                    LogTemplateProblem(problem);
                    text = ReplyValidator.Normalize(TemplateReplies.Write(context with { Signature = null }), null);
                }

                return new GeneratedText(text, AiProviderNames.Template, TemplateChatCompletionService.ModelId, 0, 0, 0m, Reason(reasons));
            }

            if (settings.Provider(provider) is not { } providerSettings)
            {
                reasons.Add($"{provider}: not configured");
                metrics.FellBack(provider, "not-configured");
                continue;
            }

            spentToday ??= await SpentTodayAsync(account.Id, cancellationToken);
            if (spentToday >= account.DailyAiSpendCapUsd)
            {
                reasons.Add($"spend-cap: {spentToday:0.####} of {account.DailyAiSpendCapUsd:0.##} USD used today");
                metrics.FellBack(provider, "spend-cap");
                LogSpendCap(account.Id, spentToday.Value, account.DailyAiSpendCapUsd);

                // The cap stops every AI call, so the offline provider writes it.
                var text = ReplyValidator.Normalize(TemplateReplies.Write(context), context.Signature);
                return new GeneratedText(text, AiProviderNames.Template, TemplateChatCompletionService.ModelId, 0, 0, 0m, Reason(reasons));
            }

            var model = string.Equals(provider, account.AiProvider, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(account.AiModel)
                ? account.AiModel!
                : providerSettings.Model!;
            var outcome = await CallAsync(provider, model, providerSettings, history, context, settings, cancellationToken);
            spentToday += outcome.CostUsd;
            if (outcome.Text is { } reply)
            {
                return new GeneratedText(reply, provider, model, outcome.PromptTokens, outcome.CompletionTokens, outcome.CostUsd, Reason(reasons));
            }

            reasons.Add($"{provider}: {outcome.Failure}");
        }

        // ChainFor always ends with the offline provider, which always answers.
        throw new UnreachableException("The provider chain ended without the offline provider.");
    }

    private async Task<CallOutcome> CallAsync(
        string provider, string model, AiProviderOptions providerSettings, ChatHistory history, ReplyContext context, AiOptions settings, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        string outcome;
        string? failure;
        string? text = null;
        int promptTokens = 0, completionTokens = 0;
        try
        {
            var service = services.Create(provider, providerSettings, model);
            var execution = new OpenAIPromptExecutionSettings { MaxTokens = settings.MaxReplyTokens, Temperature = 0.4 };
            var answer = await service.GetChatMessageContentAsync(history, execution, cancellationToken: cancellationToken);
            (promptTokens, completionTokens) = Usage(answer, history);
            var reply = ReplyValidator.Normalize(answer.Content, context.Signature);
            failure = ReplyValidator.Problem(reply, context, settings.MaxReplyChars);
            outcome = failure is null ? "ok" : "rejected";
            text = failure is null ? reply : null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            (outcome, failure) = Classify(ex);
            LogProviderFailed(provider, model, outcome, failure);
        }

        var cost = providerSettings.CostOf(promptTokens, completionTokens);
        var now = time.GetUtcNow();
        db.AiCalls.Add(new AiCall
        {
            AccountId = context.AccountId,
            GmailMessageId = context.GmailMessageId,
            Provider = provider,
            Model = model,
            Outcome = outcome,
            PromptTokens = promptTokens,
            CompletionTokens = completionTokens,
            CostUsd = cost,
            DurationMs = (int)started.ElapsedMilliseconds,
            Day = DateOnly.FromDateTime(now.UtcDateTime),
            At = now,
        });
        await db.SaveChangesAsync(CancellationToken.None);
        metrics.Called(provider, model, outcome, promptTokens, completionTokens, cost, started.Elapsed);
        if (failure is not null)
        {
            metrics.FellBack(provider, outcome);
        }

        return new CallOutcome(text, failure, promptTokens, completionTokens, cost);
    }

    private async Task<decimal> SpentTodayAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        return await db.AiCalls.Where(c => c.AccountId == accountId && c.Day == today).SumAsync(c => c.CostUsd, cancellationToken);
    }

    /// <summary>Tokens as the provider reported them, else estimated at four characters per token.</summary>
    private static (int Prompt, int Completion) Usage(ChatMessageContent answer, ChatHistory history)
    {
        if (answer.Metadata?.TryGetValue("Usage", out var usage) == true && usage is OpenAI.Chat.ChatTokenUsage reported)
        {
            return (reported.InputTokenCount, reported.OutputTokenCount);
        }

        var promptChars = history.Sum(m => m.Content?.Length ?? 0);
        return ((promptChars + 3) / 4, ((answer.Content?.Length ?? 0) + 3) / 4);
    }

    private static (string Outcome, string Failure) Classify(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is AiTimeoutException or TimeoutException or TaskCanceledException)
            {
                return ("timeout", e is AiTimeoutException ? e.Message : "timed out");
            }
        }

        return ex switch
        {
            HttpOperationException { StatusCode: { } status } => ("failed", $"HTTP {(int)status}{(status == HttpStatusCode.TooManyRequests ? " (rate limited)" : string.Empty)}"),
            HttpOperationException or HttpRequestException => ("failed", "unreachable"),
            _ => ("failed", ex.GetType().Name),
        };
    }

    private static string? Reason(List<string> reasons) => reasons.Count == 0 ? null : string.Join("; ", reasons);

    private sealed record CallOutcome(string? Text, string? Failure, int PromptTokens, int CompletionTokens, decimal CostUsd);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI provider {Provider} ({Model}) did not write the reply: {Outcome}, {Failure}; falling back")]
    private partial void LogProviderFailed(string provider, string model, string outcome, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {AccountId} reached its daily AI spend cap ({Spent} of {Cap} USD); the offline provider writes its replies")]
    private partial void LogSpendCap(Guid accountId, decimal spent, decimal cap);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The offline reply failed validation ({Problem}); it is written without the signature")]
    private partial void LogTemplateProblem(string problem);
}
