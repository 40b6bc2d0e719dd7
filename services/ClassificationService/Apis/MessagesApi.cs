using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.ClassificationService.Data;
using GmailAutomation.ClassificationService.Labels;
using GmailAutomation.ClassificationService.Pipeline;
using GmailAutomation.ClassificationService.Rules;
using GmailAutomation.Common.Errors;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmailAutomation.ClassificationService.Apis;

/// <summary>
/// Per-account views of what the pipeline did: processed messages with their classification history and label
/// audit, corrections (stored, counted toward retraining, optionally re-labelled in Gmail) and dry-runs of the
/// current or a proposed rule set. Another user's account is a 404.
/// </summary>
public static class MessagesApi
{
    public static IEndpointRouteBuilder MapMessagesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/classification/accounts/{accountId:guid}").WithTags("Classification history").RequireUser();
        api.MapGet("/messages", ListMessages).WithName("ListClassifiedMessages").WithSummary("The account's most recently classified messages.");
        api.MapGet("/activity", ListActivity).WithName("ListActivity")
            .WithSummary("Processed messages, newest received first, with the decision behind each (who decided, labels, needs-reply); filter by category, needs-reply and decider, page with `before`.");
        api.MapGet("/messages/{messageId}", GetMessage).WithName("GetClassificationHistory")
            .WithSummary("A message's classification history (every decision and the labels it applied) and its corrections.");
        api.MapPost("/messages/{messageId}/corrections", Correct).WithName("CorrectClassification")
            .WithSummary("Sets the right category; stored for retraining and, with `relabel` (default), the Gmail label is changed.");
        api.MapGet("/corrections", ListCorrections).WithName("ListCorrections").WithSummary("The account's corrections, newest first, and how many wait for a retrain.");
        api.MapPost("/dry-run", DryRun).WithName("DryRunRules")
            .WithSummary("Runs the current or a proposed rule set over the last N processed messages and shows what would change. Applies nothing.");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<ProcessedMessageView>>> ListMessages(
        Guid accountId, int? limit, ICurrentUser user, AccountDirectory accounts, ClassificationDbContext db, CancellationToken cancellationToken)
    {
        await accounts.OwnedAsync(accountId, user.UserId, cancellationToken);
        var take = Math.Clamp(limit ?? 50, 1, 500);
        var rows = await db.ProcessedMessages.AsNoTracking().Where(p => p.AccountId == accountId)
            .OrderByDescending(p => p.ProcessedAt).Take(take).ToListAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<ProcessedMessageView>>([.. rows.Select(ProcessedMessageView.Of)]);
    }

    /// <summary>
    /// What the web console's activity page shows: one row per processed message with the pipeline's last decision
    /// (needs-reply, decider, rule/model) and the labels of the last decision of any kind (a correction moves labels).
    /// Newest received first (not processing order: an initial sync processes old mail last), paged by received time
    /// along the (account, received) index so that a page costs the same with 10 or 10,000 messages.
    /// </summary>
    public static async Task<Ok<ActivityPage>> ListActivity(
        Guid accountId,
        ICurrentUser user,
        AccountDirectory accounts,
        ClassificationDbContext db,
        CancellationToken cancellationToken,
        string? category = null,
        bool? needsReply = null,
        string? decidedBy = null,
        DateTimeOffset? before = null,
        string? beforeId = null,
        int? limit = null)
    {
        await accounts.OwnedAsync(accountId, user.UserId, cancellationToken);
        var take = limit ?? 50;
        if (take is < 1 or > 200)
        {
            throw new ValidationException("limit", "limit must be between 1 and 200.");
        }

        var messages = db.ProcessedMessages.AsNoTracking().Where(p => p.AccountId == accountId);
        if (!string.IsNullOrWhiteSpace(category))
        {
            var wanted = category.Trim().ToLower();
            messages = messages.Where(p => p.Category.ToLower() == wanted);
        }

        if (before is { } cursor)
        {
            // Messages received at the same instant are told apart by their id, so no page boundary skips one.
            messages = beforeId is null
                ? messages.Where(p => p.InternalDate < cursor)
                : messages.Where(p => p.InternalDate < cursor || (p.InternalDate == cursor && string.Compare(p.GmailMessageId, beforeId) < 0));
        }

        var rows = from p in messages
                   let decision = db.History
                       .Where(h => h.AccountId == p.AccountId && h.GmailMessageId == p.GmailMessageId && h.Source == ClassificationSources.Event)
                       .OrderByDescending(h => h.Id)
                       .FirstOrDefault()
                   let latest = db.History
                       .Where(h => h.AccountId == p.AccountId && h.GmailMessageId == p.GmailMessageId)
                       .OrderByDescending(h => h.Id)
                       .Select(h => new { h.Labels, h.Source })
                       .FirstOrDefault()
                   select new { Message = p, Decision = decision, Latest = latest };
        if (needsReply is { } wantsReply)
        {
            rows = rows.Where(r => r.Decision != null && r.Decision.NeedsReply == wantsReply);
        }

        if (!string.IsNullOrWhiteSpace(decidedBy))
        {
            var decider = decidedBy.Trim().ToLowerInvariant();
            rows = decider == ClassificationSources.Correction
                ? rows.Where(r => r.Latest != null && r.Latest.Source == ClassificationSources.Correction)
                : rows.Where(r => r.Decision != null && r.Decision.DecidedBy == decider);
        }

        var page = await rows.OrderByDescending(r => r.Message.InternalDate).ThenByDescending(r => r.Message.GmailMessageId).Take(take + 1).ToListAsync(cancellationToken);
        var items = page.Take(take).Select(r =>
        {
            var features = StoredFeatures.FromJson(r.Message.Features);
            var d = r.Decision;
            return new ActivityItem(
                r.Message.GmailMessageId,
                r.Message.ThreadId,
                features.Subject,
                features.From?.Address,
                r.Message.Category,
                r.Latest?.Source == ClassificationSources.Correction,
                d?.DecidedBy ?? DecisionKinds.None,
                d?.RuleId,
                d?.ModelVersion,
                d?.Confidence,
                d?.NeedsReply ?? false,
                d?.NeedsReplyReason,
                r.Latest?.Labels ?? [],
                r.Message.InternalDate,
                r.Message.ProcessedAt);
        }).ToList();
        var more = page.Count > take;
        return TypedResults.Ok(new ActivityPage(items, more ? items[^1].InternalDate : null, more ? items[^1].GmailMessageId : null));
    }

    public static async Task<Ok<MessageHistoryView>> GetMessage(
        Guid accountId, string messageId, ICurrentUser user, AccountDirectory accounts, ClassificationDbContext db, CancellationToken cancellationToken)
    {
        await accounts.OwnedAsync(accountId, user.UserId, cancellationToken);
        var processed = await ProcessedAsync(db, accountId, messageId, cancellationToken);
        var history = await db.History.AsNoTracking().Where(h => h.AccountId == accountId && h.GmailMessageId == messageId)
            .OrderBy(h => h.Id).ToListAsync(cancellationToken);
        var corrections = await db.Corrections.AsNoTracking().Where(c => c.AccountId == accountId && c.GmailMessageId == messageId)
            .OrderBy(c => c.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(new MessageHistoryView(
            ProcessedMessageView.Of(processed),
            [.. history.Select(HistoryEntryView.Of)],
            [.. corrections.Select(CorrectionView.Of)]));
    }

    public static async Task<Ok<CorrectionResultView>> Correct(
        Guid accountId,
        string messageId,
        CorrectionInput input,
        ICurrentUser user,
        AccountDirectory accounts,
        ClassificationDbContext db,
        RuleSetProvider rules,
        MessageLabeler labeler,
        OutboxPublisher outbox,
        IOptions<ClassificationOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        var account = await accounts.OwnedAsync(accountId, userId, cancellationToken);
        var processed = await db.ProcessedMessages.SingleOrDefaultAsync(p => p.AccountId == accountId && p.GmailMessageId == messageId, cancellationToken)
            ?? throw new NotFoundException("Classified message", messageId);
        var category = input.Category?.Trim() ?? string.Empty;
        var own = await RulesApi.UserCategoriesAsync(db, userId, cancellationToken);
        if (!Categories.BuiltIn.Contains(category, StringComparer.OrdinalIgnoreCase) && !own.Contains(category))
        {
            throw new ValidationException("category", $"'{category}' is neither a built-in category nor one of yours.");
        }

        category = own.FirstOrDefault(c => string.Equals(c, category, StringComparison.OrdinalIgnoreCase)) ?? Categories.Normalize(category);
        var previous = processed.Category;
        var now = time.GetUtcNow();
        var ruleSet = await rules.GetAsync(userId, cancellationToken);

        IReadOnlyList<string> labels = [];
        var change = new LabelChange([], [], true);
        if (input.Relabel)
        {
            var oldLabel = $"{ruleSet.LabelParent}/{previous}";
            var oldId = previous == category
                ? null
                : await db.Labels.AsNoTracking().Where(l => l.AccountId == accountId && l.Name.ToLower() == oldLabel.ToLower())
                    .Select(l => l.LabelId).FirstOrDefaultAsync(cancellationToken);
            labels = category == Categories.Other || ruleSet.DisabledLabelCategories.Contains(category) ? [] : [$"{ruleSet.LabelParent}/{category}"];
            (change, _) = await labeler.ApplyAsync(accountId, account.EmailAddress, messageId, labels, oldId is null ? [] : [oldId], cancellationToken);
        }

        var correction = new Correction
        {
            AccountId = accountId,
            UserId = userId,
            GmailMessageId = messageId,
            PreviousCategory = previous,
            Category = category,
            CreatedAt = now,
        };
        db.Corrections.Add(correction);
        processed.Category = category;
        db.History.Add(new ClassificationRecord
        {
            AccountId = accountId,
            GmailMessageId = messageId,
            Source = ClassificationSources.Correction,
            Category = category,
            Confidence = 1,
            DecidedBy = ClassificationSources.Correction,
            NeedsReplyReason = "corrected by the user",
            Labels = [.. labels],
            LabelIdsApplied = [.. change.Added],
            LabelIdsRemoved = [.. change.Removed],
            Notes = change.MessageExists ? [] : ["the message is no longer in Gmail; no label was changed"],
            ClassifiedAt = now,
        });

        // Saved with the correction (one transaction), so the audit log hears of every correction and only of those.
        db.Outbox.Add(OutboxPublisher.ToOutbox(
            new ClassificationCorrected
            {
                AccountId = accountId,
                UserId = userId,
                GmailMessageId = messageId,
                ThreadId = string.IsNullOrEmpty(processed.ThreadId) ? null : processed.ThreadId,
                PreviousCategory = previous,
                Category = category,
                LabelIdsAdded = [.. change.Added],
                LabelIdsRemoved = [.. change.Removed],
                CreatedAt = now,
            },
            now));
        await db.SaveChangesAsync(cancellationToken);
        outbox.Notify();

        var pending = await db.Corrections.CountAsync(c => c.AccountId == accountId && c.TrainedInModelVersion == null, cancellationToken);
        return TypedResults.Ok(new CorrectionResultView(
            CorrectionView.Of(correction), change.Added, change.Removed, pending, pending >= options.Value.RetrainAfterCorrections));
    }

    public static async Task<Ok<CorrectionListView>> ListCorrections(
        Guid accountId, ICurrentUser user, AccountDirectory accounts, ClassificationDbContext db, IOptions<ClassificationOptions> options, CancellationToken cancellationToken)
    {
        await accounts.OwnedAsync(accountId, user.UserId, cancellationToken);
        var rows = await db.Corrections.AsNoTracking().Where(c => c.AccountId == accountId).OrderByDescending(c => c.Id).Take(500).ToListAsync(cancellationToken);
        var pending = await db.Corrections.CountAsync(c => c.AccountId == accountId && c.TrainedInModelVersion == null, cancellationToken);
        return TypedResults.Ok(new CorrectionListView([.. rows.Select(CorrectionView.Of)], pending, options.Value.RetrainAfterCorrections));
    }

    public static async Task<Ok<DryRunView>> DryRun(
        Guid accountId,
        DryRunRequest request,
        ICurrentUser user,
        AccountDirectory accounts,
        ClassificationDbContext db,
        RuleSetProvider rules,
        ModelProvider models,
        IOptions<ClassificationOptions> options,
        CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        await accounts.OwnedAsync(accountId, userId, cancellationToken);
        var limit = request.Limit ?? 100;
        if (limit < 1 || limit > options.Value.DryRunMaxMessages)
        {
            throw new ValidationException("limit", $"limit must be between 1 and {options.Value.DryRunMaxMessages}.");
        }

        var current = await rules.GetAsync(userId, cancellationToken);
        var disabled = request.DisabledBuiltIns is { } off ? new HashSet<string>(off, StringComparer.Ordinal) : current.DisabledBuiltIns;
        IReadOnlyList<RuleDefinition> definitions = current.Definitions;
        if (request.Rules is { } proposed)
        {
            var own = await RulesApi.UserCategoriesAsync(db, userId, cancellationToken);
            var errors = new Dictionary<string, string[]>();
            var list = new List<RuleDefinition>(proposed.Count);
            for (var i = 0; i < proposed.Count; i++)
            {
                var definition = proposed[i].ToDefinition(Guid.TryParse(proposed[i].Id, out var id) ? id : Guid.NewGuid());
                foreach (var (where, message) in RuleValidation.Problems(definition, rules.Regexes, own))
                {
                    errors[$"rules[{i}]{where}"] = [$"Rule '{definition.Name}': {message}"];
                }

                list.Add(definition);
            }

            if (errors.Count > 0)
            {
                throw new ValidationException(errors.First().Value[0], errors);
            }

            definitions = list;
        }

        var compiled = rules.Compile(definitions, disabled);
        var notes = new List<string>();
        if (definitions.Any(d => UsesBody(d.Condition)))
        {
            notes.Add("message bodies are not stored: conditions on the body count as not matching in a dry-run");
        }

        var processed = await db.ProcessedMessages.AsNoTracking().Where(p => p.AccountId == accountId)
            .OrderByDescending(p => p.ProcessedAt).Take(limit).ToListAsync(cancellationToken);
        var ids = processed.Select(p => p.GmailMessageId).ToList();
        var lastDecisions = (await db.History.AsNoTracking()
                .Where(h => h.AccountId == accountId && ids.Contains(h.GmailMessageId) && h.Source == ClassificationSources.Event)
                .ToListAsync(cancellationToken))
            .GroupBy(h => h.GmailMessageId)
            .ToDictionary(g => g.Key, g => g.MaxBy(h => h.Id)!);
        var model = await models.ForAccountAsync(accountId, cancellationToken);
        var threshold = options.Value.ConfidenceThreshold;

        var changes = new List<DryRunChange>();
        foreach (var message in processed)
        {
            var stored = StoredFeatures.FromJson(message.Features);
            var features = stored.ToMessageFeatures();
            var outcome = RuleEngine.Evaluate(compiled, features);
            lastDecisions.TryGetValue(message.GmailMessageId, out var last);
            string proposedCategory;
            string decidedBy;
            if (outcome.Category is { } byRule)
            {
                (proposedCategory, decidedBy) = (byRule, outcome.CategoryRule is { } r && BuiltInRules.IsBuiltIn(r.Id) ? DecisionKinds.BuiltIn : DecisionKinds.Rule);
            }
            else if (last?.ModelCategory is { } recorded && last.ModelConfidence is { } confidence)
            {
                // The model's recorded answer (it saw the body, which is not kept).
                (proposedCategory, decidedBy) = (confidence >= threshold ? recorded : Categories.Other, DecisionKinds.Model);
            }
            else if (model is not null)
            {
                var prediction = model.Predict(features);
                (proposedCategory, decidedBy) = (prediction.Confidence >= threshold ? prediction.Category : Categories.Other, DecisionKinds.Model);
            }
            else
            {
                (proposedCategory, decidedBy) = (Categories.Other, DecisionKinds.None);
            }

            var currentLabels = last?.Labels.Where(l => !l.StartsWith(current.LabelParent + "/", StringComparison.OrdinalIgnoreCase)).ToList() ?? [];
            var addedLabels = outcome.Labels.Where(l => !currentLabels.Contains(l, StringComparer.OrdinalIgnoreCase)).ToList();
            var removedLabels = currentLabels.Where(l => !outcome.Labels.Contains(l, StringComparer.OrdinalIgnoreCase)).ToList();
            if (!string.Equals(proposedCategory, message.Category, StringComparison.OrdinalIgnoreCase) || addedLabels.Count > 0 || removedLabels.Count > 0)
            {
                changes.Add(new DryRunChange(
                    message.GmailMessageId,
                    stored.Subject,
                    stored.From?.Address,
                    message.Category,
                    proposedCategory,
                    decidedBy,
                    outcome.CategoryRule?.Id,
                    outcome.CategoryRule?.Name,
                    addedLabels,
                    removedLabels,
                    [.. outcome.Issues.Select(i => $"{i.RuleId}: {i.Reason}")]));
            }
        }

        return TypedResults.Ok(new DryRunView(accountId, processed.Count, changes.Count, changes, notes));
    }

    private static bool UsesBody(RuleCondition? condition) =>
        condition is not null && (condition.Field == RuleFields.Body || (condition.Conditions?.Any(UsesBody) ?? false));

    private static async Task<ProcessedMessage> ProcessedAsync(ClassificationDbContext db, Guid accountId, string messageId, CancellationToken cancellationToken) =>
        await db.ProcessedMessages.AsNoTracking().SingleOrDefaultAsync(p => p.AccountId == accountId && p.GmailMessageId == messageId, cancellationToken)
            ?? throw new NotFoundException("Classified message", messageId);
}

public sealed record ProcessedMessageView(string GmailMessageId, string ThreadId, string Category, string Subject, string? From, DateTimeOffset InternalDate, DateTimeOffset ProcessedAt)
{
    public static ProcessedMessageView Of(ProcessedMessage p)
    {
        var features = StoredFeatures.FromJson(p.Features);
        return new(p.GmailMessageId, p.ThreadId, p.Category, features.Subject, features.From?.Address, p.InternalDate, p.ProcessedAt);
    }
}

/// <summary>One processed message with the decision behind it, as the activity page lists it.</summary>
public sealed record ActivityItem(
    string GmailMessageId,
    string ThreadId,
    string Subject,
    string? From,
    string Category,
    bool Corrected,
    string DecidedBy,
    string? RuleId,
    string? ModelVersion,
    double? Confidence,
    bool NeedsReply,
    string? NeedsReplyReason,
    IReadOnlyList<string> Labels,
    DateTimeOffset InternalDate,
    DateTimeOffset ProcessedAt);

/// <summary>One page of activity; pass <see cref="NextBefore"/> and <see cref="NextBeforeId"/> as <c>before</c> and <c>beforeId</c> for the next (older) page.</summary>
public sealed record ActivityPage(IReadOnlyList<ActivityItem> Items, DateTimeOffset? NextBefore, string? NextBeforeId);

public sealed record HistoryEntryView(
    long Id,
    string Source,
    string Category,
    double Confidence,
    bool NeedsReply,
    string NeedsReplyReason,
    string DecidedBy,
    string? RuleId,
    string? ModelVersion,
    string? ModelCategory,
    IReadOnlyList<string> Labels,
    IReadOnlyList<string> LabelIdsApplied,
    IReadOnlyList<string> LabelIdsRemoved,
    IReadOnlyList<string> Notes,
    DateTimeOffset ClassifiedAt)
{
    public static HistoryEntryView Of(ClassificationRecord r) => new(
        r.Id, r.Source, r.Category, r.Confidence, r.NeedsReply, r.NeedsReplyReason, r.DecidedBy, r.RuleId, r.ModelVersion, r.ModelCategory,
        r.Labels, r.LabelIdsApplied, r.LabelIdsRemoved, r.Notes, r.ClassifiedAt);
}

public sealed record MessageHistoryView(ProcessedMessageView Message, IReadOnlyList<HistoryEntryView> History, IReadOnlyList<CorrectionView> Corrections);

public sealed record CorrectionInput(string? Category, bool Relabel = true);

public sealed record CorrectionView(long Id, string GmailMessageId, string PreviousCategory, string Category, DateTimeOffset CreatedAt, string? TrainedInModelVersion)
{
    public static CorrectionView Of(Correction c) => new(c.Id, c.GmailMessageId, c.PreviousCategory, c.Category, c.CreatedAt, c.TrainedInModelVersion);
}

public sealed record CorrectionResultView(
    CorrectionView Correction, IReadOnlyList<string> LabelIdsAdded, IReadOnlyList<string> LabelIdsRemoved, int CorrectionsSinceLastModel, bool RetrainDue);

public sealed record CorrectionListView(IReadOnlyList<CorrectionView> Corrections, int CorrectionsSinceLastModel, int RetrainAfter);

/// <summary>A dry-run: <see cref="Rules"/> (a proposed list of the user's rules, in order) or, when null, the current ones.</summary>
public sealed record DryRunRequest(IReadOnlyList<ProposedRule>? Rules, IReadOnlyList<string>? DisabledBuiltIns, int? Limit);

public sealed record ProposedRule
{
    public string? Id { get; init; }

    public string Name { get; init; } = string.Empty;

    public bool Enabled { get; init; } = true;

    public RuleCondition? Condition { get; init; }

    public IReadOnlyList<RuleAction>? Actions { get; init; }

    public RuleDefinition ToDefinition(Guid id) => new()
    {
        Id = id.ToString(),
        Name = Name?.Trim() ?? string.Empty,
        Enabled = Enabled,
        Condition = Condition!,
        Actions = Actions ?? [],
    };
}

public sealed record DryRunChange(
    string GmailMessageId,
    string Subject,
    string? From,
    string CurrentCategory,
    string ProposedCategory,
    string DecidedBy,
    string? RuleId,
    string? RuleName,
    IReadOnlyList<string> LabelsAdded,
    IReadOnlyList<string> LabelsRemoved,
    IReadOnlyList<string> Issues);

public sealed record DryRunView(Guid AccountId, int MessagesExamined, int WouldChange, IReadOnlyList<DryRunChange> Changes, IReadOnlyList<string> Notes);
