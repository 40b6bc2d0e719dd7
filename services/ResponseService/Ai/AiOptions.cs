using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace GmailAutomation.ResponseService.Ai;

/// <summary>
/// The <c>Ai</c> section: <c>Ai:Providers:&lt;name&gt;:{BaseUrl,ApiKey,Model,TimeoutSeconds,InputPricePer1K,OutputPricePer1K}</c>,
/// <c>Ai:DefaultProvider</c> (the offline <c>template</c> unless set) and <c>Ai:FallbackChain</c>. The offline
/// provider is always the last resort, whether or not the chain names it.
/// </summary>
public sealed class AiOptions
{
    public const string SectionName = "Ai";

    /// <summary>The provider used when an account's preferences do not name one.</summary>
    [Required]
    public string DefaultProvider { get; set; } = AiProviderNames.Template;

    /// <summary>Providers tried, in order, after the preferred one failed (e.g. <c>openai</c>, <c>template</c>).</summary>
    public List<string> FallbackChain { get; set; } = [];

    public Dictionary<string, AiProviderOptions> Providers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Longest accepted reply (characters, signature included).</summary>
    [Range(100, 20_000)]
    public int MaxReplyChars { get; set; } = 2_000;

    /// <summary>The completion limit sent to the model (<c>max_tokens</c>).</summary>
    [Range(16, 8_192)]
    public int MaxReplyTokens { get; set; } = 500;

    /// <summary>Characters of the incoming message's body given to the model.</summary>
    [Range(200, 100_000)]
    public int MaxMessageChars { get; set; } = 6_000;

    /// <summary>Characters of earlier thread messages given to the model, in total (newest first).</summary>
    [Range(0, 100_000)]
    public int MaxThreadChars { get; set; } = 4_000;

    /// <summary>Earlier thread messages read at most.</summary>
    [Range(0, 50)]
    public int MaxThreadMessages { get; set; } = 5;

    /// <summary>Retries of a call answered 429 or 5xx (besides the first attempt).</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>First backoff; it doubles per retry, with jitter, unless the provider sends <c>Retry-After</c>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest backoff, also the cap on a provider's <c>Retry-After</c>.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The providers tried for a preference, in order, without duplicates, ending with the offline provider.</summary>
    public IReadOnlyList<string> ChainFor(string? preferred)
    {
        var first = string.IsNullOrWhiteSpace(preferred) || string.Equals(preferred.Trim(), AiProviderNames.SystemDefault, StringComparison.OrdinalIgnoreCase)
            ? DefaultProvider
            : preferred.Trim().ToLowerInvariant();
        var chain = new List<string> { first };
        foreach (var name in FallbackChain.Select(n => n.Trim().ToLowerInvariant()).Append(AiProviderNames.Template))
        {
            if (!chain.Contains(name))
            {
                chain.Add(name);
            }
        }

        return chain;
    }

    /// <summary>The settings of <paramref name="name"/> with the well-known defaults of its kind filled in.</summary>
    public AiProviderOptions? Provider(string name)
    {
        Providers.TryGetValue(name, out var configured);
        var defaults = AiProviderNames.DefaultBaseUrl(name);
        if (configured is null)
        {
            return null;
        }

        return configured.BaseUrl is null && defaults is not null ? configured.WithBaseUrl(defaults) : configured;
    }
}

/// <summary>One provider's settings (<c>Ai:Providers:&lt;name&gt;</c>). The API key is never logged.</summary>
public sealed class AiProviderOptions
{
    public Uri? BaseUrl { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>The model used when the account's preferences name none.</summary>
    public string? Model { get; set; }

    /// <summary>Bound on one attempt; a timed-out call is not retried but falls back to the next provider.</summary>
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>US dollars per 1000 prompt tokens (0 for local models).</summary>
    public decimal InputPricePer1K { get; set; }

    /// <summary>US dollars per 1000 completion tokens.</summary>
    public decimal OutputPricePer1K { get; set; }

    public AiProviderOptions WithBaseUrl(Uri baseUrl) => new()
    {
        BaseUrl = baseUrl,
        ApiKey = ApiKey,
        Model = Model,
        TimeoutSeconds = TimeoutSeconds,
        InputPricePer1K = InputPricePer1K,
        OutputPricePer1K = OutputPricePer1K,
    };

    public decimal CostOf(int promptTokens, int completionTokens) =>
        (promptTokens * InputPricePer1K + completionTokens * OutputPricePer1K) / 1000m;
}

/// <summary>The provider names the product knows.</summary>
public static class AiProviderNames
{
    public const string Template = "template";
    public const string OpenAi = "openai";
    public const string Gemini = "gemini";
    public const string Ollama = "ollama";
    public const string OpenAiCompatible = "openai-compatible";

    /// <summary>The user's preference when they have not picked one: <see cref="AiOptions.DefaultProvider"/> writes.</summary>
    public const string SystemDefault = "default";

    public static readonly IReadOnlyList<string> All = [Template, OpenAi, Gemini, Ollama, OpenAiCompatible];

    public static bool IsKnown(string name) => All.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Hosted providers need a key; local servers (Ollama, any OpenAI-compatible URL) may do without.</summary>
    public static bool NeedsApiKey(string name) =>
        string.Equals(name, OpenAi, StringComparison.OrdinalIgnoreCase) || string.Equals(name, Gemini, StringComparison.OrdinalIgnoreCase);

    public static Uri? DefaultBaseUrl(string name) => name.ToLowerInvariant() switch
    {
        OpenAi => new Uri("https://api.openai.com/v1/"),
        Gemini => new Uri("https://generativelanguage.googleapis.com/v1beta/openai/"),
        Ollama => new Uri("http://localhost:11434/v1/"),
        _ => null,
    };
}

/// <summary>Checks the <c>Ai</c> section as a whole at start-up, with messages that say which setting to fix.</summary>
public sealed class AiOptionsValidator : IValidateOptions<AiOptions>
{
    public ValidateOptionsResult Validate(string? name, AiOptions options)
    {
        var errors = new List<string>();
        if (!AiProviderNames.IsKnown(options.DefaultProvider))
        {
            errors.Add($"Ai:DefaultProvider '{options.DefaultProvider}' is not a known provider ({string.Join(", ", AiProviderNames.All)}).");
        }

        foreach (var entry in options.FallbackChain)
        {
            if (!AiProviderNames.IsKnown(entry))
            {
                errors.Add($"Ai:FallbackChain names '{entry}', which is not a known provider ({string.Join(", ", AiProviderNames.All)}).");
            }
        }

        foreach (var (provider, settings) in options.Providers)
        {
            var key = $"Ai:Providers:{provider}";
            if (!AiProviderNames.IsKnown(provider))
            {
                errors.Add($"{key}: '{provider}' is not a known provider ({string.Join(", ", AiProviderNames.All)}).");
                continue;
            }

            if (string.Equals(provider, AiProviderNames.Template, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (settings.BaseUrl is null && AiProviderNames.DefaultBaseUrl(provider) is null)
            {
                errors.Add($"{key}:BaseUrl is required for '{provider}' (e.g. http://localhost:8000/v1/).");
            }
            else if (settings.BaseUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
            {
                errors.Add($"{key}:BaseUrl must be an absolute http(s) URL.");
            }

            if (AiProviderNames.NeedsApiKey(provider) && string.IsNullOrWhiteSpace(settings.ApiKey))
            {
                errors.Add($"{key}:ApiKey is required for '{provider}'.");
            }

            if (string.IsNullOrWhiteSpace(settings.Model))
            {
                errors.Add($"{key}:Model is required (the model used when an account's preferences name none).");
            }

            if (settings.TimeoutSeconds is < 1 or > 600)
            {
                errors.Add($"{key}:TimeoutSeconds must be between 1 and 600.");
            }

            if (settings.InputPricePer1K < 0 || settings.OutputPricePer1K < 0)
            {
                errors.Add($"{key}: prices must not be negative.");
            }
        }

        foreach (var used in options.FallbackChain.Append(options.DefaultProvider).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (AiProviderNames.IsKnown(used)
                && !string.Equals(used, AiProviderNames.Template, StringComparison.OrdinalIgnoreCase)
                && !options.Providers.ContainsKey(used))
            {
                errors.Add($"'{used}' is used by Ai:DefaultProvider or Ai:FallbackChain but Ai:Providers:{used} is not configured.");
            }
        }

        if (options.RetryBaseDelay <= TimeSpan.Zero || options.RetryMaxDelay < options.RetryBaseDelay)
        {
            errors.Add("Ai:RetryBaseDelay must be positive and at most Ai:RetryMaxDelay.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
