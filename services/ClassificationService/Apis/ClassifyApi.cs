using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.ClassificationService.Pipeline;
using GmailAutomation.Common.Errors;
using GmailAutomation.MailParsing;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace GmailAutomation.ClassificationService.Apis;

/// <summary><c>POST /api/classify</c>: classifies a raw RFC 822 message with the user's rules and the model, applying nothing.</summary>
public static class ClassifyApi
{
    public static IEndpointRouteBuilder MapClassifyApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/classify", Classify)
            .WithName("ClassifyMessage")
            .WithTags("Classification")
            .WithSummary("Classifies a raw RFC 822 message (request body) with your rules, then the model; labels nothing.")
            .WithDescription("With `accountId`, that account's model and address are used (404 unless it is yours); otherwise the default model. Malformed mail is classified as well as it reads, or `Other` with the reason in `notes`.")
            .Accepts<string>("message/rfc822", "text/plain", "application/octet-stream")
            .RequireUser();
        return app;
    }

    public static async Task<Ok<ClassificationView>> Classify(
        HttpRequest request,
        Guid? accountId,
        ICurrentUser user,
        AccountDirectory accounts,
        ClassificationEngine engine,
        IOptions<ClassificationOptions> options,
        CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        var account = accountId is { } id ? await accounts.OwnedAsync(id, userId, cancellationToken) : null;
        var raw = await ReadBodyAsync(request, options.Value.MaxRawMessageBytes, cancellationToken);
        var features = MessageFeatureExtractor.FromBytes(raw);
        var (result, _) = await engine.ClassifyAsync(features, userId, account?.Id, account?.EmailAddress, cancellationToken);
        var notes = result.Notes.ToList();
        if (raw.Length == 0)
        {
            notes.Add("the message is empty");
        }

        return TypedResults.Ok(ClassificationView.Of(result with { Notes = notes }));
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw new ValidationException("body", $"The message is larger than {limit} bytes.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new ValidationException("body", $"The message is larger than {limit} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

/// <summary>A classification as the API shows it.</summary>
public sealed record ClassificationView(
    string Category,
    double Confidence,
    bool NeedsReply,
    string NeedsReplyReason,
    string DecidedBy,
    string? RuleId,
    string? RuleName,
    string? ModelVersion,
    string? ModelCategory,
    IReadOnlyList<string> Labels,
    IReadOnlyList<string> MatchedRules,
    IReadOnlyList<string> Notes,
    IReadOnlyList<string> MalformedParts)
{
    public static ClassificationView Of(ClassificationResult r) => new(
        r.Category, r.Confidence, r.NeedsReply, r.NeedsReplyReason, r.DecidedBy, r.RuleId, r.RuleName, r.ModelVersion, r.ModelCategory,
        r.Labels, r.MatchedRules, r.Notes, r.MalformedParts);
}
