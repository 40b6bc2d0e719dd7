namespace GmailAutomation.Common.Errors;

/// <summary>
/// Base of the error model. Routes and handlers throw a subclass; one global handler turns it into
/// RFC 7807 problem details (status, type, title, detail, extensions and the correlation id).
/// </summary>
public abstract class GmailAutomationException : Exception
{
    protected GmailAutomationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>HTTP status the problem details carry.</summary>
    public abstract int StatusCode { get; }

    /// <summary>Short, stable, human-readable summary of the kind of problem.</summary>
    public abstract string Title { get; }

    /// <summary>Stable URI reference that names the kind of problem.</summary>
    public string Type => $"https://gmail-automation.dev/problems/{TypeSlug}";

    protected abstract string TypeSlug { get; }

    /// <summary>Extra context that is safe to show to the caller (never secrets or email bodies).</summary>
    public IDictionary<string, object?> Context { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>Adds one safe piece of context and returns the exception, for fluent throwing.</summary>
    public GmailAutomationException With(string key, object? value)
    {
        Context[key] = value;
        return this;
    }
}

/// <summary>The thing asked for does not exist, or belongs to somebody else (404).</summary>
public sealed class NotFoundException : GmailAutomationException
{
    public NotFoundException(string resource, string id)
        : base($"{resource} '{id}' was not found.")
    {
        Resource = resource;
        ResourceId = id;
        Context["resource"] = resource;
        Context["id"] = id;
    }

    public string Resource { get; }

    public string ResourceId { get; }

    public override int StatusCode => 404;

    public override string Title => "Not found";

    protected override string TypeSlug => "not-found";
}

/// <summary>The request is malformed or breaks a rule (400). <see cref="Errors"/> names each offending field.</summary>
public sealed class ValidationException : GmailAutomationException
{
    public ValidationException(string message, IReadOnlyDictionary<string, string[]>? errors = null)
        : base(message)
    {
        Errors = errors ?? new Dictionary<string, string[]>();
    }

    public ValidationException(string field, string error)
        : this(error, new Dictionary<string, string[]> { [field] = [error] })
    {
    }

    public IReadOnlyDictionary<string, string[]> Errors { get; }

    public override int StatusCode => 400;

    public override string Title => "Validation failed";

    protected override string TypeSlug => "validation";
}

/// <summary>The caller is not (or no longer) authenticated (401).</summary>
public sealed class AuthenticationException : GmailAutomationException
{
    public AuthenticationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    public override int StatusCode => 401;

    public override string Title => "Authentication required";

    protected override string TypeSlug => "authentication";
}

/// <summary>A service we depend on (Gmail, Google OAuth, an AI provider) failed (502).</summary>
public sealed class ExternalServiceException : GmailAutomationException
{
    public ExternalServiceException(string service, string failure, int? upstreamStatus = null, string? reason = null, Exception? innerException = null)
        : base($"{service} failed: {failure}", innerException)
    {
        Service = service;
        Failure = failure;
        UpstreamStatus = upstreamStatus;
        Reason = reason;
        Context["service"] = service;
        Context["failure"] = failure;
        if (upstreamStatus is not null)
        {
            Context["upstreamStatus"] = upstreamStatus;
        }

        if (reason is not null)
        {
            Context["reason"] = reason;
        }
    }

    /// <summary>Name of the external service, e.g. <c>gmail</c> or <c>openai</c>.</summary>
    public string Service { get; }

    /// <summary>What went wrong, in the external service's words where it gave any.</summary>
    public string Failure { get; }

    /// <summary>HTTP status the external service answered, if it answered.</summary>
    public int? UpstreamStatus { get; }

    /// <summary>Machine-readable reason, e.g. Google's <c>rateLimitExceeded</c>.</summary>
    public string? Reason { get; }

    public override int StatusCode => 502;

    public override string Title => "External service failed";

    protected override string TypeSlug => "external-service";
}

/// <summary>The service is misconfigured (500). Thrown at start-up so that bad configuration fails loudly.</summary>
public sealed class ConfigurationException : GmailAutomationException
{
    public ConfigurationException(string setting, string problem)
        : base($"Configuration '{setting}' is invalid: {problem}")
    {
        Setting = setting;
        Context["setting"] = setting;
    }

    public string Setting { get; }

    public override int StatusCode => 500;

    public override string Title => "Configuration error";

    protected override string TypeSlug => "configuration";
}
