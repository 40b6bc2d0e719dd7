using GmailAutomation.Common.Correlation;
using GmailAutomation.Common.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GmailAutomation.ServiceDefaults.Errors;

/// <summary>
/// The one place where exceptions become answers: a <see cref="GmailAutomationException"/> becomes RFC 7807
/// problem details with its status, type, title, detail and context; anything else becomes a 500 that
/// reveals no internals. Every problem carries the correlation id.
/// </summary>
public sealed class ProblemDetailsExceptionHandler(IProblemDetailsService problemDetails, ILogger<ProblemDetailsExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = ProblemFactory.FromException(exception);

        if (problem.Status >= 500)
        {
            logger.LogError(exception, "Request failed with {Status}: {Title}", problem.Status, problem.Title);
        }
        else
        {
            logger.LogInformation("Request rejected with {Status}: {Title}", problem.Status, problem.Title);
        }

        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }
}

/// <summary>Builds problem details for our exception types. Pure, so the mapping is unit-testable.</summary>
public static class ProblemFactory
{
    public const string UnexpectedErrorType = "https://gmail-automation.dev/problems/unexpected";

    public static ProblemDetails FromException(Exception exception)
    {
        if (exception is BadHttpRequestException badRequest)
        {
            // Kestrel and model binding throw this for malformed input (bad JSON, missing body): the caller's fault.
            return new ProblemDetails
            {
                Status = badRequest.StatusCode,
                Type = "https://gmail-automation.dev/problems/bad-request",
                Title = "Bad request",
                Detail = badRequest.Message,
            };
        }

        if (exception is not GmailAutomationException known)
        {
            return new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Type = UnexpectedErrorType,
                Title = "Unexpected error",
                Detail = "The server could not complete the request. Quote the correlation id when reporting it.",
            };
        }

        ProblemDetails problem = known is ValidationException validation && validation.Errors.Count > 0
            ? new ValidationProblemDetails(new Dictionary<string, string[]>(validation.Errors))
            : new ProblemDetails();

        problem.Status = known.StatusCode;
        problem.Type = known.Type;
        problem.Title = known.Title;
        problem.Detail = known.Message;
        foreach (var (key, value) in known.Context)
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }
}

public static class ErrorModelExtensions
{
    public static IServiceCollection AddErrorModel(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Every problem, including the framework's own (404 for unknown routes, 405, 415), carries
            // the correlation id and a type, so callers see one shape.
            var id = CorrelationId.Current ?? context.HttpContext.TraceIdentifier;
            context.ProblemDetails.Extensions["correlationId"] = id;
            context.ProblemDetails.Type ??= $"https://gmail-automation.dev/problems/http-{context.ProblemDetails.Status}";
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
        });
        services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
        return services;
    }

    public static IApplicationBuilder UseErrorModel(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        // Empty 4xx/5xx answers (unknown route, wrong method) become problem details too.
        app.UseStatusCodePages();
        return app;
    }
}
