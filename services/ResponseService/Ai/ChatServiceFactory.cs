using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace GmailAutomation.ResponseService.Ai;

/// <summary>
/// Creates the <see cref="IChatCompletionService"/> of a provider and model. Every hosted or local model speaks the
/// OpenAI chat-completions protocol (Gemini through its OpenAI-compatible endpoint, Ollama, vLLM, LM Studio), so one
/// connector serves them all, each on its own HttpClient (<see cref="ClientName"/>) with <see cref="AiRetryHandler"/>.
/// The connector gets no logger: prompts carry mail content, which must not reach the logs.
/// </summary>
public sealed class ChatServiceFactory(IHttpClientFactory httpClients, TemplateChatCompletionService template)
{
    public static string ClientName(string provider) => "ai-" + provider.ToLowerInvariant();

    public IChatCompletionService Create(string provider, AiProviderOptions settings, string model)
    {
        if (string.Equals(provider, AiProviderNames.Template, StringComparison.OrdinalIgnoreCase))
        {
            return template;
        }

        var endpoint = settings.BaseUrl ?? throw new InvalidOperationException($"Ai:Providers:{provider}:BaseUrl is not set.");
        return new OpenAIChatCompletionService(
            model,
            endpoint,
            string.IsNullOrWhiteSpace(settings.ApiKey) ? null : settings.ApiKey,
            organization: null,
            httpClient: httpClients.CreateClient(ClientName(provider)),
            loggerFactory: NullLoggerFactory.Instance);
    }
}
