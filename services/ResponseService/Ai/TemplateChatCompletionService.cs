using System.Runtime.CompilerServices;
using GmailAutomation.ResponseService.Replies;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace GmailAutomation.ResponseService.Ai;

/// <summary>
/// The offline provider behind the same <see cref="IChatCompletionService"/> as the models: no network, no key, no
/// cost. It ignores the prompt text and writes from the structured <see cref="ReplyContext"/> that
/// <see cref="PromptBuilder"/> attaches to the request message (metadata <see cref="PromptBuilder.ContextKey"/>).
/// </summary>
public sealed class TemplateChatCompletionService : IChatCompletionService
{
    public const string ModelId = "templates-v1";

    public IReadOnlyDictionary<string, object?> Attributes { get; } = new Dictionary<string, object?> { ["ModelId"] = ModelId };

    public Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
    {
        var context = chatHistory.LastOrDefault(m => m.Metadata?.ContainsKey(PromptBuilder.ContextKey) == true)?.Metadata?[PromptBuilder.ContextKey] as ReplyContext
            ?? throw new InvalidOperationException("The offline provider needs the reply context attached by PromptBuilder.");
        IReadOnlyList<ChatMessageContent> answer = [new ChatMessageContent(AuthorRole.Assistant, TemplateReplies.Write(context), ModelId)];
        return Task.FromResult(answer);
    }

    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var message in await GetChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken))
        {
            yield return new StreamingChatMessageContent(AuthorRole.Assistant, message.Content, modelId: ModelId);
        }
    }
}
